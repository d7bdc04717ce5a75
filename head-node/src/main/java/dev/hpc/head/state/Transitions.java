package dev.hpc.head.state;

import dev.hpc.api.HpcException;
import dev.hpc.api.job.JobState;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** The allowed task state changes, as one table. Anything else is a bug and fails loudly. */
public final class Transitions {
    private static final Map<JobState, Set<JobState>> ALLOWED = new EnumMap<>(JobState.class);

    static {
        ALLOWED.put(JobState.HELD, EnumSet.of(JobState.QUEUED, JobState.CANCELLED));
        ALLOWED.put(JobState.QUEUED, EnumSet.of(JobState.HELD, JobState.RUNNING, JobState.CANCELLED));
        ALLOWED.put(JobState.RUNNING,
                EnumSet.of(JobState.QUEUED, JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED));
        ALLOWED.put(JobState.COMPLETED, EnumSet.noneOf(JobState.class));
        ALLOWED.put(JobState.FAILED, EnumSet.noneOf(JobState.class));
        ALLOWED.put(JobState.CANCELLED, EnumSet.noneOf(JobState.class));
    }

    private Transitions() {
    }

    public static boolean allowed(JobState from, JobState to) {
        return ALLOWED.get(from).contains(to);
    }

    /** Throws {@link IllegalTransition} naming both states when the change is not in the table. */
    public static void check(String what, JobState from, JobState to) {
        if (!allowed(from, to)) {
            throw new IllegalTransition(what, from, to);
        }
    }

    public static final class IllegalTransition extends HpcException {
        public IllegalTransition(String what, JobState from, JobState to) {
            super("should never happen: " + what + " cannot go from " + from + " to " + to);
        }
    }
}
