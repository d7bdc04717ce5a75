package dev.hpc.head.state;

import dev.hpc.api.job.JobState;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many jobs and tasks each queue holds in each state, how many jobs each user has in each state, and how
 * many jobs were admitted and ended: kept as jobs change, so that {@code /metrics} copies a few rows instead of
 * passing over every job (a scrape every few seconds must cost the state thread little, with a million jobs).
 *
 * <p>A job is taken into account when it enters the state, brought up to date once per command that changed it
 * (when the command's changes are drained: a task that moves is counted out of one state before it is counted
 * into the next, and a job's state in between means nothing), and taken out when it expires.
 */
final class JobTally {
    private static final JobState[] STATES = JobState.values();

    /** One queue's figures: jobs and tasks in each state, by ordinal. */
    static final class QueueRow {
        final int[] jobs = new int[STATES.length];
        final long[] tasks = new long[STATES.length];
    }

    /** What a job was last counted as. */
    static final class Counted {
        final QueueRow queue;
        final int[] user;
        final String queueName;
        JobState state;
        final int[] tasks = new int[STATES.length];

        Counted(QueueRow queue, int[] user, String queueName) {
            this.queue = queue;
            this.user = user;
            this.queueName = queueName;
        }
    }

    private final Map<String, QueueRow> queues = new TreeMap<>();
    /** Jobs of each user in each state; a user's row stays once made (users are few beside jobs). */
    private final Map<String, int[]> users = new HashMap<>();
    private final long[] ended = new long[STATES.length];
    private long admitted;

    /** A job enters the state: restored from the store or taken over ({@code fresh} false) or admitted now. */
    void enter(JobEntry e, boolean fresh) {
        Counted c = new Counted(queues.computeIfAbsent(e.spec.queue(), q -> new QueueRow()),
                users.computeIfAbsent(e.spec.owner(), u -> new int[STATES.length]), e.spec.queue());
        e.counted = c;
        c.state = e.state();
        c.queue.jobs[c.state.ordinal()]++;
        c.user[c.state.ordinal()]++;
        for (JobState s : STATES) {
            c.tasks[s.ordinal()] = e.tasksIn(s);
            c.queue.tasks[s.ordinal()] += c.tasks[s.ordinal()];
        }
        if (fresh) {
            admitted++;
        }
    }

    /** A job a command changed: its counts follow, and a job that just ended is counted as ended. */
    void update(JobEntry e) {
        Counted c = e.counted;
        if (!c.queueName.equals(e.spec.queue())) {
            // qalter moved it to another queue: out of the old row, into the new one, as it is now
            JobState before = c.state;
            leave(e);
            enter(e, false);
            countEnd(before, e.counted.state);
            return;
        }
        JobState now = e.state();
        if (now != c.state) {
            c.queue.jobs[c.state.ordinal()]--;
            c.user[c.state.ordinal()]--;
            c.queue.jobs[now.ordinal()]++;
            c.user[now.ordinal()]++;
            countEnd(c.state, now);
            c.state = now;
        }
        for (JobState s : STATES) {
            int n = e.tasksIn(s);
            int i = s.ordinal();
            if (n != c.tasks[i]) {
                c.queue.tasks[i] += n - c.tasks[i];
                c.tasks[i] = n;
            }
        }
    }

    private void countEnd(JobState before, JobState now) {
        if (!before.isTerminal() && now.isTerminal()) {
            ended[now.ordinal()]++;
        }
    }

    /** A job leaves the state (it expired). */
    void leave(JobEntry e) {
        Counted c = e.counted;
        c.queue.jobs[c.state.ordinal()]--;
        c.user[c.state.ordinal()]--;
        for (JobState s : STATES) {
            c.queue.tasks[s.ordinal()] -= c.tasks[s.ordinal()];
        }
    }

    /** The figures as they are now, for queues named in {@code known} too (with zeros when they hold no job). */
    JobFigures figures(Iterable<String> known) {
        Map<String, JobFigures.Row> byQueue = new TreeMap<>();
        for (String q : known) {
            byQueue.put(q, JobFigures.Row.empty());
        }
        queues.forEach((q, row) -> byQueue.put(q, new JobFigures.Row(row.jobs.clone(), row.tasks.clone())));
        Map<String, int[]> byUser = new TreeMap<>();
        users.forEach((u, row) -> {
            if (row[JobState.QUEUED.ordinal()] + row[JobState.HELD.ordinal()] + row[JobState.RUNNING.ordinal()] > 0) {
                byUser.put(u, row.clone());
            }
        });
        return new JobFigures(byQueue, byUser, ended.clone(), admitted);
    }
}
