package dev.hpc.cli;

import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code pbsnodes} output in Torque's form:
 *
 * <pre>
 * node1
 *      state = free
 *      power_state = Running
 *      np = 2
 *      properties = bigmem,ib
 *      ntype = cluster
 *      resources_available.gpu_model = v100
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
 * followed by a blank line. {@code properties} (Torque's line) and the string-valued host resources
 * (PBS Pro's {@code resources_available.NAME}) appear when the worker declared some. {@code jobs} uses the simple list form (the head does not say which cores
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
        if (!n.traits().properties().isEmpty()) {
            line(b, "properties", String.join(",", n.traits().properties()));
        }
        line(b, "ntype", "cluster");
        n.traits().resources().forEach((name, value) -> line(b, "resources_available." + name, value));
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

    // ---- OpenPBS's -F json (src/cmds/pbsnodes.c of OpenPBS)

    /**
     * {@code pbsnodes -a -F json}: {@code timestamp}, {@code pbs_version}, {@code pbs_server} and
     * {@code nodes} by name, each with OpenPBS's attributes of a node ({@code Mom}, {@code Port},
     * {@code ntype}, {@code state}, {@code pcpus}, {@code jobs}, {@code resources_available},
     * {@code resources_assigned} with its non-zero values only, ...). With {@code summary}
     * ({@code -S}), OpenPBS's summary object of each node instead, and with {@code jobSummary} too
     * ({@code -Sj}, what Open OnDemand asks for) the one with job counts and free/total figures.
     */
    public static Map<String, Object> json(List<NodeInfo> nodes, String server, boolean summary, boolean jobSummary,
                                           Instant now) {
        Map<String, Object> doc = PbsJson.document(server, now);
        Map<String, Object> byName = new LinkedHashMap<>();
        for (NodeInfo n : nodes) {
            byName.put(n.name(), !summary ? jsonNode(n) : jobSummary ? jobSummary(n) : summary(n));
        }
        doc.put("nodes", byName);
        return doc;
    }

    private static Map<String, Object> jsonNode(NodeInfo n) {
        String host = n.host().isEmpty() ? n.name() : n.host();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("Mom", host);
        o.put("Port", MOM_SERVICE_PORT);
        o.put("pbs_version", Version.NUMBER);
        o.put("ntype", "PBS");
        o.put("state", state(n));
        o.put("pcpus", (long) n.cores());
        if (!n.tasks().isEmpty()) {
            o.put("jobs", jobIds(n));
        }
        Map<String, Object> available = new LinkedHashMap<>();
        available.put("arch", "linux");
        available.put("host", host);
        available.put("mem", n.memory() / 1024 + "kb");
        available.put("ncpus", (long) n.cores());
        available.put("vnode", n.name());
        // PBS Pro keeps custom host resources (and properties, as booleans) among what a node offers
        n.traits().resources().forEach(available::put);
        n.traits().properties().forEach(p -> available.putIfAbsent(p, "True"));
        o.put("resources_available", available);
        if (!n.traits().properties().isEmpty()) {
            o.put("properties", String.join(",", n.traits().properties()));
        }
        // OpenPBS leaves out the assigned values that are zero ("0kb" included)
        Map<String, Object> assigned = new LinkedHashMap<>();
        if (n.memoryUsed() / 1024 > 0) {
            assigned.put("mem", n.memoryUsed() / 1024 + "kb");
        }
        if (n.coresUsed() > 0) {
            assigned.put("ncpus", (long) n.coresUsed());
        }
        o.put("resources_assigned", assigned);
        o.put("resv_enable", "True");
        o.put("sharing", "default_shared");
        String note = note(n);
        if (!note.isEmpty()) {
            o.put("comment", note);
        }
        if (!n.lastHeartbeat().equals(Instant.EPOCH)) {
            o.put("last_state_change_time", n.lastHeartbeat().getEpochSecond());
        }
        return o;
    }

    /** {@code -S -F json}: the columns of OpenPBS's node summary. */
    private static Map<String, Object> summary(NodeInfo n) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("State", summaryState(n));
        o.put("OS", "--");
        o.put("hardware", "--");
        o.put("host", n.host().isEmpty() ? n.name() : n.host());
        o.put("queue", "--");
        o.put("Memory", scaled(n.memory() / 1024));
        o.put("ncpus", (long) n.cores());
        o.put("nmics", 0L);
        o.put("ngpus", 0L);
        String note = note(n);
        o.put("comment", note.isEmpty() ? "--" : note);
        return o;
    }

    /** {@code -Sj -F json}: the job columns of OpenPBS's node summary; {@code f/t} is free/total. */
    private static Map<String, Object> jobSummary(NodeInfo n) {
        List<String> jobs = jobIds(n);
        long totalKb = n.memory() / 1024;
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("State", summaryState(n));
        o.put("Total Jobs", (long) jobs.size());
        o.put("Running Jobs", (long) jobs.size());
        o.put("Suspended Jobs", 0L);
        o.put("mem f/t", scaled(totalKb - n.memoryUsed() / 1024) + "/" + scaled(totalKb));
        o.put("ncpus f/t", (n.cores() - n.coresUsed()) + "/" + n.cores());
        o.put("nmics f/t", "0/0");
        o.put("ngpus f/t", "0/0");
        o.put("jobs", jobs);
        return o;
    }

    /** The summary shows the first word of the state only ({@code down} of {@code down,offline}). */
    private static String summaryState(NodeInfo n) {
        String s = state(n);
        int comma = s.indexOf(',');
        return comma < 0 ? s : s.substring(0, comma);
    }

    /** Each job once, in the order of the node's tasks, as OpenPBS lists a node's jobs. */
    private static List<String> jobIds(NodeInfo n) {
        List<String> ids = new ArrayList<>();
        for (String t : n.tasks()) {
            if (ids.isEmpty() || !ids.get(ids.size() - 1).equals(t)) {
                ids.add(t);
            }
        }
        return ids;
    }

    /**
     * A size in kilobytes as OpenPBS's summary writes it: divided by 1024, rounding as it does, until
     * it is at most 999, with the unit's letter ({@code 4gb}, {@code 3906mb}).
     */
    static String scaled(long kb) {
        String letters = " kmgtp?";
        int unit = 1;
        long v = kb;
        while (v > 999 && unit < letters.length() - 1) {
            v = ((v % 1024) + v) >> 10;
            unit++;
        }
        return v + "" + letters.charAt(unit) + "b";
    }
}
