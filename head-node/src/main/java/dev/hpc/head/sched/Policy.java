package dev.hpc.head.sched;

import java.time.Duration;

/**
 * Scheduler settings.
 *
 * @param maxStartsPerCycle at most this many placements per plan
 * @param reservationDepth  how many blocked tasks (highest priority first) get a backfill reservation
 *                          and an estimated start per cycle (Maui's RESERVATIONDEPTH)
 * @param maxTasksExamined  how many queued tasks one cycle looks at, at most (Slurm's bf_max_job_test);
 *                          the rest keep their last reason until a later cycle reaches them
 * @param weights           the weights of the priority factors
 * @param maxAge            the age at which the age factor reaches 1
 */
public record Policy(int maxStartsPerCycle, int reservationDepth, int maxTasksExamined, Weights weights,
                     Duration maxAge) {

    public static final Policy DEFAULT = new Policy(2000);

    public Policy {
        if (maxStartsPerCycle < 1 || reservationDepth < 0 || maxTasksExamined < 1) {
            throw new IllegalArgumentException("policy limits must be positive: " + maxStartsPerCycle + ", "
                    + reservationDepth + ", " + maxTasksExamined);
        }
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("the maximum age must be positive, got " + maxAge);
        }
    }

    /** The default settings with another limit of starts per cycle. */
    public Policy(int maxStartsPerCycle) {
        this(maxStartsPerCycle, 16, 10_000, Weights.DEFAULT, Duration.ofDays(7));
    }

    public Policy withWeights(Weights w) {
        return new Policy(maxStartsPerCycle, reservationDepth, maxTasksExamined, w, maxAge);
    }

    public Policy withReservationDepth(int depth) {
        return new Policy(maxStartsPerCycle, depth, maxTasksExamined, weights, maxAge);
    }

    public Policy withMaxTasksExamined(int max) {
        return new Policy(maxStartsPerCycle, reservationDepth, max, weights, maxAge);
    }

    /**
     * The weights of the priority factors, each factor being between 0 and 1: the job's own priority
     * ({@code -p}), its queue's priority, its age, and the owner's fair-share factor.
     */
    public record Weights(double job, double queue, double age, double fairShare) {
        public static final Weights DEFAULT = new Weights(1000, 10_000, 100, 1000);

        public Weights {
            if (job < 0 || queue < 0 || age < 0 || fairShare < 0) {
                throw new IllegalArgumentException("priority weights must not be negative");
            }
        }
    }
}
