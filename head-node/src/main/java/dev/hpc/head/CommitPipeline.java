package dev.hpc.head;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.TaskSegment;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.state.Command;
import dev.hpc.head.state.Effect;
import dev.hpc.head.state.JobFilter;
import dev.hpc.head.state.Outcome;
import dev.hpc.head.store.JobStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What follows a command applied on the state thread, in this order: its changes are committed (the store and
 * the head cluster's replicas), and only then are its effects sent to the workers, its listeners told, its alerts
 * raised and its caller answered. So a launch is never sent for a start the head could forget, and a result is
 * acknowledged only once it is durable. A commit that fails stops this head (fail-stop): its memory then holds
 * what its store and its standby may lack.
 */
final class CommitPipeline {
    private final Clock clock;
    private final JobStore store;
    private final StateThread stateThread;
    private final LoopRunner loops;
    private final AlertRelay alerts;
    private final List<ChangeListener> listeners;
    private final LaunchesInFlight launchesInFlight;
    /** Asked for when a command freed or queued work. */
    private final Runnable requestCycle;
    private volatile EffectSink effects = effect -> { };
    /**
     * Every commit issued so far, as one future that completes once each of them has, failed or not: issued on
     * the state thread only, read from any thread ({@link #issuedSoFar}).
     */
    private volatile CompletableFuture<Void> issued = CompletableFuture.completedFuture(null);
    /**
     * The commits in flight that write each job, by number, as one future a job ({@link #issuedFor}); an entry
     * leaves once they have all ended. Written on the state thread, read from any thread.
     */
    private final ConcurrentHashMap<Long, CompletableFuture<Void>> inFlightByJob = new ConcurrentHashMap<>();

    CommitPipeline(Clock clock, JobStore store, StateThread stateThread, LoopRunner loops, AlertRelay alerts,
                   List<ChangeListener> listeners, LaunchesInFlight launchesInFlight, Runnable requestCycle) {
        this.clock = clock;
        this.store = store;
        this.stateThread = stateThread;
        this.loops = loops;
        this.alerts = alerts;
        this.listeners = listeners;
        this.launchesInFlight = launchesInFlight;
        this.requestCycle = requestCycle;
        // the store folds what it acknowledged into its tables later: a fold that fails has no commit to fail
        store.onFailure(e -> {
            if (!store.isClosing() && stateThread.leading()) {
                stateThread.failStop("the store failed: " + rootMessage(e));
            }
        });
    }

    void effectSink(EffectSink sink) {
        this.effects = sink;
    }

    /** Sends an effect that changes nothing in the state, so has nothing to commit first (a stale attempt's kill). */
    void send(Effect effect) {
        effects.deliver(effect);
    }

    /** Applies on the state thread, then commits; effects go out once durable. */
    Outcome apply(Command command) {
        Outcome out = stateThread.state().apply(command);
        publish(out);
        return out;
    }

    /**
     * Commits what a command changed, then lets it be seen: effects to the workers, listeners, alerts. Called
     * on the state thread only, so that changes reach the store in the order they were applied.
     */
    CompletableFuture<Void> publish(Outcome out) {
        if (out.needsReschedule()) {
            requestCycle.run();
        }
        List<Effect> toSend = out.effects();
        for (Effect e : toSend) {
            if (e instanceof Effect.Launch l) {
                launchesInFlight.decided(l);
            }
        }
        CompletableFuture<Void> durable = commit(store.write(out.changedJobs(), out.changedNodes(),
                        out.sealedSegments(), settings(out.changedQueues(), out.changedReservations())),
                out.changedJobs().size() + " job and " + out.changedNodes().size() + " node changes");
        CompletableFuture<Void> ended = durable.handle((v, e) -> null);
        for (Job job : out.changedJobs()) {
            long number = job.id().number();
            CompletableFuture<Void> all = inFlightByJob.merge(number, ended, CompletableFuture::allOf);
            all.whenComplete((v, e) -> inFlightByJob.remove(number, all));
        }
        if (toSend.isEmpty() && out.alerts().isEmpty()
                && (listeners.isEmpty() || out.changedJobs().isEmpty() && out.changedNodes().isEmpty())) {
            return durable;
        }
        return durable.thenRun(() -> {
            if (stateThread.stopped() || !stateThread.leaseHolds()) {
                throw stateThread.unavailable("stopped being active");
            }
            for (Effect e : toSend) {
                effects.deliver(e);
                if (e instanceof Effect.Launch l) {
                    launchesInFlight.sent(l, clock.instant());
                }
            }
            tellListeners(out.changedJobs(), out.changedNodes());
            alerts.raise(out.alerts());
        });
    }

    /**
     * Applies the command {@code checked} gives on the state thread (its checks run there, right before, so that a
     * refused one changes nothing), and answers with {@code answer} of its outcome once it is committed.
     */
    <T> CompletableFuture<T> applyThenAnswer(Supplier<Command> checked, Function<Outcome, T> answer) {
        return stateThread.onStateCommitted(() -> {
            Outcome out = stateThread.state().apply(checked.get());
            return publish(out).thenApply(v -> answer.apply(out));
        });
    }

    /**
     * Commits every job and node this head holds again, as they are, in order with every other commit: replicas
     * that may have lost entries (a standby that was away, a head cluster that merged after a split) hold all
     * of them once it completes. The store writes nothing new (it keeps the newer version, which is the same).
     *
     * @param firstUnheld the first number from which the state may not hold every job yet (on the state thread)
     */
    CompletableFuture<Term.HeldJobs> recommitAll(LongSupplier firstUnheld) {
        return stateThread.onStateCommitted(() -> {
            ClusterState state = stateThread.state();
            List<Job> jobs = new ArrayList<>();
            long after = 0;
            while (true) {
                ClusterState.Page page = state.jobs(JobFilter.ALL, after, 1000);
                jobs.addAll(page.jobs());
                if (page.next() < 0) {
                    break;
                }
                after = page.next();
            }
            Set<Long> numbers = new HashSet<>();
            List<TaskSegment> segments = new ArrayList<>();
            jobs.forEach(j -> {
                numbers.add(j.id().number());
                segments.addAll(j.segments());
            });
            // a submission written but not yet admitted is held too: its entry is no stale one
            Term.HeldJobs held = new Term.HeldJobs(numbers, firstUnheld.getAsLong());
            // written from the state thread, so that it lands between the commits applied before and after it
            return commit(store.write(jobs, state.nodes(), segments, settings(state.committedQueues(),
                    state.committedReservations())), "every job and node again")
                    .thenApply(v -> held);
        });
    }

    /**
     * Completes once every commit issued before this call has ended. Whatever the state showed a reader before
     * this call was applied by a command whose commit was issued in the same step, so a read that waits for it
     * shows no change before that change is durable and replicated (a commit that failed stopped the head, which
     * the reader checks after).
     */
    CompletableFuture<Void> issuedSoFar() {
        return issued;
    }

    /**
     * As {@link #issuedSoFar}, for what a reader sees of one job: its record holds only its own changes, and each
     * is written by the commit of the command that made it, so the commits of other jobs need not be waited for.
     */
    CompletableFuture<Void> issuedFor(long jobNumber) {
        return inFlightByJob.getOrDefault(jobNumber, CompletableFuture.completedFuture(null));
    }

    void tellListeners(List<Job> jobs, List<NodeInfo> nodes) {
        if (jobs.isEmpty() && nodes.isEmpty()) {
            return;
        }
        for (ChangeListener l : listeners) {
            loops.tolerate("change listener", () -> l.changed(jobs, nodes));
        }
    }

    /**
     * The commit's outcome for the caller. When it fails (and the store is not simply closing), this head stops,
     * and the caller is told 503, as during a takeover: the change may or may not be on the standby, so a
     * client resends it (a submission with its idempotency key finds its job if it is there).
     */
    <T> CompletableFuture<T> commit(CompletableFuture<T> write, String what) {
        CompletableFuture<T> answered = new CompletableFuture<>();
        issued = CompletableFuture.allOf(issued, answered.handle((v, e) -> null));
        write.whenComplete((v, e) -> {
            if (e == null) {
                answered.complete(v);
                return;
            }
            if (!store.isClosing()) {
                stateThread.failStop("the commit of " + what + " failed: " + rootMessage(e));
            }
            answered.completeExceptionally(stateThread.unavailable("could not commit this change and stopped "
                    + "being active (" + rootMessage(e) + ")"));
        });
        return answered;
    }

    /** The settings a commit writes beside its jobs and nodes: the queues and reservations, when they changed. */
    static Map<String, String> settings(Optional<String> queues, Optional<String> reservations) {
        Map<String, String> out = new TreeMap<>();
        queues.ifPresent(body -> out.put(SettingKeys.QUEUES, body));
        reservations.ifPresent(body -> out.put(SettingKeys.RESERVATIONS, body));
        return out;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t.getCause() != null && t.getMessage() == null)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }
}
