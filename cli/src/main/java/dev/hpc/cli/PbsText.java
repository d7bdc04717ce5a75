package dev.hpc.cli;

import dev.hpc.api.job.NodeSlot;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Values written the way PBS writes them: times, durations, sizes, host lists. */
public final class PbsText {
    private static final DateTimeFormatter CTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ENGLISH);

    private PbsText() {
    }

    /** {@code HH:MM:SS}; hours grow past 99 when they must. */
    public static String hhmmss(Duration d) {
        long s = Math.max(0, d.getSeconds());
        return String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    /** C's {@code ctime()} form: {@code Tue Nov  4 00:14:32 2026}. */
    public static String ctime(Instant i, ZoneId zone) {
        return CTIME.format(i.atZone(zone));
    }

    /** A size in the largest PBS unit that divides it: {@code 4gb}, {@code 1536mb}, {@code 100b}. */
    public static String size(long bytes) {
        String[] units = {"tb", "gb", "mb", "kb"};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << (10 * (4 - i));
            if (bytes >= unit && bytes % unit == 0) {
                return bytes / unit + units[i];
            }
        }
        return bytes + "b";
    }

    /**
     * {@code exec_host} as PBS Pro writes it: {@code node1/0*2+node2/0}, each slot's node, the job's index on
     * it, and its cores after a star when more than one. Open OnDemand's PBS Pro adapter counts a job's cores
     * from the stars (Torque's {@code node1/0-1}, written before, read as one core per node there).
     */
    public static String execHost(List<NodeSlot> slots) {
        StringBuilder b = new StringBuilder();
        for (NodeSlot s : slots) {
            if (b.length() > 0) {
                b.append('+');
            }
            b.append(s.node()).append("/0");
            if (s.cores() > 1) {
                b.append('*').append(s.cores());
            }
        }
        return b.toString();
    }

    /**
     * {@code exec_vnode} as PBS Pro writes it, {@code (node1:ncpus=2:mem=1048576kb:ngpus=1)+(node2:ncpus=2)}, with
     * the indices of the GPUs each node gave the attempt ({@code gpus=0,1}), which PBS leaves to its hooks.
     */
    public static String execVnode(List<NodeSlot> slots) {
        StringBuilder b = new StringBuilder();
        for (NodeSlot s : slots) {
            if (b.length() > 0) {
                b.append('+');
            }
            b.append('(').append(s.node()).append(":ncpus=").append(s.cores());
            if (s.memory() > 0) {
                b.append(":mem=").append(s.memory() / 1024).append("kb");
            }
            if (!s.gpus().isEmpty()) {
                b.append(":ngpus=").append(s.gpus().size()).append(":gpus=").append(s.gpus().stream()
                        .map(String::valueOf).collect(Collectors.joining(",")));
            }
            b.append(')');
        }
        return b.toString();
    }
}
