package dev.hpc.cli.bench.chaos;

import java.util.Arrays;
import java.util.List;

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
    KILL_WORKER("crash worker", false),
    /**
     * The network between the two heads is cut (head cluster and lease requests both ways), while both still
     * reach the workers, the arbiter and the clients: the active head keeps its lease, the standby must not
     * lead. Healed after the fault's hold.
     */
    CUT_HEADS("cut between heads", false, true, false),
    /**
     * Every worker's link to the active head is cut; the heads, the arbiter and the clients still reach it. The
     * active head finds its nodes down and moves their tasks; the workers, still linked to the standby, obey no
     * other head. For the accounting the workers count as lost at the cut (their runs may run on, unseen).
     */
    CUT_ACTIVE_FROM_WORKERS("cut active from workers", false, true, true),
    /**
     * The standby is cut from the other head, the workers and the arbiter, while clients still reach it: it
     * hears nobody, and must neither lead nor acknowledge.
     */
    ISOLATE_STANDBY("isolate standby", false, true, false),
    /**
     * The active head is cut from the other head, the workers and the arbiter, while clients still reach it:
     * it must stop acknowledging before the standby, with the arbiter's vote, takes over.
     */
    ISOLATE_ACTIVE("isolate active head", false, true, true);

    private final String label;
    private final boolean takeover;
    private final boolean cut;
    private final boolean workersLost;

    FaultKind(String label, boolean takeover) {
        this(label, takeover, false, false);
    }

    FaultKind(String label, boolean takeover, boolean cut, boolean workersLost) {
        this.label = label;
        this.takeover = takeover;
        this.cut = cut;
        this.workersLost = workersLost;
    }

    /** The cuts, in the order a schedule spreads {@code --cuts} over them. */
    public static List<FaultKind> cuts() {
        return Arrays.stream(values()).filter(FaultKind::cut).toList();
    }

    /** Whether the fault cuts network links for the fault's hold, then heals them. */
    public boolean cut() {
        return cut;
    }

    /** Whether the fault cuts every worker from the active head, which the accounting takes as losing them. */
    public boolean workersLost() {
        return workersLost;
    }

    public String label() {
        return label;
    }

    /** Whether the fault hits the active head, so that a takeover (or a wake-up) is measured after it. */
    public boolean takeover() {
        return takeover;
    }
}
