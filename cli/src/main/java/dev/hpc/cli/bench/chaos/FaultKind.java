package dev.hpc.cli.bench.chaos;

/** What a fault does to which daemon. */
public enum FaultKind {
    /** SIGKILL of the active head: the standby must take over; it is started again as the new standby. */
    KILL_ACTIVE("kill active head", true),
    /** SIGKILL of the standby head; it is started again. */
    KILL_STANDBY("kill standby head", false),
    /** SIGSTOP of the active head for a while, then SIGCONT: a hung head, replaced, that steps down when it wakes. */
    FREEZE_ACTIVE("freeze active head", true),
    /** SIGSTOP of the standby head for a while, then SIGCONT. */
    FREEZE_STANDBY("freeze standby head", false),
    /**
     * A worker's machine dies: SIGKILL of the agent and of every process of its tasks, so that no task outlives
     * its node; the agent is started again. (An agent killed alone leaves its tasks running, which a restarted
     * agent does not know of: a different fault, not this one.)
     */
    KILL_WORKER("crash worker", false);

    private final String label;
    private final boolean takeover;

    FaultKind(String label, boolean takeover) {
        this.label = label;
        this.takeover = takeover;
    }

    public String label() {
        return label;
    }

    /** Whether the fault hits the active head, so that a takeover (or a wake-up) is measured after it. */
    public boolean takeover() {
        return takeover;
    }
}
