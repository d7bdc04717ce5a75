package dev.hpc.worker.sim;

import java.util.concurrent.atomic.AtomicLong;

/** Counts of what the simulated nodes did, printed periodically. */
final class SimulatorStats {
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong finished = new AtomicLong();

    void started() {
        started.incrementAndGet();
    }

    void finished() {
        finished.incrementAndGet();
    }

    long startedCount() {
        return started.get();
    }

    long finishedCount() {
        return finished.get();
    }
}
