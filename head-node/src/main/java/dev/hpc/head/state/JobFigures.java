package dev.hpc.head.state;

import dev.hpc.api.job.JobState;
import java.util.Map;

/**
 * The job figures of the state at one moment (see {@link JobTally}): arrays indexed by {@link JobState#ordinal()}.
 *
 * @param byQueue  jobs and tasks in each state, per queue (every configured queue, and any queue a job names)
 * @param byUser   jobs in each state, per user with a queued, held or running job
 * @param ended    jobs that ended in each terminal state since this state was built (this head's term)
 * @param admitted jobs admitted since this state was built
 */
public record JobFigures(Map<String, Row> byQueue, Map<String, int[]> byUser, long[] ended, long admitted) {

    /** One queue: jobs and tasks in each state. */
    public record Row(int[] jobs, long[] tasks) {
        static Row empty() {
            return new Row(new int[JobState.values().length], new long[JobState.values().length]);
        }

        public int jobs(JobState s) {
            return jobs[s.ordinal()];
        }

        public long tasks(JobState s) {
            return tasks[s.ordinal()];
        }
    }

    /** Jobs in this state over every queue. */
    public int jobs(JobState s) {
        int n = 0;
        for (Row r : byQueue.values()) {
            n += r.jobs(s);
        }
        return n;
    }

    public long ended(JobState s) {
        return ended[s.ordinal()];
    }
}
