package dev.hpc.api.job;

/** A node's state as pbsnodes shows it. */
public enum NodeState {
    /** Up, with free cores. */
    FREE("free"),
    /** Up, every core in use. */
    BUSY("job-exclusive"),
    /** Takes no new work; running work continues. */
    DRAINING("draining"),
    /** Taken out of service by an administrator or a failed health check. */
    OFFLINE("offline"),
    /** Silent past its timeout, or never registered since the head started. */
    DOWN("down");

    private final String pbsName;

    NodeState(String pbsName) {
        this.pbsName = pbsName;
    }

    public String pbsName() {
        return pbsName;
    }
}
