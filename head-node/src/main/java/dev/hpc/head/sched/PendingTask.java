package dev.hpc.head.sched;

import dev.hpc.api.Resources;
import java.time.Instant;

/**
 * A queued task as the scheduler sees it. {@code readiness} says whether its dependencies allow it
 * to start; {@code runningInJob} and {@code throttle} carry the array throttle (0 = none).
 */
public record PendingTask(TaskKey key, String owner, String queue, Resources resources, int priority,
                          Instant notBefore, Readiness readiness, String waitingFor, int throttle,
                          int runningInJob) {

    public enum Readiness {
        READY,
        WAITING,
        NEVER
    }
}
