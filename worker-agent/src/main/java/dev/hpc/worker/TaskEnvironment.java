package dev.hpc.worker;

import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a task sees of its allocation: its environment (a small base from the agent's own, the submission's
 * variables, then the PBS set) and the lines of its {@code PBS_NODEFILE}. Pure.
 */
final class TaskEnvironment {
    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    private TaskEnvironment() {
    }

    /**
     * The base every task and spawned command starts from: HOME, USER, LOGNAME and LANG of the agent's own
     * environment where it has them, and its PATH, else a default one. Nothing else of the agent's passes.
     */
    static Map<String, String> base(Map<String, String> agentEnvironment) {
        Map<String, String> env = new TreeMap<>();
        for (String name : List.of("HOME", "USER", "LOGNAME", "LANG")) {
            Optional.ofNullable(agentEnvironment.get(name)).ifPresent(v -> env.put(name, v));
        }
        env.put("PATH", Optional.ofNullable(agentEnvironment.get("PATH")).orElse(DEFAULT_PATH));
        return env;
    }

    /** The task's environment: a small base, then the submission's variables, then the PBS set. */
    static Map<String, String> environment(LaunchOrder order, String nodeName, Map<String, String> agentEnvironment,
                                           Path workDir, Path nodeFile, Path tmpDir) {
        Map<String, String> env = base(agentEnvironment);
        env.put("SHELL", "/bin/bash");
        env.putAll(order.environment());

        List<NodeSlot> slots = slots(order, nodeName);
        int totalCores = slots.stream().mapToInt(s -> coresOf(order, s)).sum();
        env.put("PBS_JOBID", order.taskName());
        env.put("PBS_JOBNAME", order.jobName());
        env.put("PBS_O_WORKDIR", order.submitDir());
        env.put("PBS_O_HOST", order.submitHost());
        env.put("PBS_O_QUEUE", order.queue());
        env.put("PBS_QUEUE", order.queue());
        env.put("PBS_NODEFILE", nodeFile.toString());
        env.put("PBS_NUM_NODES", Integer.toString(slots.size()));
        env.put("PBS_NUM_PPN", Integer.toString(coresOf(order, slots.get(0))));
        env.put("PBS_NP", Integer.toString(totalCores));
        env.put("PBS_TASKNUM", "1");
        env.put("PBS_NODENUM", "0");
        env.put("PBS_ENVIRONMENT", "PBS_BATCH");
        env.put("PBS_JOBDIR", workDir.toString());
        if (!order.walltime().isZero() && !order.walltime().isNegative()) {
            env.put("PBS_WALLTIME", Long.toString(order.walltime().toSeconds()));
        }
        if (order.arrayIndex() >= 0) {
            env.put("PBS_ARRAYID", Integer.toString(order.arrayIndex()));
            env.put("PBS_ARRAY_INDEX", Integer.toString(order.arrayIndex()));
        }
        env.put("TMPDIR", tmpDir.toString());
        env.put("HPC_WORKER_NODE", nodeName);
        return env;
    }

    /**
     * The lines of PBS_NODEFILE: one per processor, each node of the allocation repeated for the
     * MPI ranks per node when more than one is asked, else for the cores per node.
     */
    static List<String> nodeFileLines(LaunchOrder order, String localNode) {
        List<NodeSlot> slots = slots(order, localNode);
        List<String> lines = new ArrayList<>();
        for (NodeSlot slot : slots) {
            int repeat = order.mpiprocsPerNode() > 1 ? order.mpiprocsPerNode() : coresOf(order, slot);
            for (int i = 0; i < repeat; i++) {
                lines.add(slot.node());
            }
        }
        return lines;
    }

    private static List<NodeSlot> slots(LaunchOrder order, String localNode) {
        return order.nodes().isEmpty() ? List.of(new NodeSlot(localNode, order.coresPerNode(), 0)) : order.nodes();
    }

    private static int coresOf(LaunchOrder order, NodeSlot slot) {
        if (order.coresPerNode() > 0) {
            return order.coresPerNode();
        }
        return Math.max(1, slot.cores());
    }
}
