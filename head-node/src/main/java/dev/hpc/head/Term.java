package dev.hpc.head;

import dev.hpc.api.HpcException;
import dev.hpc.head.state.ClusterState;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * This head's term as the active one, as the leadership sees it: the state it becomes active with, the guards
 * that hold its answers to the lease and its job numbers to the voters' reservation, the progress the lease is
 * renewed on, and the step down. The leadership ({@code replication/}) and the daemon are its only callers.
 */
public final class Term {
    private static final Logger LOG = Logger.getLogger(Term.class.getName());

    private final HeadConfig config;
    private final StateThread stateThread;
    private final StateLoader loader;
    private final CommitPipeline commits;
    private final SubmissionIntake submissions;
    private final ProgressWatch progress;
    private final ActivationSteps steps;
    /** Queues, priority weights, fair-share and backfill settings (docs/scheduling.md). */
    private volatile SchedulingSettings scheduling;
    private volatile int arraySegmentTasks = DEFAULT_ARRAY_SEGMENT_TASKS;

    /** About 380 KB of ended tasks at most in a body; a million-task array is a thousand segments. */
    public static final int DEFAULT_ARRAY_SEGMENT_TASKS = 1000;

    /** What the head does around a change of state: configured by {@link HeadService}, which owns those parts. */
    interface ActivationSteps {
        /** Readies {@code loaded} with this head's settings before it goes in place. */
        void prepare(ClusterState loaded);

        /** Runs once the state is in place: loops, the gateway's welcome, the first cycle. */
        void activated(ClusterState loaded);
    }

    Term(HeadConfig config, StateThread stateThread, StateLoader loader, CommitPipeline commits,
         SubmissionIntake submissions, ProgressWatch progress, ActivationSteps steps) {
        this.config = config;
        this.stateThread = stateThread;
        this.loader = loader;
        this.commits = commits;
        this.submissions = submissions;
        this.progress = progress;
        this.steps = steps;
        this.scheduling = SchedulingSettings.defaults(config.defaultQueue());
    }

    /** Sets the queues and scheduling policy; call before the head becomes active. */
    public void useScheduling(SchedulingSettings settings) {
        this.scheduling = settings;
    }

    /**
     * How many ended tasks of an array are sealed together and stored apart from its body
     * ({@link ClusterState#sealEndedTasksAt}); call before the head becomes active.
     */
    public void useArraySegmentTasks(int tasks) {
        if (tasks < 1) {
            throw new HpcException("--array-segment-tasks must be at least 1, not " + tasks);
        }
        this.arraySegmentTasks = tasks;
    }

    public SchedulingSettings scheduling() {
        return scheduling;
    }

    /** The state as this head's own store holds it: a cold start, or a restart after a crash. */
    public ClusterState stateFromStore(long epoch) {
        return loader.fromStore(epoch);
    }

    /** Makes this head the active one with the given state; waits until it is in place. */
    public void activate(ClusterState loaded) {
        loader.configure(loaded, scheduling, arraySegmentTasks);
        steps.prepare(loaded);
        submissions.numberFrom(loaded);
        stateThread.activate(loaded);
        LOG.info("head " + config.name() + " active for cluster " + config.cluster() + " with epoch "
                + loaded.epoch());
        steps.activated(loaded);
    }

    /** Stops acting as the active head (a newer epoch exists elsewhere); the state is dropped. */
    public void deactivate() {
        stateThread.stepDown();
        LOG.warning("head " + config.name() + " is no longer active");
    }

    /**
     * Whether this head's state thread and store writer came round within {@code within}, or {@code busyWithin}
     * while they use the processor ({@link ProgressWatch}); the lease is renewed only while they do. Call it at a
     * steady pace: it samples the threads' processor time.
     */
    public boolean progressing(Duration within, Duration busyWithin) {
        return progress.progressing(within, busyWithin);
    }

    /** Whether a commit has waited for the head cluster's backups for at least {@code within}. */
    public boolean replicationWaiting(Duration within) {
        return progress.replicationWaiting(within);
    }

    /**
     * Makes every answer, effect and loop step wait on the lease: checked right before each, with the clock of
     * that moment, so that a head that wakes from a freeze past its lease acts on nothing, whichever of its
     * threads runs first.
     */
    public void leaseGuard(BooleanSupplier holds) {
        stateThread.leaseGuard(holds);
    }

    /**
     * Gives out only job numbers up to what {@code reserved} says the voters reserved for this head, so that a
     * head that takes over, whatever store it leads from, starts above every number given out before it
     * (docs/failover.md). A submission beyond it waits for the next reservation: {@code 503}, which clients resend.
     */
    public void numberGuard(LongSupplier reserved) {
        submissions.numberGuard(reserved);
    }

    /** The number the next submission gets, as last seen on the state thread. */
    public long nextJobNumber() {
        return submissions.nextJobNumber();
    }

    /** The last job number a batch of submissions waits to have reserved; 0 when none has waited. */
    public long numbersWanted() {
        return submissions.numbersWanted();
    }

    /** Commits every job and node this head holds again: see {@link CommitPipeline#recommitAll}. */
    public CompletableFuture<HeldJobs> recommitAll() {
        return commits.recommitAll(submissions::firstUnheld);
    }

    /**
     * The numbers of the jobs a head holds, and the first number from which it may not hold every job yet: its next
     * number, or that of a submission still being written. Map entries numbered from it on are never stale.
     */
    public record HeldJobs(Set<Long> numbers, long nextNumber) {
    }

    /**
     * What to do when this head can no longer keep its state: by default it only stops being active; the
     * daemon ends its process, so that its standby takes over from what was replicated.
     */
    public void onFailStop(Consumer<String> action) {
        stateThread.onFailStop(action);
    }

    /** Whether a failed commit stopped this head. */
    public boolean failStopped() {
        return stateThread.stopped();
    }
}
