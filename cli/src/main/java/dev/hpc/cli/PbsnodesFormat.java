package dev.hpc.cli;

import dev.hpc.api.NodeInfo;
import dev.hpc.api.NodeState;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * {@code pbsnodes} output in Torque's form:
 *
 * <pre>
 * node1
 *      state = free
 *      power_state = Running
 *      np = 2
 *      ntype = cluster
 *      resources_available.ncpus = 2
 *      resources_assigned.ncpus = 2
 *      resources_available.mem = 4194304kb
 *      resources_assigned.mem = 1048576kb
 *      jobs = 42.cluster, 43[1].cluster
 *      status = opsys=linux,uname=Linux node1,rectime=1700000000,loadave=0.12,availmem=...kb,...
 *      mom_service_port = 15002
 *      mom_manager_port = 15003
 *      note = drained for maintenance
 * </pre>
 *
 * followed by a blank line. {@code jobs} uses the simple list form (the head does not say which cores
 * each task holds); {@code status} is left out for a node never heard from. A node that is down and
 * was offline shows {@code state = down,offline}, as Torque does, and both reasons in its note.
 */
public final class PbsnodesFormat {
    /** Torque's fixed ports of the node daemon, printed for scripts that expect the lines. */
    static final int MOM_SERVICE_PORT = 15002;
    static final int MOM_MANAGER_PORT = 15003;

    private PbsnodesFormat() {
    }

    public static String nodes(List<NodeInfo> nodes) {
        StringBuilder b = new StringBuilder();
        nodes.forEach(n -> b.append(node(n)));
        return b.toString();
    }

    public static String node(NodeInfo n) {
        StringBuilder b = new StringBuilder(n.name()).append('\n');
        line(b, "state", state(n));
        line(b, "power_state", "Running");
        line(b, "np", String.valueOf(n.cores()));
        line(b, "ntype", "cluster");
        // PBS Pro's names for what the node offers and what its tasks hold
        line(b, "resources_available.ncpus", String.valueOf(n.cores()));
        line(b, "resources_assigned.ncpus", String.valueOf(n.coresUsed()));
        line(b, "resources_available.mem", n.memory() / 1024 + "kb");
        line(b, "resources_assigned.mem", n.memoryUsed() / 1024 + "kb");
        if (!n.tasks().isEmpty()) {
            line(b, "jobs", String.join(", ", n.tasks()));
        }
        if (!n.lastHeartbeat().equals(Instant.EPOCH)) {
            StringBuilder s = new StringBuilder("opsys=linux");
            s.append(",uname=Linux ").append(n.host().isEmpty() ? n.name() : n.host());
            s.append(",rectime=").append(n.lastHeartbeat().getEpochSecond());
            s.append(",loadave=").append(String.format(Locale.ROOT, "%.2f", n.health().loadAverage()));
            s.append(",availmem=").append(n.health().freeMemory() / 1024).append("kb");
            s.append(",totmem=").append(n.memory() / 1024).append("kb");
            s.append(",ncpus=").append(n.cores());
            if (!n.health().checkPassed()) {
                s.append(",message=").append(n.health().checkMessage().replace(',', ';'));
            }
            s.append(",state=").append(state(n));
            line(b, "status", s.toString());
        }
        line(b, "mom_service_port", String.valueOf(MOM_SERVICE_PORT));
        line(b, "mom_manager_port", String.valueOf(MOM_MANAGER_PORT));
        String note = note(n);
        if (!note.isEmpty()) {
            line(b, "note", note);
        }
        return b.append('\n').toString();
    }

    /** {@code down,offline} for a down node that was taken offline; else the state's PBS name. */
    static String state(NodeInfo n) {
        return n.state() == NodeState.DOWN && n.offline() ? "down,offline" : n.state().pbsName();
    }

    /** Why the node is in its state; a down node that was offline tells both. */
    static String note(NodeInfo n) {
        if (n.state() == NodeState.DOWN && n.offline()) {
            String offline = switch (n.offlineBy()) {
                case HEALTH_CHECK -> "health check failed: " + n.offlineNote();
                default -> n.offlineNote();
            };
            return n.reason().isEmpty() ? "offline: " + offline : n.reason() + "; offline: " + offline;
        }
        return n.reason();
    }

    private static void line(StringBuilder b, String name, String value) {
        b.append("     ").append(name).append(" = ").append(value).append('\n');
    }

    /** Whether {@code pbsnodes -l} lists the node: it takes no new work. */
    public static boolean unavailable(NodeInfo n) {
        return n.state() == NodeState.DOWN || n.state() == NodeState.OFFLINE || n.state() == NodeState.DRAINING;
    }

    /** {@code pbsnodes -l}: {@code name  state  reason}, one line per node that takes no new work. */
    public static String unavailableList(List<NodeInfo> nodes) {
        StringBuilder b = new StringBuilder();
        for (NodeInfo n : nodes) {
            if (unavailable(n)) {
                b.append(String.format(Locale.ROOT, "%-20s %-15s %s", n.name(), state(n), note(n))
                        .stripTrailing()).append('\n');
            }
        }
        return b.toString();
    }
}
