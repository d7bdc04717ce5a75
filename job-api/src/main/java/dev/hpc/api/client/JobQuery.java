package dev.hpc.api.client;

import dev.hpc.api.job.JobState;
import java.util.List;
import java.util.StringJoiner;

/**
 * Filters of {@code GET /api/v1/jobs}. An empty {@code states} list, {@code user} or {@code queue}
 * does not filter; {@code limit} 0 takes the head's default; {@code after} is the {@code next}
 * of the previous page, empty for the first page. With {@code sealedCounted}, an array's sealed ended tasks
 * are counted, not listed ({@link Codec#toListingMap}): for a listing that shows each job as one line.
 */
public record JobQuery(List<JobState> states, String user, String queue, boolean history, int limit,
                       String after, boolean sealedCounted) {
    public JobQuery {
        states = List.copyOf(states);
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, got " + limit);
        }
    }

    public JobQuery(List<JobState> states, String user, String queue, boolean history, int limit, String after) {
        this(states, user, queue, history, limit, after, false);
    }

    public static JobQuery all() {
        return new JobQuery(List.of(), "", "", false, 0, "");
    }

    public JobQuery withSealedCounted(boolean c) {
        return new JobQuery(states, user, queue, history, limit, after, c);
    }

    public JobQuery withStates(List<JobState> s) {
        return new JobQuery(s, user, queue, history, limit, after, sealedCounted);
    }

    public JobQuery withUser(String u) {
        return new JobQuery(states, u, queue, history, limit, after, sealedCounted);
    }

    public JobQuery withQueue(String q) {
        return new JobQuery(states, user, q, history, limit, after, sealedCounted);
    }

    public JobQuery withHistory(boolean h) {
        return new JobQuery(states, user, queue, h, limit, after, sealedCounted);
    }

    public JobQuery withLimit(int l) {
        return new JobQuery(states, user, queue, history, l, after, sealedCounted);
    }

    public JobQuery withAfter(String a) {
        return new JobQuery(states, user, queue, history, limit, a, sealedCounted);
    }

    String queryString() {
        StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
        if (!states.isEmpty()) {
            StringJoiner s = new StringJoiner(",");
            states.forEach(st -> s.add(st.name()));
            q.add("state=" + HeadTransport.encode(s.toString()));
        }
        if (!user.isEmpty()) {
            q.add("user=" + HeadTransport.encode(user));
        }
        if (!queue.isEmpty()) {
            q.add("queue=" + HeadTransport.encode(queue));
        }
        if (history) {
            q.add("history=true");
        }
        if (limit > 0) {
            q.add("limit=" + limit);
        }
        if (!after.isEmpty()) {
            q.add("after=" + HeadTransport.encode(after));
        }
        if (sealedCounted) {
            q.add("tasks=summary");
        }
        return q.toString();
    }
}
