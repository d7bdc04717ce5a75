package dev.hpc.head.access;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per user for submissions: a user may submit {@code burst} jobs at once, then
 * {@code rate} per second. Operators and admins are not limited (the caller decides).
 */
public final class SubmitLimiter {
    private final double rate;
    private final double burst;
    private final Clock clock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double level;
        long at;

        Bucket(double level, long at) {
            this.level = level;
            this.at = at;
        }
    }

    public SubmitLimiter(double rate, int burst, Clock clock) {
        this.rate = rate;
        this.burst = burst;
        this.clock = clock;
    }

    /** Takes one submission from the user's bucket; empty when allowed, else how long until one is. */
    public Optional<Duration> take(String user) {
        return take(user, 1);
    }

    /**
     * Takes {@code count} submissions at once (a batch), or none; empty when allowed, else how long until they
     * would be. A batch larger than the burst never fits: the caller refuses it (see {@link #burst()}).
     */
    public Optional<Duration> take(String user, int count) {
        long now = clock.millis();
        Bucket b = buckets.computeIfAbsent(user, u -> new Bucket(burst, now));
        synchronized (b) {
            b.level = Math.min(burst, b.level + Math.max(0, now - b.at) * rate / 1000.0);
            b.at = now;
            if (b.level >= count) {
                b.level -= count;
                return Optional.empty();
            }
            long waitMillis = (long) Math.ceil((count - b.level) * 1000.0 / rate);
            return Optional.of(Duration.ofMillis(Math.max(1, waitMillis)));
        }
    }

    /** The most submissions a user may make at once. */
    public int burst() {
        return (int) burst;
    }
}
