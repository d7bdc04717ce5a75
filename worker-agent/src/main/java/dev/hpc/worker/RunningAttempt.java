package dev.hpc.worker;

import dev.hpc.api.job.EndReason;

/** A started task attempt as the {@link TaskTable} sees it: a pid, its owner, and ways to signal and kill it. */
public interface RunningAttempt {
    long pid();

    /** The user the job belongs to. */
    String owner();

    /** Sends {@code signal} (a {@link dev.hpc.api.job.Signals} canonical form) to every process of it; never blocks. */
    void signal(String signal);

    /** Starts killing the attempt's whole process tree; the first reason given wins; never blocks. */
    void kill(EndReason reason);
}
