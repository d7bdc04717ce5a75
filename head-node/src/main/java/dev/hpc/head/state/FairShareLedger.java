package dev.hpc.head.state;

import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.NodeSlot;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** Each user's decayed usage in core-seconds, which fair-share orders the queue by (docs/scheduling.md). */
final class FairShareLedger {
    /** Per user: {value, epoch millis of the time the value is as of}. */
    private final TreeMap<String, double[]> usage = new TreeMap<>();
    private Duration halfLife = Duration.ofDays(7);

    void halfLife(Duration halfLife) {
        this.halfLife = halfLife;
    }

    /** Adds usage (core-seconds, decayed to {@code asOf}); how the store's figures and closed attempts come in. */
    void add(String user, double coreSeconds, Instant asOf) {
        double[] u = usage.computeIfAbsent(user, k -> new double[] {0, asOf.toEpochMilli()});
        double before = decay(u, asOf.toEpochMilli());
        u[0] = before + coreSeconds;
        u[1] = Math.max(u[1], asOf.toEpochMilli());
    }

    /** Every user's usage in core-seconds, decayed to {@code now}, in user order. */
    Map<String, Double> at(Instant now) {
        Map<String, Double> out = new TreeMap<>();
        long at = now.toEpochMilli();
        usage.forEach((user, u) -> out.put(user, decay(u, at)));
        return out;
    }

    private double decay(double[] u, long at) {
        if (at <= u[1]) {
            return u[0];
        }
        double halfLives = (at - u[1]) / (double) halfLife.toMillis();
        return u[0] * Math.pow(0.5, halfLives);
    }

    /** Adds what a closed attempt used (cores over its run time) to its owner's usage. */
    void charge(String user, Attempt a) {
        if (a.end().isBefore(a.start())) {
            return;
        }
        int cores = 0;
        for (NodeSlot s : a.nodes()) {
            cores += s.cores();
        }
        double seconds = Duration.between(a.start(), a.end()).toMillis() / 1000.0;
        add(user, cores * seconds, a.end());
    }
}
