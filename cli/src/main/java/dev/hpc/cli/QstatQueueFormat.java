package dev.hpc.cli;

import dev.hpc.api.job.QueueInfo;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The queue views of {@code qstat}: {@code -Q} (one line per queue with its job counts, as Torque
 * prints it) and {@code -q} (the older summary with limits, per server).
 */
public final class QstatQueueFormat {
    private static final String Q_ROW = "%-16.16s %5s %6s %5s %5s %5s %5s %5s %5s %5s %5s %s %5s";

    private QstatQueueFormat() {
    }

    /** {@code qstat -Q}. Max is the queue's total running limit (none here: 0); Trn, Ext and Cpt are 0. */
    public static String queues(List<QueueInfo> queues) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, Q_ROW, "Queue", "Max", "Tot", "Ena", "Str", "Que", "Run", "Hld", "Wat",
                "Trn", "Ext", "T", "Cpt").stripTrailing()).append('\n');
        b.append(String.format(Locale.ROOT, Q_ROW, "-".repeat(16), "---", "----", "--", "--", "---", "---", "---",
                "---", "---", "---", "-", "---")).append('\n');
        for (QueueInfo q : queues) {
            b.append(String.format(Locale.ROOT, Q_ROW, q.name(), 0, q.total(), yes(q.enabled()), yes(q.started()),
                    q.queued(), q.running(), q.held(), q.waiting(), 0, 0, "E", 0)).append('\n');
        }
        return b.toString();
    }

    /**
     * {@code qstat -Qf}: each queue's attributes as PBS prints them ({@code Queue: NAME}, then {@code name = value}
     * lines), the same attributes {@code qmgr -c "list queue"} shows, with the job counts.
     */
    public static String full(List<QueueInfo> queues) {
        StringBuilder b = new StringBuilder();
        for (QueueInfo q : queues) {
            b.append("Queue: ").append(q.name()).append('\n');
            QmgrCommand.attributes(q).forEach((k, v) -> b.append("    ").append(k).append(" = ").append(v).append('\n'));
            b.append("    total_jobs = ").append(q.total()).append('\n');
            b.append("    state_count = Transit:0 Queued:").append(q.queued() + q.waiting()).append(" Held:")
                    .append(q.held()).append(" Waiting:0 Running:").append(q.running()).append(" Exiting:0 Begun:0\n");
            b.append('\n');
        }
        return b.toString();
    }

    /** {@code qstat -q}: the server, each queue's limits and counts, and the totals. */
    public static String summary(String server, List<QueueInfo> queues) {
        StringBuilder b = new StringBuilder();
        b.append('\n').append("server: ").append(server).append("\n\n");
        String row = "%-16.16s %6s %8s %8s %4s %4s %4s %2s %5s";
        b.append(String.format(Locale.ROOT, row, "Queue", "Memory", "CPU Time", "Walltime", "Node", "Run", "Que", "Lm",
                "State")).append('\n');
        b.append(String.format(Locale.ROOT, row, "-".repeat(16), "------", "--------", "--------", "----", "----",
                "----", "--", "-----")).append('\n');
        int run = 0;
        int que = 0;
        for (QueueInfo q : queues) {
            run += q.running();
            que += q.queued() + q.held() + q.waiting();
            b.append(String.format(Locale.ROOT, row, q.name(), "--", "--", walltime(q.maxWalltime()),
                    "--", q.running(), q.queued() + q.held() + q.waiting(),
                    q.maxRunningPerUser() > 0 ? String.valueOf(q.maxRunningPerUser()) : "--",
                    (q.enabled() ? "E" : "D") + " " + (q.started() ? "R" : "S"))).append('\n');
        }
        b.append(" ".repeat(47)).append("---- ----\n");
        b.append(" ".repeat(47)).append(String.format(Locale.ROOT, "%4d %4d", run, que)).append('\n');
        return b.toString();
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }

    private static String walltime(Duration d) {
        if (d.isZero()) {
            return "--";
        }
        long s = d.toSeconds();
        return String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
