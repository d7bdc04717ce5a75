package dev.hpc.head;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.state.JobFigures;
import dev.hpc.head.state.JobFilter;
import dev.hpc.head.state.NodeFigures;
import dev.hpc.head.state.SpawnTarget;
import dev.hpc.head.store.JobStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The queries the edges ask of the state: each runs on the state thread, the one place the state may be read,
 * and only while this head leads (a standby answers 503, which clients take to the active head). The state
 * holds a command's changes from the moment it is applied, a few milliseconds before they are durable and
 * replicated; so what a query found is answered once the commits issued before it have ended ({@link
 * #committed}): nobody is shown a change the next head could lack.
 */
public final class StateReads {
    /**
     * Where reads of the store wait for its writer's fold: two threads at most, so that a burst of reads of
     * forgotten jobs neither blocks the shared pool nor starts a thread each; idle ones end.
     */
    private final ThreadPoolExecutor storeReads = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "store-read");
                t.setDaemon(true);
                return t;
            });

    {
        storeReads.allowCoreThreadTimeOut(true);
    }

    private final StateThread stateThread;
    private final CommitPipeline commits;
    private final JobStore store;

    StateReads(StateThread stateThread, CommitPipeline commits, JobStore store) {
        this.stateThread = stateThread;
        this.commits = commits;
        this.store = store;
    }

    /** {@code read}, answered once what it may show is committed (on the state thread, or with a kept record). */
    private <T> CompletableFuture<T> committed(CompletableFuture<T> read) {
        return read.thenCompose(found -> whileLeading(commits.issuedSoFar(), found));
    }

    /** As {@link #committed}, for a read of one job, which shows that job's changes alone. */
    private CompletableFuture<Optional<Job>> committed(CompletableFuture<Optional<Job>> read, long number) {
        return read.thenCompose(found -> whileLeading(commits.issuedFor(number), found));
    }

    private <T> CompletableFuture<T> whileLeading(CompletableFuture<Void> ended, T found) {
        return ended.thenApply(v -> {
            if (!stateThread.leading()) {
                throw stateThread.unavailable("stopped being active");
            }
            return found;
        });
    }

    /**
     * The job as the state holds it, or as the store kept it once the state forgot it. A job read before and
     * unchanged since is answered here, on the caller's thread, from the record that read kept (issue 21): no wait
     * behind a scheduling cycle. It is the record a read on the state thread would give at this moment, since the
     * state forgets it in the very step that changes the job, before that change is committed or told to anyone
     * ({@code JobRecordCache}); so it shows nothing such a read would not. Only a head that leads answers, as on
     * the state thread; a state dropped or replaced (step down, fail-stop, a new term) takes its records with it.
     */
    public CompletableFuture<Optional<Job>> job(long number) {
        ClusterState state = stateThread.state();
        if (state != null && stateThread.leading()) {
            Optional<Job> kept = state.keptJob(number);
            if (kept.isPresent()) {
                return committed(CompletableFuture.completedFuture(kept), number);
            }
        }
        // the store's read waits for its writer's fold, which may wait for the standby's backups: never on the
        // state thread, where this would otherwise run
        return committed(stateThread.onState(() -> stateThread.state().job(number)), number)
                .thenCompose(found -> found.isPresent() ? CompletableFuture.completedFuture(found)
                        : CompletableFuture.supplyAsync(() -> store.job(number), storeReads));
    }

    public CompletableFuture<ClusterState.Page> jobs(JobFilter filter, long after, int limit) {
        return committed(stateThread.onState(() -> stateThread.state().jobs(filter, after, limit)));
    }

    public CompletableFuture<List<NodeInfo>> nodes() {
        return committed(stateThread.onState(() -> stateThread.state().nodes()));
    }

    /** The attempt into which its job may spawn commands now, if any (docs/mpi.md). */
    public CompletableFuture<Optional<SpawnTarget>> spawnTarget(long attemptId) {
        return stateThread.onState(() -> stateThread.state().spawnTarget(attemptId));
    }

    public CompletableFuture<Optional<NodeInfo>> node(String name) {
        return committed(stateThread.onState(() -> stateThread.state().node(name)));
    }

    public CompletableFuture<Summary> summary() {
        return committed(stateThread.onState(() -> {
            List<NodeInfo> nodes = stateThread.state().nodes();
            long up = nodes.stream().filter(n -> n.state() != NodeState.DOWN).count();
            int[] cores = stateThread.state().coreTotals();
            return new Summary(stateThread.state().jobCounts(), (int) up, nodes.size(), cores[0], cores[1]);
        }));
    }

    public record Summary(Map<JobState, Integer> jobs, int nodesUp, int nodesTotal, int cores, int coresUsed) {
    }

    /**
     * The figures {@code /metrics} shows of the cluster, read on the state thread from counts the state keeps
     * (docs/monitoring.md); empty while this head does not lead. Cheap: no pass over the jobs.
     */
    public CompletableFuture<Optional<Figures>> figures() {
        return CompletableFuture.supplyAsync(() -> stateThread.leading()
                ? Optional.of(new Figures(stateThread.state().jobFigures(), stateThread.state().nodeFigures(), stateThread.state().queuedTasks()))
                : Optional.<Figures>empty(), stateThread.executor());
    }

    /** The cluster as {@code /metrics} shows it; {@code queuedTasks} is the scheduler's queue length. */
    public record Figures(JobFigures jobs, NodeFigures nodes,
                          long queuedTasks) {
    }
}
