package dev.hpc.head.metrics;

import dev.hpc.api.job.JobState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last minutes of the cluster's figures (jobs by state, cores used of all), one sample every
 * {@link #every()}, the newest {@code kept}: what the web view's charts draw, so that they survive a reload
 * of the page. Kept in memory by the head that leads; a head that takes over starts its own.
 * Samples are recorded from the state thread and read from the event loop, hence the lock.
 */
public final class ClusterHistory {
    /**
     * One sample: the time it was taken, jobs by state (every state, in the order of {@link JobState}), cores, and
     * the jobs that ended completed or failed since this head became active (a count that only grows: the
     * difference of two samples is the throughput between them).
     */
    public record Sample(Instant time, Map<String, Integer> jobs, int coresTotal, int coresUsed, long ended) {
        public Sample {
            jobs = Map.copyOf(jobs);
        }

        /** As the API shows it. */
        public Map<String, Object> toJson() {
            Map<String, Object> ordered = new LinkedHashMap<>();
            for (JobState s : JobState.values()) {
                ordered.put(s.name(), jobs.getOrDefault(s.name(), 0));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("time", time.toString());
            m.put("jobs", ordered);
            m.put("cores", Map.of("total", coresTotal, "used", coresUsed));
            m.put("ended", ended);
            return m;
        }
    }

    private final Duration every;
    private final int kept;
    private final ArrayDeque<Sample> samples;

    public ClusterHistory(Duration every, int kept) {
        if (every.isNegative() || every.isZero() || kept < 1) {
            throw new IllegalArgumentException("should never happen: a history of " + kept + " samples every "
                    + every);
        }
        this.every = every;
        this.kept = kept;
        this.samples = new ArrayDeque<>(kept);
    }

    public Duration every() {
        return every;
    }

    /** Adds a sample, the oldest leaving once {@code kept} are held. */
    public synchronized void record(Instant time, Map<JobState, Integer> jobs, int coresTotal, int coresUsed,
                                    long ended) {
        Map<String, Integer> byName = new LinkedHashMap<>();
        jobs.forEach((state, count) -> byName.put(state.name(), count));
        if (samples.size() == kept) {
            samples.removeFirst();
        }
        samples.addLast(new Sample(time, byName, coresTotal, coresUsed, ended));
    }

    /** The samples held, oldest first. */
    public synchronized List<Sample> samples() {
        return new ArrayList<>(samples);
    }

    /** Forgets every sample: a head that stops leading has no figures of its own to add to them. */
    public synchronized void clear() {
        samples.clear();
    }
}
