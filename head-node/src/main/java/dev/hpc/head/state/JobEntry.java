package dev.hpc.head.state;

import dev.hpc.api.Job;
import dev.hpc.api.JobId;
import dev.hpc.api.JobSpec;
import dev.hpc.api.JobState;
import dev.hpc.api.Task;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The mutable form of a job inside the state; its state is the summary of its tasks. */
final class JobEntry {
    final JobId id;
    /** Changes only through {@code qalter}, with the job's queued tasks out of the queue index meanwhile. */
    JobSpec spec;
    final Instant submitted;
    final TaskEntry[] tasks;
    /** Sorted array indices, parallel to {@link #tasks}; empty for a plain job. */
    private final int[] indices;
    String cancelledBy;
    long version;
    int running;

    /** Told of each task that starts or stops waiting (queued or held). */
    final WaitingCounts waiting;
    /** Told of every change of this job's tasks, so that the command that made it commits it. */
    private final ChangedJobs changes;

    JobEntry(Job job, WaitingCounts waiting, ChangedJobs changes) {
        this.waiting = waiting;
        this.changes = changes;
        this.id = job.id();
        this.spec = job.spec();
        this.submitted = job.submitted();
        this.cancelledBy = job.cancelledBy();
        this.version = job.version();
        this.tasks = new TaskEntry[job.tasks().size()];
        this.indices = new int[job.tasks().size()];
        for (int i = 0; i < tasks.length; i++) {
            Task t = job.tasks().get(i);
            tasks[i] = new TaskEntry(this, t);
            indices[i] = t.index();
            if (t.state() == JobState.RUNNING) {
                running++;
            } else if (WaitingCounts.waiting(t.state())) {
                waiting.add(spec.owner(), 1);
            }
        }
    }

    /** Notes that this job changed in the command being applied. */
    void changed() {
        changes.add(this);
    }

    /** The task with the given array index (-1 for a plain job), or null when there is none. */
    TaskEntry task(int index) {
        if (!id.array()) {
            return index < 0 ? tasks[0] : null;
        }
        int at = Arrays.binarySearch(indices, index);
        return at >= 0 ? tasks[at] : null;
    }

    JobState state() {
        boolean anyQueued = false;
        boolean anyHeld = false;
        boolean anyFailed = false;
        boolean anyCancelled = false;
        for (TaskEntry t : tasks) {
            switch (t.state) {
                case RUNNING:
                    return JobState.RUNNING;
                case QUEUED:
                    anyQueued = true;
                    break;
                case HELD:
                    anyHeld = true;
                    break;
                case FAILED:
                    anyFailed = true;
                    break;
                case CANCELLED:
                    anyCancelled = true;
                    break;
                default:
                    break;
            }
        }
        if (anyQueued) {
            return JobState.QUEUED;
        }
        if (anyHeld) {
            return JobState.HELD;
        }
        if (anyCancelled) {
            return JobState.CANCELLED;
        }
        return anyFailed ? JobState.FAILED : JobState.COMPLETED;
    }

    Job toRecord() {
        List<Task> list = new ArrayList<>(tasks.length);
        for (TaskEntry t : tasks) {
            list.add(t.toRecord());
        }
        return new Job(id, spec, state(), submitted, list, cancelledBy, version);
    }
}
