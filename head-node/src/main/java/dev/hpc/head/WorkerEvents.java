package dev.hpc.head;

import dev.hpc.api.job.Health;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.TaskResult;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What the worker gateway tells the head of its workers: registrations, heartbeats, closed links, results, and
 * an epoch newer than this head's. Each goes to the part that acts on it; the gateway is the only caller.
 */
public final class WorkerEvents {
    /** How long a worker whose link ended without a close frame has to come back (at most the configured grace). */
    public static final Duration ABRUPT_LINK_GRACE = Duration.ofMillis(500);

    private final FailureDetector failureDetector;
    private final ResultIntake results;
    private final StateThread stateThread;

    WorkerEvents(FailureDetector failureDetector, ResultIntake results, StateThread stateThread) {
        this.failureDetector = failureDetector;
        this.results = results;
        this.stateThread = stateThread;
    }

    /** A worker registers: see {@link FailureDetector#registered}. */
    public void registered(Register registration, Runnable welcome, Consumer<String> refuse) {
        failureDetector.registered(registration, welcome, refuse);
    }

    public void heartbeat(String node, Health health, List<Long> runningAttempts) {
        failureDetector.heartbeat(node, health, runningAttempts);
    }

    /** A registered worker's link closed; {@code abrupt}: without a goodbye ({@link FailureDetector#linkClosed}). */
    public void linkClosed(String node, boolean abrupt, BooleanSupplier linkedAgain) {
        failureDetector.linkClosed(node, abrupt, linkedAgain);
    }

    /** A worker's task result, applied in a batch with those that arrived with it ({@link ResultIntake}). */
    public void finished(String node, TaskResult result) {
        results.finished(node, result);
    }

    /**
     * A worker obeys {@code epoch}: when it is newer than this head's, another head leads and this one, which
     * still believes it does, stops (fail-stop) before it commands anyone again.
     */
    public void newerEpochSeen(String node, long newer) {
        long own = stateThread.epoch();
        if (stateThread.isActive() && newer > own) {
            stateThread.failStop("worker " + node + " obeys epoch " + newer + ", newer than this head's " + own
                    + ": another head leads");
        }
    }
}
