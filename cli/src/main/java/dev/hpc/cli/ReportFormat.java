package dev.hpc.cli;

import dev.hpc.api.json.JsonFields;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** How {@code hpc report} prints the head's usage report (docs/accounting.md): a table per grouping, or CSV. */
final class ReportFormat {
    /** The groupings in the order they print, each with the report's field and its singular word. */
    static final List<String> GROUPINGS = List.of("user", "account", "project", "queue");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT);
    private static final String[] FIGURES = {"jobs", "completed", "failed", "cancelled", "submitted", "attempts"};

    private ReportFormat() {
    }

    /** The tables of {@code by}, in the order of {@link #GROUPINGS}, with times in {@code zone}. */
    static String text(JsonFields report, List<String> by, ZoneId zone) {
        StringBuilder b = new StringBuilder();
        b.append("Usage of cluster ").append(report.string("cluster")).append(" from ")
                .append(time(report.string("start"), zone)).append(" to ").append(time(report.string("end"), zone))
                .append(" (").append(zone.getId()).append(")\n");
        JsonFields t = report.object("total");
        b.append(String.format(Locale.ROOT, "Total: %d jobs ended (%d completed, %d failed, %d cancelled), "
                        + "%d submitted, %d runs, %.2f core-hours, %.2f wall-hours%n", t.longValue("jobs"),
                t.longValue("completed"), t.longValue("failed"), t.longValue("cancelled"), t.longValue("submitted"),
                t.longValue("attempts"), t.doubleValue("coreHours", 0), t.doubleValue("wallHours", 0)));
        for (String g : GROUPINGS) {
            if (!by.contains(g)) {
                continue;
            }
            List<JsonFields> rows = report.objects(g + "s");
            int width = Math.max(g.length(), rows.stream().mapToInt(r -> r.string("name").length()).max().orElse(0));
            b.append('\n').append("By ").append(g).append('\n');
            String head = String.format(Locale.ROOT, "  %-" + width + "s %6s %10s %7s %10s %10s %6s %11s %11s%n",
                    g, "jobs", "completed", "failed", "cancelled", "submitted", "runs", "core-hours", "wall-hours");
            b.append(head);
            if (rows.isEmpty()) {
                b.append("  (no usage in this period)\n");
            }
            for (JsonFields r : rows) {
                b.append(String.format(Locale.ROOT, "  %-" + width + "s %6d %10d %7d %10d %10d %6d %11.2f %11.2f%n",
                        r.string("name"), r.longValue("jobs"), r.longValue("completed"), r.longValue("failed"),
                        r.longValue("cancelled"), r.longValue("submitted"), r.longValue("attempts"),
                        r.doubleValue("coreHours", 0), r.doubleValue("wallHours", 0)));
            }
        }
        return b.toString();
    }

    /** One header line, then one line per row of each grouping of {@code by}; names quoted as CSV wants. */
    static String csv(JsonFields report, List<String> by) {
        StringBuilder b = new StringBuilder("by,name,jobs,completed,failed,cancelled,submitted,attempts,core_hours,"
                + "wall_hours\n");
        for (String g : GROUPINGS) {
            if (!by.contains(g)) {
                continue;
            }
            for (JsonFields r : report.objects(g + "s")) {
                b.append(g).append(',').append(quote(r.string("name")));
                for (String f : FIGURES) {
                    b.append(',').append(r.longValue(f));
                }
                b.append(',').append(r.doubleValue("coreHours", 0)).append(',').append(r.doubleValue("wallHours", 0))
                        .append('\n');
            }
        }
        return b.toString();
    }

    private static final DateTimeFormatter PBS_TIME = DateTimeFormatter.ofPattern("MM/dd/yyyy HH:mm:ss", Locale.ROOT);

    /** PBS accounting log lines, {@code MM/DD/YYYY HH:MM:SS;TYPE;ID;MESSAGE}, with times in {@code zone}. */
    static String pbsRecords(JsonFields answer, ZoneId zone) {
        StringBuilder b = new StringBuilder();
        for (JsonFields r : answer.objects("records")) {
            b.append(PBS_TIME.format(Instant.parse(r.string("time")).atZone(zone))).append(';').append(r.string("type"))
                    .append(';').append(r.string("id")).append(';').append(r.string("message")).append('\n');
        }
        return b.toString();
    }

    private static String quote(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    private static String time(String instant, ZoneId zone) {
        return TIME.format(Instant.parse(instant).atZone(zone));
    }
}
