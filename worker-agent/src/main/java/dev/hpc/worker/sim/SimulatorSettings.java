package dev.hpc.worker.sim;

import dev.hpc.api.job.NodeTraits;
import java.time.Duration;
import java.util.Random;

/**
 * How simulated nodes behave: their heartbeat interval, and how long a task "runs": a fraction of
 * its walltime when it has one (between 10% and 90%, uniformly), else around {@code meanDuration}
 * (uniformly between half and one and a half times it).
 */
record SimulatorSettings(Duration heartbeat, Duration meanDuration, NodeTraits traits) {
    Duration durationFor(Duration walltime, Random random) {
        if (!walltime.isZero()) {
            return Duration.ofMillis((long) (walltime.toMillis() * (0.1 + 0.8 * random.nextDouble())));
        }
        return Duration.ofMillis((long) (meanDuration.toMillis() * (0.5 + random.nextDouble())));
    }
}
