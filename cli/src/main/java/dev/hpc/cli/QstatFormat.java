package dev.hpc.cli;

import dev.hpc.api.job.Job;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The default {@code qstat} table, as Torque prints it:
 *
 * <pre>
 * Job ID                    Name             User            Time Use S Queue
 * ------------------------- ---------------- --------------- -------- - -----
 * 1.cluster                 hello            alice           00:00:01 C batch
 * </pre>
 *
 * Values too long for their column are cut. Time Use is the wall-clock time used (we do not collect
 * CPU time yet), {@code 0} for a job that never started, as Torque shows it.
 */
public final class QstatFormat {
    private static final String ROW = "%-25.25s %-16.16s %-15.15s %8s %c %s";

    public static final String HEADER = String.format(Locale.ROOT, "%-25s %-16s %-15s %8s %s %s",
            "Job ID", "Name", "User", "Time Use", "S", "Queue") + "\n"
            + "-".repeat(25) + " " + "-".repeat(16) + " " + "-".repeat(15) + " " + "-".repeat(8) + " - -----";

    /**
     * @param history     ended jobs show F instead of C ({@code -x})
     * @param expandArrays one line per array task ({@code -t})
     * @param nodes        a line of exec hosts under each job ({@code -n})
     * @param oneLine      with {@code nodes}, the hosts at the end of the job's line ({@code -1})
     */
    public record Options(boolean history, boolean expandArrays, boolean nodes, boolean oneLine) {
        public static Options plain() {
            return new Options(false, false, false, false);
        }
    }

    private QstatFormat() {
    }

    /** The whole table; empty, without header, when there are no jobs. */
    public static String table(List<Job> jobs, Options o, Instant now) {
        if (jobs.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        for (Job j : jobs) {
            for (String line : lines(j, o, now)) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    /** The lines of one job: one, or one per array task, each followed by its hosts with {@code -n}. */
    public static List<String> lines(Job job, Options o, Instant now) {
        List<String> out = new ArrayList<>();
        for (JobView v : JobView.of(job, o.expandArrays())) {
            out.addAll(lines(v, o, now));
        }
        return out;
    }

    public static List<String> lines(JobView v, Options o, Instant now) {
        String time = v.everStarted() ? PbsText.hhmmss(v.runTime(now)) : "0";
        String row = String.format(Locale.ROOT, ROW, v.id(), v.job().spec().name(), v.job().spec().owner(), time,
                v.letter(o.history(), now), v.job().spec().queue());
        if (!o.nodes()) {
            return List.of(row);
        }
        String hosts = PbsText.execHost(v.execSlots());
        hosts = hosts.isEmpty() ? "--" : hosts;
        return o.oneLine() ? List.of(row + " " + hosts) : List.of(row, "   " + hosts);
    }
}
