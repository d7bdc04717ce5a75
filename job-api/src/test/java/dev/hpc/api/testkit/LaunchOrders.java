package dev.hpc.api.testkit;

import dev.hpc.api.job.FileModes;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.ProcessLimits;
import dev.hpc.api.job.WalltimeSignal;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Launch orders for tests, named by intent: {@code aTask(7, "exit 3").in(dir).build()}. The one way tests
 * build a {@link LaunchOrder}, so that a new field of the order changes this file and no test.
 */
public final class LaunchOrders {
    private final long attemptId;
    private final String script;
    private String jobId;
    private String taskName;
    private int arrayIndex = -1;
    private String jobName = "test-job";
    private String owner = System.getProperty("user.name");
    private String workDir = "";
    private String submitDir = "";
    private String stdoutPath = "";
    private String stderrPath = "";
    private JoinMode join = JoinMode.NONE;
    private Map<String, String> environment = Map.of();
    private List<NodeSlot> nodes = List.of(new NodeSlot("node1", 1, 0));
    private int coresPerNode = 1;
    private int mpiprocsPerNode = 1;
    private Duration walltime = Duration.ZERO;
    private List<String> arguments = List.of();
    private String shells = "";
    private ProcessLimits limits = ProcessLimits.NONE;
    private WalltimeSignal warning = WalltimeSignal.NONE;
    private FileModes files = FileModes.NONE;
    private String container = "";

    private LaunchOrders(long attemptId, String script) {
        this.attemptId = attemptId;
        this.script = script;
        this.jobId = attemptId + ".cluster";
        this.taskName = jobId;
    }

    /** A task of one core on node1 running {@code script}, owned by the user running the tests. */
    public static LaunchOrders aTask(long attemptId, String script) {
        return new LaunchOrders(attemptId, script);
    }

    /** Work dir and submit dir {@code dir}; output to {@code dir/out.o} and {@code dir/out.e}. */
    public LaunchOrders in(Path dir) {
        workDir = dir.toString();
        submitDir = dir.toString();
        stdoutPath = dir.resolve("out.o").toString();
        stderrPath = dir.resolve("out.e").toString();
        return this;
    }

    public LaunchOrders workDir(String v) {
        workDir = v;
        return this;
    }

    public LaunchOrders submitDir(String v) {
        submitDir = v;
        return this;
    }

    public LaunchOrders output(String stdout, String stderr) {
        stdoutPath = stdout;
        stderrPath = stderr;
        return this;
    }

    public LaunchOrders join(JoinMode v) {
        join = v;
        return this;
    }

    public LaunchOrders arrayTask(String jobId, int index) {
        this.jobId = jobId;
        this.taskName = jobId.replaceFirst("\\[\\]", "[" + index + "]");
        this.arrayIndex = index;
        return this;
    }

    public LaunchOrders named(String v) {
        jobName = v;
        return this;
    }

    public LaunchOrders environment(Map<String, String> v) {
        environment = v;
        return this;
    }

    /** An allocation of the named nodes, {@code coresPerNode} cores each; none names an empty one. */
    public LaunchOrders nodes(int coresPerNode, int mpiprocsPerNode, String... names) {
        this.coresPerNode = coresPerNode;
        this.mpiprocsPerNode = mpiprocsPerNode;
        this.nodes = Arrays.stream(names).map(n -> new NodeSlot(n, coresPerNode, 0)).toList();
        return this;
    }

    /** The job's owner (default: the user running the tests). */
    public LaunchOrders ownedBy(String v) {
        owner = v;
        return this;
    }

    public LaunchOrders walltime(Duration v) {
        walltime = v;
        return this;
    }

    /** The shells of qsub -S, {@code path[@host],...}. */
    public LaunchOrders shells(String v) {
        shells = v;
        return this;
    }

    /** The per-process limits of -l vmem, cput, file. */
    public LaunchOrders limits(ProcessLimits v) {
        limits = v;
        return this;
    }

    /** The signal before the walltime ends, as --signal or -l signal writes it ({@code B:USR1@60}). */
    public LaunchOrders signalBeforeWalltime(String v) {
        warning = WalltimeSignal.parseSlurm(v);
        return this;
    }

    /** The script's arguments, as qsub -F gives them. */
    public LaunchOrders arguments(String... v) {
        arguments = List.of(v);
        return this;
    }

    /** The umask of -W umask, --open-mode=append and -W sandbox=PRIVATE. */
    public LaunchOrders files(FileModes v) {
        files = v;
        return this;
    }

    /** The image the script runs in (-l container=). */
    public LaunchOrders container(String v) {
        container = v;
        return this;
    }

    public LaunchOrder build() {
        return new LaunchOrder(attemptId, jobId, taskName, arrayIndex, jobName, owner, script, workDir, submitDir,
                "login1", "batch", environment, stdoutPath, stderrPath, join, nodes, coresPerNode, mpiprocsPerNode,
                0, walltime, arguments, shells, limits, warning, "", files, container);
    }
}
