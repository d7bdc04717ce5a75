package dev.hpc.cli;

import dev.hpc.api.job.Alert;
import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.Task;
import dev.hpc.api.job.TaskList;
import dev.hpc.api.job.UnstartedTasks;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * {@code tracejob}: a job's history as PBS's tracejob prints it, one time-stamped line per event, oldest first.
 * The events come from what the head keeps: the job's record (its submission, every attempt of every task with
 * where it ran and how it ended, a cancellation) and the event log (tasks requeued or failed with their nodes,
 * requeued by {@code qrerun}). The source column says which: {@code S} the job's record, {@code E} the event log.
 */
public final class TracejobFormat {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MM/dd/yyyy HH:mm:ss", Locale.ROOT);

    /** One line of the history. */
    record Event(Instant time, char source, String text) {
    }

    private TracejobFormat() {
    }

    public static String print(Job job, List<Alert> alerts, ZoneId zone) {
        StringBuilder b = new StringBuilder("Job: ").append(job.id()).append("\n\n");
        for (Event e : events(job, alerts)) {
            b.append(TIME.format(e.time().atZone(zone))).append("  ").append(e.source()).append("    ")
                    .append(e.text()).append('\n');
        }
        String now = currentState(job);
        if (!now.isEmpty()) {
            b.append('\n').append(now).append('\n');
        }
        return b.toString();
    }

    /** The events in time order; those of the same moment in the order they happened to the job. */
    static List<Event> events(Job job, List<Alert> alerts) {
        List<Event> out = new ArrayList<>();
        String owner = job.spec().owner() + (job.spec().submitHost().isEmpty() ? "" : "@" + job.spec().submitHost());
        out.add(new Event(job.submitted(), 'S', "Job Queued at request of " + owner + ", owner = " + owner
                + ", job name = " + job.spec().name() + ", queue = " + job.spec().queue()
                + (job.spec().isArray() ? ", array " + job.spec().array().orElseThrow().expression() : "")));
        boolean array = job.spec().isArray();
        for (Task t : job.listedTasks()) {
            String who = array ? "Task " + job.id().taskName(t.index()) : "Job";
            int n = 0;
            for (Attempt a : t.attempts()) {
                n++;
                out.add(new Event(a.start(), 'S', who + " Run on exec_host " + PbsText.execHost(a.nodes())
                        + " (attempt " + n + ")"));
                if (!a.isOpen()) {
                    out.add(new Event(a.end(), 'S', who + " " + attemptEnd(job, a)
                            + (n == t.attempts().size() ? exitNote(t, a) : "")));
                }
            }
            if (t.attempts().isEmpty() && t.state().isTerminal() && !t.end().equals(Instant.EPOCH)) {
                out.add(new Event(t.end(), 'S', who + (t.reason() == EndReason.CANCELLED
                        ? " deleted before it started" + by(job) : " ended before it started: "
                        + t.reason().description())));
            }
        }
        UnstartedTasks u = job.unstartedTasks();
        if (u.count() > 0 && u.state() == JobState.CANCELLED) {
            out.add(new Event(u.end(), 'S', u.count() + " tasks (" + u.indices() + ") deleted before they started"
                    + by(job)));
        }
        for (Alert a : alerts) {
            out.add(new Event(a.time(), 'E', a.kind() + " " + a.message()));
        }
        // stable: the record's own order stays for events of the same moment
        out.sort(Comparator.comparing(Event::time));
        return out;
    }

    private static String by(Job job) {
        return job.cancelledBy().isEmpty() ? "" : " at request of " + job.cancelledBy();
    }

    /** What the node said an exit status means (a per-process limit the job reached), after the status. */
    private static String exitNote(Task t, Attempt a) {
        String prefix = EndReason.EXITED.description() + ": ";
        return a.reason() == EndReason.EXITED && t.comment().startsWith(prefix)
                ? "; " + t.comment().substring(prefix.length()) : "";
    }

    private static String attemptEnd(Job job, Attempt a) {
        String used = " resources_used.walltime=" + PbsText.hhmmss(Duration.between(a.start(), a.end()));
        if (a.outcome() == JobState.QUEUED) {
            return a.reason() == EndReason.CANCELLED ? "requeued: its run was killed by qrerun" + used
                    : "requeued: " + a.reason().description().replace(" and the job is not rerunnable", "") + used;
        }
        return switch (a.reason()) {
            case EXITED -> "Exit_status=" + a.exitStatus() + used;
            case CANCELLED -> "deleted" + by(job) + "; Exit_status=" + a.exitStatus() + used;
            case WALLTIME, MEMORY -> a.reason().description() + "; Exit_status=" + a.exitStatus() + used;
            default -> "ended: " + a.reason().description() + "; Exit_status=" + a.exitStatus() + used;
        };
    }

    /** What the job is doing now, when it has not ended: holds and waits are not kept as time-stamped events. */
    private static String currentState(Job job) {
        if (job.state().isTerminal()) {
            return "";
        }
        String comment = TaskList.forms(job.tasks()).stream().map(Task::comment).filter(c -> !c.isEmpty())
                .findFirst().orElse("");
        return "Now " + job.state() + (comment.isEmpty() ? "" : ": " + comment);
    }
}
