package dev.hpc.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;

/** The table and the JSON document of {@code hpc bench failover}: pure functions of the runs. */
public final class FailoverReport {
    /** Median, least and greatest of a series of milliseconds. */
    public record Stats(long median, long min, long max) {
    }

    private FailoverReport() {
    }

    /** The statistics of {@code values}; the median of an even count is the mean of the middle two, rounded. */
    public static Stats stats(List<Long> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values to summarise");
        }
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(Long::compare);
        int n = sorted.size();
        long median = n % 2 == 1 ? sorted.get(n / 2) : Math.round((sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0);
        return new Stats(median, sorted.get(0), sorted.get(n - 1));
    }

    private static Stats stats(List<FailoverRun> runs, ToLongFunction<FailoverRun> f) {
        List<Long> v = new ArrayList<>();
        runs.forEach(r -> v.add(f.applyAsLong(r)));
        return stats(v);
    }

    /** The human table: one line per run, then median, min and max of the two measures. */
    public static String table(List<FailoverRun> runs) {
        StringBuilder s = new StringBuilder();
        String row = "%-6s %-8s %-8s %5s %18s %20s %-24s %10s%n";
        s.append(String.format(Locale.ROOT, row, "RUN", "KILLED", "ACTIVE", "EPOCH", "KILL->ACCEPTED ms",
                "KILL->FIRST START ms", "RUNNING JOB", "REJOIN ms"));
        for (FailoverRun r : runs) {
            s.append(String.format(Locale.ROOT, row, r.run(), r.killed(), r.newActive(), r.epoch(),
                    r.killToAcceptedMs(), r.killToFirstStartMs(), (r.runningJobKept() ? "kept, "
                            : "LOST: " + r.runningState() + ", ") + "attempts " + r.runningAttempts(), r.rejoinMs()));
        }
        if (!runs.isEmpty()) {
            Stats a = stats(runs, FailoverRun::killToAcceptedMs);
            Stats b = stats(runs, FailoverRun::killToFirstStartMs);
            String sum = "%-6s %-8s %-8s %5s %18d %20d%n";
            s.append(String.format(Locale.ROOT, sum, "median", "", "", "", a.median(), b.median()));
            s.append(String.format(Locale.ROOT, sum, "min", "", "", "", a.min(), b.min()));
            s.append(String.format(Locale.ROOT, sum, "max", "", "", "", a.max(), b.max()));
        }
        return s.toString();
    }

    /** The JSON document: {@code setup} as given, every run, and the statistics of both measures. */
    public static Map<String, Object> json(Map<String, Object> setup, List<FailoverRun> runs) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("benchmark", "failover");
        doc.put("setup", setup);
        List<Object> list = new ArrayList<>();
        for (FailoverRun r : runs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run", r.run());
            m.put("killed", r.killed());
            m.put("newActive", r.newActive());
            m.put("epoch", r.epoch());
            m.put("killToAcceptedMs", r.killToAcceptedMs());
            m.put("killToFirstStartMs", r.killToFirstStartMs());
            m.put("runningJobAttempts", r.runningAttempts());
            m.put("runningJobState", r.runningState());
            m.put("runningJobKept", r.runningJobKept());
            m.put("rejoinMs", r.rejoinMs());
            list.add(m);
        }
        doc.put("runs", list);
        if (!runs.isEmpty()) {
            doc.put("killToAcceptedMs", statsMap(stats(runs, FailoverRun::killToAcceptedMs)));
            doc.put("killToFirstStartMs", statsMap(stats(runs, FailoverRun::killToFirstStartMs)));
        }
        doc.put("runningJobsKept", runs.stream().allMatch(FailoverRun::runningJobKept));
        return doc;
    }

    private static Map<String, Object> statsMap(Stats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median", s.median());
        m.put("min", s.min());
        m.put("max", s.max());
        return m;
    }
}
