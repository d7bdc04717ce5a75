package dev.hpc.cli;

import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Task;
import dev.hpc.api.job.TaskList;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * One line of qstat: a whole job ({@code 42.c}, or the summary {@code 42[].c} of an array job), or one
 * task of an array job ({@code 42[7].c}, with {@code qstat -t}). The figures qstat shows are computed
 * over {@code tasks}: every task of the job, or the one task. They read only what differs between the tasks
 * ({@link TaskList#forms}): an array's unstarted tasks, alike, count once, so that a line for an array of a
 * million tasks costs what its started tasks cost.
 */
public record JobView(String id, Job job, List<Task> tasks, OptionalInt arrayIndex) {
    public JobView {
        tasks = TaskList.copyOf(tasks);
    }

    private List<Task> forms() {
        return TaskList.forms(tasks);
    }

    public static JobView whole(Job job) {
        return new JobView(job.id().toString(), job, job.tasks(), OptionalInt.empty());
    }

    /** The job as one line, or with {@code expandArrays} one line per task of an array job. */
    public static List<JobView> of(Job job, boolean expandArrays) {
        if (!expandArrays || !job.spec().isArray()) {
            return List.of(whole(job));
        }
        List<JobView> out = new ArrayList<>();
        for (Task t : job.tasks()) {
            out.add(new JobView(job.id().taskName(t.index()), job, List.of(t), OptionalInt.of(t.index())));
        }
        return out;
    }

    /** The view of one array index, when the job has it. */
    public static Optional<JobView> task(Job job, int index) {
        return job.task(index).map(t -> new JobView(job.id().taskName(index), job, List.of(t), OptionalInt.of(index)));
    }

    public JobState state() {
        return arrayIndex.isPresent() ? tasks.get(0).state() : job.state();
    }

    /**
     * The PBS state letter: H held, Q queued, W queued but deferred by {@code -a} to a later time,
     * R running, and for an ended job C in the live view or F when the history was asked for.
     */
    public char letter(boolean history, Instant now) {
        return switch (state()) {
            case HELD -> 'H';
            case QUEUED -> job.spec().notBefore().isAfter(now) ? 'W' : waitsForDependency() ? 'H' : 'Q';
            case RUNNING -> 'R';
            case COMPLETED, FAILED, CANCELLED -> history ? 'F' : 'C';
        };
    }

    /** Queued, but the scheduler found it waiting for a dependency: PBS shows a system hold (H, Hold_Types s). */
    public boolean waitsForDependency() {
        return forms().stream().anyMatch(t -> t.state() == JobState.QUEUED && t.holds().contains("s"))
                && forms().stream().noneMatch(t -> t.state() == JobState.QUEUED && !t.holds().contains("s"));
    }

    /** The earliest estimated start of its queued tasks, if the scheduler gave one. */
    public Optional<Instant> estimatedStart() {
        return forms().stream().filter(t -> t.state() == JobState.QUEUED).map(Task::estimatedStart)
                .filter(i -> !i.equals(Instant.EPOCH)).min(Instant::compareTo);
    }

    public boolean everStarted() {
        return forms().stream().anyMatch(t -> !t.attempts().isEmpty());
    }

    /**
     * Wall-clock time used: per task, the run time of its latest attempt (until {@code now} while it
     * runs), summed over the tasks. We do not collect CPU time yet, so this is what qstat shows as
     * Time Use and {@code resources_used.walltime}.
     */
    public Duration runTime(Instant now) {
        Duration total = Duration.ZERO;
        for (Task t : forms()) {
            if (t.attempts().isEmpty()) {
                continue;
            }
            Attempt a = t.attempts().get(t.attempts().size() - 1);
            Instant end = a.isOpen() ? (t.state() == JobState.RUNNING ? now : a.start()) : a.end();
            if (end.isAfter(a.start())) {
                total = total.plus(Duration.between(a.start(), end));
            }
        }
        return total;
    }

    /**
     * The nodes of each task's latest attempt, in task order: where it runs or last ran. A slot that
     * several tasks of an array job held alike is listed once.
     */
    public List<NodeSlot> execSlots() {
        Set<NodeSlot> out = new LinkedHashSet<>();
        for (Task t : forms()) {
            if (!t.attempts().isEmpty()) {
                out.addAll(t.attempts().get(t.attempts().size() - 1).nodes());
            }
        }
        return List.copyOf(out);
    }

    public Instant firstStart() {
        return forms().stream().map(Task::firstStart).filter(i -> !i.equals(Instant.EPOCH)).min(Instant::compareTo)
                .orElse(Instant.EPOCH);
    }

    /** The latest thing that happened to the job: submission, a start or an end. */
    public Instant lastChange() {
        Instant last = job.submitted();
        for (Task t : forms()) {
            for (Attempt a : t.attempts()) {
                last = later(later(last, a.start()), a.end());
            }
            last = later(last, t.end());
        }
        return last;
    }

    private static Instant later(Instant a, Instant b) {
        return b.isAfter(a) ? b : a;
    }

    public int runCount() {
        return forms().stream().mapToInt(t -> t.attempts().size()).sum();
    }

    public int exitStatus() {
        return arrayIndex.isPresent() ? tasks.get(0).exitStatus() : job.exitStatus();
    }

    public EndReason reason() {
        return arrayIndex.isPresent() ? tasks.get(0).reason() : job.reason();
    }

    /** Why a waiting job waits, or why an ended job ended when it did not simply exit; empty otherwise. */
    public String comment() {
        if (state().isTerminal()) {
            EndReason r = reason();
            if (r == EndReason.NONE) {
                return "";
            }
            if (r == EndReason.EXITED) {
                // an exit is its own explanation, unless the node said what the status means (a process limit)
                return forms().stream().map(Task::comment).filter(c -> c.startsWith(r.description() + ": "))
                        .findFirst().orElse("");
            }
            if (r == EndReason.CANCELLED && !job.cancelledBy().isEmpty()) {
                return "cancelled by " + job.cancelledBy();
            }
            // the node's own words when it gave some (a launch it refused: which shell or owner is missing)
            return forms().stream().map(Task::comment).filter(c -> c.startsWith(r.description() + ": "))
                    .findFirst().orElse(r.description());
        }
        return forms().stream().map(Task::comment).filter(c -> !c.isEmpty()).findFirst().orElse("");
    }
}
