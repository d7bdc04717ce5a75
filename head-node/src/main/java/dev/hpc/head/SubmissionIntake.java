package dev.hpc.head;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobSpec;
import dev.hpc.head.access.JobAccess;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.state.Command;
import dev.hpc.head.state.Outcome;
import dev.hpc.head.store.JobStore;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Accepts jobs: numbered, durable, then entered; a submission completes when it is safe to acknowledge. A
 * submission with an idempotency key that its owner already used is answered with the job of the first one,
 * whether that is in the state or still being committed: a client may resend a submission through a takeover
 * without making a second job.
 */
final class SubmissionIntake {
    private final HeadConfig config;
    private final Clock clock;
    private final JobStore store;
    private final StateThread stateThread;
    private final CommitPipeline commits;
    /** Keyed submissions numbered but not yet entered, by owner and key (state thread only). */
    private final Map<String, CompletableFuture<Job>> inFlightByKey = new HashMap<>();
    /**
     * Numbers of submissions written but not yet admitted to the state (state thread only): a recommit must not
     * take their map entries for stale ones, which it drops (the fault suite saw three acknowledged jobs
     * dropped so, and never run after the next takeover).
     */
    private final TreeSet<Long> numbersInFlight = new TreeSet<>();
    /** The highest job number this head may give out: those the voters reserved for it (no limit without them). */
    private volatile LongSupplier numbersReserved = () -> Long.MAX_VALUE;
    /** The next job number, for the lease's thread to reserve ahead of it. */
    private volatile long nextJobNumber = 1;

    SubmissionIntake(HeadConfig config, Clock clock, JobStore store, StateThread stateThread,
                     CommitPipeline commits) {
        this.config = config;
        this.clock = clock;
        this.store = store;
        this.stateThread = stateThread;
        this.commits = commits;
    }

    void numberGuard(LongSupplier reserved) {
        this.numbersReserved = reserved;
    }

    /** The number the next submission gets, as last seen on the state thread. */
    long nextJobNumber() {
        return nextJobNumber;
    }

    /** Takes the next number from a state about to become active. */
    void numberFrom(ClusterState loaded) {
        nextJobNumber = loaded.nextJobNumber();
    }

    /**
     * The first number from which the state may not hold every job yet: its next number, or that of a submission
     * still being written (on the state thread).
     */
    long firstUnheld() {
        long next = stateThread.state().nextJobNumber();
        return numbersInFlight.isEmpty() ? next : Math.min(numbersInFlight.first(), next);
    }

    /** {@code limited}: whether the owner's queued limits apply (docs/security.md). */
    CompletableFuture<Job> submit(JobSpec spec, boolean limited) {
        // The new job is durable before it enters the state; entering it writes nothing more.
        int maxTasks = limited ? config.access().maxQueuedPerUser() : 0;
        int maxJobs = limited ? config.access().maxQueuedJobsPerUser() : 0;
        return stateThread.onStateCommitted(() -> {
            ClusterState state = stateThread.state();
            String inFlightKey = spec.owner() + '\u0000' + spec.submitKey();
            if (!spec.submitKey().isEmpty()) {
                Optional<Job> known = state.jobBySubmitKey(spec.owner(), spec.submitKey());
                if (known.isPresent()) {
                    return CompletableFuture.completedFuture(known.get());
                }
                CompletableFuture<Job> pending = inFlightByKey.get(inFlightKey);
                if (pending != null) {
                    return pending;
                }
            }
            JobAccess.checkQueuedLimits(spec, state.waitingTasks(spec.owner()), state.waitingJobs(spec.owner()),
                    maxTasks, maxJobs);
            if (state.nextJobNumber() > numbersReserved.getAsLong()) {
                throw new RequestRejected(503, "UNAVAILABLE", "head " + config.name() + " is reserving job numbers "
                        + "with the voters of its lease; send the submission again");
            }
            Job job = state.prepareSubmit(spec, clock.instant());
            nextJobNumber = state.nextJobNumber();
            long number = job.id().number();
            numbersInFlight.add(number);
            CompletableFuture<Job> admitted = commits.commit(store.write(List.of(job), List.of()),
                    "submission of job " + job.id())
                    .thenCompose(v -> stateThread.onState(() -> {
                        numbersInFlight.remove(number);
                        Outcome out = commits.apply(new Command.Admit(job));
                        Job entered = out.answer().orElseThrow();
                        commits.tellListeners(List.of(entered), List.of());
                        return entered;
                    }));
            admitted.whenCompleteAsync((j, e) -> numbersInFlight.remove(number), stateThread.executor());
            if (!spec.submitKey().isEmpty()) {
                inFlightByKey.put(inFlightKey, admitted);
                admitted.whenCompleteAsync((j, e) -> inFlightByKey.remove(inFlightKey, admitted),
                        stateThread.executor());
            }
            return admitted;
        });
    }
}
