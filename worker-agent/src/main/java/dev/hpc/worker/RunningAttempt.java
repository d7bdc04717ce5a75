package dev.hpc.worker;

import dev.hpc.api.EndReason;

/** A started task attempt as the {@link TaskTable} sees it: a pid, and a way to kill it. */
public interface RunningAttempt {
    long pid();

    /** Starts killing the attempt's whole process tree; the first reason given wins; never blocks. */
    void kill(EndReason reason);
}
