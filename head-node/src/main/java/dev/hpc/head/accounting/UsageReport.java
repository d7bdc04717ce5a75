package dev.hpc.head.accounting;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Usage per user, account ({@code qsub -A}), project ({@code qsub -P}) and queue between {@code start} and
 * {@code end}, as {@code sreport}/{@code sacct} give it:
 * <ul>
 *   <li>{@code coreHours} and {@code wallHours}: each attempt's run (its start to its end, or to {@code now}
 *       while it runs) cut to the period, times the cores it held on all its nodes for core-hours. A rerun or
 *       requeued job is charged for every attempt, as its nodes were held for each.</li>
 *   <li>{@code attempts}: the runs that overlap the period.</li>
 *   <li>{@code jobs}, {@code completed}, {@code failed}, {@code cancelled}: jobs that ended in the period, by how
 *       they ended; an array job counts once.</li>
 *   <li>{@code submitted}: jobs submitted in the period.</li>
 * </ul>
 * A job without an account or project is counted under {@link #NONE}. Filters (user, account, queue) keep only
 * matching jobs. Deterministic: rows in name order, whatever order the jobs come in.
 */
public final class UsageReport {
    /** The row of jobs that named no account or project. */
    public static final String NONE = "(none)";
    /** The longest period one report covers: a longer one is a mistake more often than a wish. */
    static final Duration MAX_PERIOD = Duration.ofDays(3660);

    /** What to keep: "" keeps everything for that field. */
    public record Filter(String user, String account, String queue) {
        public static final Filter NONE = new Filter("", "", "");

        public boolean keeps(Job job) {
            return (user.isEmpty() || user.equals(job.spec().owner()))
                    && (account.isEmpty() || account.equals(job.spec().account()))
                    && (queue.isEmpty() || queue.equals(job.spec().queue()));
        }
    }

    /** The figures of one row; mutable while jobs are added. */
    static final class Figures {
        long jobs;
        long completed;
        long failed;
        long cancelled;
        long submitted;
        long attempts;
        double coreSeconds;
        double wallSeconds;

        void add(Figures f) {
            jobs += f.jobs;
            completed += f.completed;
            failed += f.failed;
            cancelled += f.cancelled;
            submitted += f.submitted;
            attempts += f.attempts;
            coreSeconds += f.coreSeconds;
            wallSeconds += f.wallSeconds;
        }

        boolean isEmpty() {
            return jobs == 0 && submitted == 0 && attempts == 0;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("jobs", jobs);
            m.put("completed", completed);
            m.put("failed", failed);
            m.put("cancelled", cancelled);
            m.put("submitted", submitted);
            m.put("attempts", attempts);
            m.put("coreHours", hours(coreSeconds));
            m.put("wallHours", hours(wallSeconds));
            return m;
        }

        private static double hours(double seconds) {
            return Math.round(seconds / 3600.0 * 10_000) / 10_000.0;
        }
    }

    private final Instant start;
    private final Instant end;
    private final Instant now;
    private final Filter filter;
    private final Figures total = new Figures();
    private final Map<String, Map<String, Figures>> rows = new LinkedHashMap<>();

    /**
     * A report of {@code [start, end)}; runs still open are counted up to {@code now}. Throws
     * {@link InvalidRequestException} for a period that ends before it starts or is longer than ten years.
     */
    public UsageReport(Instant start, Instant end, Instant now, Filter filter) {
        if (!end.isAfter(start)) {
            throw new InvalidRequestException("the period ends (" + end + ") before it starts (" + start
                    + "): give an end after the start");
        }
        if (Duration.between(start, end).compareTo(MAX_PERIOD) > 0) {
            throw new InvalidRequestException("the period from " + start + " to " + end + " is longer than "
                    + MAX_PERIOD.toDays() + " days: give a shorter one");
        }
        this.start = start;
        this.end = end;
        this.now = now;
        this.filter = filter;
        for (String by : List.of("users", "accounts", "projects", "queues")) {
            rows.put(by, new TreeMap<>());
        }
    }

    /** Adds a job as the store holds it; one the filter leaves out or with nothing in the period adds nothing. */
    public void add(Job job) {
        if (!filter.keeps(job)) {
            return;
        }
        Figures f = figuresOf(job);
        if (f.isEmpty()) {
            return;
        }
        total.add(f);
        row("users", job.spec().owner()).add(f);
        row("accounts", orNone(job.spec().account())).add(f);
        row("projects", orNone(job.spec().recorded().getOrDefault("project", ""))).add(f);
        row("queues", job.spec().queue()).add(f);
    }

    private Figures figuresOf(Job job) {
        Figures f = new Figures();
        if (within(job.submitted())) {
            f.submitted = 1;
        }
        if (job.state().isTerminal() && within(job.ended())) {
            f.jobs = 1;
            if (job.state() == JobState.COMPLETED) {
                f.completed = 1;
            } else if (job.state() == JobState.FAILED) {
                f.failed = 1;
            } else {
                f.cancelled = 1;
            }
        }
        for (Task t : job.listedTasks()) {
            for (Attempt a : t.attempts()) {
                Instant from = a.start().isAfter(start) ? a.start() : start;
                Instant runEnd = a.isOpen() ? now : a.end();
                Instant to = runEnd.isBefore(end) ? runEnd : end;
                if (!to.isAfter(from)) {
                    continue;
                }
                double seconds = Duration.between(from, to).toMillis() / 1000.0;
                int cores = 0;
                for (NodeSlot s : a.nodes()) {
                    cores += s.cores();
                }
                f.attempts++;
                f.wallSeconds += seconds;
                f.coreSeconds += seconds * cores;
            }
        }
        return f;
    }

    private boolean within(Instant t) {
        return !t.isBefore(start) && t.isBefore(end);
    }

    private Figures row(String by, String name) {
        return rows.get(by).computeIfAbsent(name, n -> new Figures());
    }

    private static String orNone(String s) {
        return s == null || s.isBlank() ? NONE : s;
    }

    /** The report as {@code GET /api/v1/report} answers it (docs/accounting.md). */
    public Map<String, Object> toMap(String cluster) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cluster", cluster);
        m.put("start", start.toString());
        m.put("end", end.toString());
        m.put("generated", now.toString());
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("user", filter.user());
        f.put("account", filter.account());
        f.put("queue", filter.queue());
        m.put("filter", f);
        m.put("total", total.toMap());
        rows.forEach((by, named) -> {
            List<Object> list = new ArrayList<>();
            named.forEach((name, figures) -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", name);
                row.putAll(figures.toMap());
                list.add(row);
            });
            m.put(by, list);
        });
        return m;
    }
}
