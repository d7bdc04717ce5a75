package dev.hpc.head.sched;

import dev.hpc.api.job.Resources;
import java.time.Instant;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * A queued task as the scheduler sees it. {@code readiness} says whether its dependencies allow it
 * to start; {@code runningInJob} and {@code throttle} carry the array throttle (0 = none).
 * {@code avoidNodes} are the nodes on which an earlier attempt of a requeued task ended by a node
 * failure: the task starts elsewhere while any other node could ever hold it. {@code submitted} is
 * when its job was submitted: the age factor of its priority.
 */
public record PendingTask(TaskKey key, String owner, String queue, Resources resources, int priority,
                          Instant notBefore, Readiness readiness, String waitingFor, int throttle,
                          int runningInJob, Set<String> avoidNodes, Instant submitted) {

    public PendingTask {
        avoidNodes = avoidNodes.isEmpty() ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(avoidNodes));
    }

    /** A task submitted at the epoch (no age). */
    public PendingTask(TaskKey key, String owner, String queue, Resources resources, int priority,
                       Instant notBefore, Readiness readiness, String waitingFor, int throttle, int runningInJob,
                       Set<String> avoidNodes) {
        this(key, owner, queue, resources, priority, notBefore, readiness, waitingFor, throttle, runningInJob,
                avoidNodes, Instant.EPOCH);
    }

    /** A task that avoids no node. */
    public PendingTask(TaskKey key, String owner, String queue, Resources resources, int priority,
                       Instant notBefore, Readiness readiness, String waitingFor, int throttle, int runningInJob) {
        this(key, owner, queue, resources, priority, notBefore, readiness, waitingFor, throttle, runningInJob,
                Set.of());
    }

    public PendingTask withSubmitted(Instant when) {
        return new PendingTask(key, owner, queue, resources, priority, notBefore, readiness, waitingFor, throttle,
                runningInJob, avoidNodes, when);
    }

    public enum Readiness {
        READY,
        WAITING,
        NEVER
    }
}
