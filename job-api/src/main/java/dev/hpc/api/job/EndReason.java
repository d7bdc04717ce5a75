package dev.hpc.api.job;

/** Why a task or job ended, as a value rather than a log line (Slurm's JOB_TIMEOUT, JOB_NODE_FAIL). */
public enum EndReason {
    NONE("not ended"),
    EXITED("the job script exited"),
    CANCELLED("cancelled"),
    WALLTIME("killed after exceeding its walltime limit"),
    MEMORY("killed after exceeding its memory limit"),
    NODE_FAILURE("its node failed and the job is not rerunnable"),
    REQUEUE_LIMIT("requeued too many times after node failures"),
    LAUNCH_FAILED("the worker could not start it"),
    PREEMPTED("preempted: stopped to make room for a job of a higher-priority queue"),
    DEPENDENCY_NEVER_MET("a job it depends on ended in a way that can never satisfy the dependency");

    private final String description;

    EndReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
