package dev.hpc.head.state;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.Task;
import dev.hpc.api.job.TaskList;
import dev.hpc.api.job.UnstartedTasks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * New jobs before they are durable: the checks every submission passes, and the record it starts as
 * ({@link ClusterState#prepareSubmitAll}). Nothing here changes the state.
 */
final class Submissions {
    private final String cluster;
    private final Admission admission;
    private final Dependencies dependencies;
    private final Versions versions;

    Submissions(String cluster, Admission admission, Dependencies dependencies, Versions versions) {
        this.cluster = cluster;
        this.admission = admission;
        this.dependencies = dependencies;
        this.versions = versions;
    }

    /** Each submission as admitted to its queue; throws for the first that can never run, before any is numbered. */
    List<JobSpec> admitted(List<JobSpec> specs) {
        List<JobSpec> admitted = new ArrayList<>(specs.size());
        for (JobSpec spec : specs) {
            JobSpec checked = admission.admit(spec, "");
            dependencies.requireKnown(checked);
            admitted.add(checked);
        }
        return admitted;
    }

    /** The job an admitted submission starts as, with its number. */
    Job fresh(JobSpec spec, long number, Instant now) {
        JobId id = new JobId(number, cluster, spec.isArray());
        JobSpec complete = LaunchOrders.withOutputPaths(spec, number);
        // an array's tasks are one record until they start or are acted on alone (issue 15)
        List<Task> tasks = spec.isArray()
                ? TaskList.of(List.of(), UnstartedTasks.fresh(spec.array().orElseThrow().indexSet(), spec.userHold()))
                : List.of(Task.fresh(Task.NO_INDEX, spec.userHold()));
        return new Job(id, complete, spec.userHold() ? JobState.HELD : JobState.QUEUED, now, tasks, "",
                versions.after(0));
    }
}
