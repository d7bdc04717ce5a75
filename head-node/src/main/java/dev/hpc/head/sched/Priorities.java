package dev.hpc.head.sched;

import dev.hpc.api.job.JobSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * The multifactor priority of a queued task:
 *
 * <pre>
 * priority = w_job * job + w_queue * queue + w_age * age + w_fairshare * fairshare
 * </pre>
 *
 * where each factor is between 0 and 1: {@code job} and {@code queue} are the job's {@code -p} and its
 * queue's priority mapped from -1024..1023; {@code age} is the time since submission over the policy's
 * maximum age, at most 1; {@code fairshare} is {@code 2^(-U/S)}, with {@code U} the user's share of
 * the decayed usage of all users and {@code S} the share each user is due (one over the number of
 * users with usage): 1 for a user with no recent usage, 0.5 for one who used exactly a fair share,
 * towards 0 for one who used much more.
 */
public final class Priorities {
    private Priorities() {
    }

    static double level(int priority) {
        int p = Math.max(JobSpec.MIN_PRIORITY, Math.min(JobSpec.MAX_PRIORITY, priority));
        return (p - JobSpec.MIN_PRIORITY) / (double) (JobSpec.MAX_PRIORITY - JobSpec.MIN_PRIORITY);
    }

    static double age(Instant submitted, Instant now, Duration maxAge) {
        if (!submitted.isBefore(now)) {
            return 0;
        }
        double seconds = Duration.between(submitted, now).toMillis() / 1000.0;
        return Math.min(1.0, seconds / (maxAge.toMillis() / 1000.0));
    }

    /** The fair-share factor of every user that has usage; a user not in the answer has factor 1. */
    public static Map<String, Double> fairShare(Map<String, Double> usage) {
        double total = 0;
        int users = 0;
        for (double u : new TreeMap<>(usage).values()) {
            if (u > 0) {
                total += u;
                users++;
            }
        }
        Map<String, Double> out = new TreeMap<>();
        if (total <= 0) {
            return out;
        }
        for (Map.Entry<String, Double> e : new TreeMap<>(usage).entrySet()) {
            double share = Math.max(0, e.getValue()) / total;
            out.put(e.getKey(), Math.pow(2, -share * users));
        }
        return out;
    }

    /** The priority of a task of {@code queue} (null: a queue not configured, priority 0). */
    public static double of(PendingTask t, QueueDef queue, double fairShare, Policy policy, Instant now) {
        Policy.Weights w = policy.weights();
        return w.job() * level(t.priority()) + w.queue() * level(queue == null ? 0 : queue.priority())
                + w.age() * age(t.submitted(), now, policy.maxAge()) + w.fairShare() * fairShare;
    }
}
