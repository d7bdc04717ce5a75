package dev.hpc.head.accounting;

import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A job's history as PBS accounting records ({@code hpc report --pbs-records}, docs/accounting.md), the
 * {@code DATE;TYPE;ID;MESSAGE} lines OpenPBS writes to {@code server_priv/accounting/YYYYMMDD}, derived from the
 * job's record: {@code Q} at submission, {@code S} at each start of a task, {@code R} when a run ended with the
 * task requeued (a node failure, {@code qrerun}), {@code D} when a task ended cancelled by someone, and {@code E}
 * when a task ended. The message is PBS's space-separated {@code key=value} list; a value with a blank is quoted.
 * Times stay instants here: the caller prints them in its own zone, as a PBS server prints its own.
 */
public final class PbsRecords {
    /** One record; {@code type} is PBS's letter. */
    public record Line(Instant time, char type, String id, String message) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("time", time.toString());
            m.put("type", String.valueOf(type));
            m.put("id", id);
            m.put("message", message);
            return m;
        }
    }

    /** Records of the same moment keep the order in which they happened to the job. */
    public static final Comparator<Line> ORDER = Comparator.comparing(Line::time);

    private PbsRecords() {
    }

    /** The records of {@code job} whose time is in {@code [start, end)}, in time order. */
    public static List<Line> of(Job job, Instant start, Instant end) {
        List<Line> all = new ArrayList<>();
        JobSpec s = job.spec();
        all.add(new Line(job.submitted(), 'Q', job.id().toString(), "queue=" + value(s.queue())));
        for (Task t : job.listedTasks()) {
            String id = job.id().taskName(t.index());
            int run = 0;
            for (Attempt a : t.attempts()) {
                run++;
                all.add(new Line(a.start(), 'S', id, common(job) + " start=" + epoch(a.start()) + " exec_host="
                        + execHost(a.nodes()) + resourceList(s)));
                if (!a.isOpen() && a.outcome() == JobState.QUEUED) {
                    all.add(new Line(a.end(), 'R', id, common(job) + " start=" + epoch(a.start()) + " end="
                            + epoch(a.end()) + " exec_host=" + execHost(a.nodes()) + used(a) + " run_count=" + run));
                }
            }
            if (t.state().isTerminal() && !t.end().equals(Instant.EPOCH)) {
                if (t.state() == JobState.CANCELLED && !job.cancelledBy().isEmpty()) {
                    all.add(new Line(t.end(), 'D', id, "requestor=" + value(job.cancelledBy())));
                }
                StringBuilder e = new StringBuilder(common(job));
                Attempt last = t.attempts().isEmpty() ? null : t.attempts().get(t.attempts().size() - 1);
                if (last != null) {
                    e.append(" start=").append(epoch(last.start())).append(" exec_host=")
                            .append(execHost(last.nodes()));
                }
                e.append(resourceList(s)).append(" end=").append(epoch(t.end())).append(" Exit_status=")
                        .append(t.exitStatus());
                if (last != null) {
                    e.append(used(last));
                }
                e.append(" run_count=").append(t.attempts().size());
                all.add(new Line(t.end(), 'E', id, e.toString()));
            }
        }
        List<Line> out = new ArrayList<>();
        for (Line l : all) {
            if (!l.time().isBefore(start) && l.time().isBefore(end)) {
                out.add(l);
            }
        }
        out.sort(ORDER);
        return out;
    }

    private static String common(Job job) {
        JobSpec s = job.spec();
        StringBuilder b = new StringBuilder("user=").append(value(s.owner()));
        if (!s.account().isBlank()) {
            b.append(" account=").append(value(s.account()));
        }
        String project = s.recorded().getOrDefault("project", "");
        if (!project.isBlank()) {
            b.append(" project=").append(value(project));
        }
        long submitted = epoch(job.submitted());
        return b.append(" jobname=").append(value(s.name())).append(" queue=").append(value(s.queue()))
                .append(" ctime=").append(submitted).append(" qtime=").append(submitted).append(" etime=")
                .append(submitted).toString();
    }

    private static String resourceList(JobSpec s) {
        StringBuilder b = new StringBuilder();
        b.append(" Resource_List.ncpus=").append((long) s.resources().nodes() * s.resources().coresPerNode())
                .append(" Resource_List.nodect=").append(s.resources().nodes());
        if (!s.resources().walltime().isZero()) {
            b.append(" Resource_List.walltime=").append(hms(s.resources().walltime()));
        }
        return b.toString();
    }

    private static String used(Attempt a) {
        int cores = 0;
        for (NodeSlot n : a.nodes()) {
            cores += n.cores();
        }
        return " resources_used.ncpus=" + cores + " resources_used.walltime=" + hms(Duration.between(a.start(),
                a.end()));
    }

    /** PBS's exec_host: {@code node1/0-3+node2/0-3} for four cores on each of two nodes. */
    static String execHost(List<NodeSlot> slots) {
        StringBuilder b = new StringBuilder();
        for (NodeSlot s : slots) {
            if (b.length() > 0) {
                b.append('+');
            }
            b.append(s.node()).append("/0");
            if (s.cores() > 1) {
                b.append('-').append(s.cores() - 1);
            }
        }
        return b.toString();
    }

    static String hms(Duration d) {
        long s = Math.max(0, d.getSeconds());
        return String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    private static long epoch(Instant t) {
        return t.getEpochSecond();
    }

    /** A value as PBS writes it: as it is, or in double quotes when it holds a blank (quotes doubled inside). */
    private static String value(String v) {
        return v.chars().anyMatch(Character::isWhitespace) || v.indexOf('"') >= 0
                ? '"' + v.replace("\"", "\\\"") + '"' : v;
    }
}
