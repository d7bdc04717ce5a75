package dev.hpc.head;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How long the scheduling cycles take, measured by the head around the scheduler (the scheduler core
 * itself reads no clock): the last cycle, the slowest so far, how many ran and how many tasks they
 * started. Written by the state thread only; read by the status route.
 */
final class CycleStats {
    private volatile long cycles;
    private volatile long lastNanos;
    private volatile long maxNanos;
    private volatile long totalNanos;
    private volatile long tasksStarted;
    private volatile int lastStarted;

    void record(long nanos, int started) {
        cycles++;
        lastNanos = nanos;
        maxNanos = Math.max(maxNanos, nanos);
        totalNanos += nanos;
        tasksStarted += started;
        lastStarted = started;
    }

    Map<String, Object> toMap() {
        long n = cycles;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cycles", n);
        m.put("lastCycleMs", millis(lastNanos));
        m.put("maxCycleMs", millis(maxNanos));
        m.put("meanCycleMs", n == 0 ? 0.0 : millis(totalNanos / n));
        m.put("lastCycleStarted", lastStarted);
        m.put("tasksStarted", tasksStarted);
        return m;
    }

    private static double millis(long nanos) {
        return Math.round(nanos / (double) TimeUnit.MILLISECONDS.toNanos(1) * 100) / 100.0;
    }
}
