package dev.hpc.worker;

import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Launch orders for tests, named by intent: {@code aTask(7, "exit 3").in(dir).build()}. */
final class LaunchOrders {
    private long attemptId;
    private String script;
    private String jobId;
    private String taskName;
    private int arrayIndex = -1;
    private String jobName = "test-job";
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
    private dev.hpc.api.job.ProcessLimits limits = dev.hpc.api.job.ProcessLimits.NONE;
    private dev.hpc.api.job.WalltimeSignal warning = dev.hpc.api.job.WalltimeSignal.NONE;
    private dev.hpc.api.job.FileModes files = dev.hpc.api.job.FileModes.NONE;

    private String owner = System.getProperty("user.name");

    private LaunchOrders(long attemptId, String script) {
        this.attemptId = attemptId;
        this.script = script;
        this.jobId = attemptId + ".cluster";
        this.taskName = jobId;
    }

    /** A task of one core on node1 running {@code script}. */
    static LaunchOrders aTask(long attemptId, String script) {
        return new LaunchOrders(attemptId, script);
    }

    /** Work dir and submit dir {@code dir}; output to {@code dir/out.o} and {@code dir/out.e}. */
    LaunchOrders in(Path dir) {
        workDir = dir.toString();
        submitDir = dir.toString();
        stdoutPath = dir.resolve("out.o").toString();
        stderrPath = dir.resolve("out.e").toString();
        return this;
    }

    LaunchOrders workDir(String v) {
        workDir = v;
        return this;
    }

    LaunchOrders submitDir(String v) {
        submitDir = v;
        return this;
    }

    LaunchOrders output(String stdout, String stderr) {
        stdoutPath = stdout;
        stderrPath = stderr;
        return this;
    }

    LaunchOrders join(JoinMode v) {
        join = v;
        return this;
    }

    LaunchOrders arrayTask(String jobId, int index) {
        this.jobId = jobId;
        this.taskName = jobId.replaceFirst("\\[\\]", "[" + index + "]");
        this.arrayIndex = index;
        return this;
    }

    LaunchOrders named(String v) {
        jobName = v;
        return this;
    }

    LaunchOrders environment(Map<String, String> v) {
        environment = v;
        return this;
    }

    LaunchOrders nodes(int coresPerNode, int mpiprocsPerNode, String... names) {
        this.coresPerNode = coresPerNode;
        this.mpiprocsPerNode = mpiprocsPerNode;
        this.nodes = java.util.Arrays.stream(names).map(n -> new NodeSlot(n, coresPerNode, 0)).toList();
        return this;
    }

    private String container = "";

    /** The job's owner (default: the user running the tests). */
    LaunchOrders ownedBy(String v) {
        owner = v;
        return this;
    }

    LaunchOrders walltime(Duration v) {
        walltime = v;
        return this;
    }

    /** The shells of qsub -S, {@code path[@host],...}. */
    LaunchOrders shells(String v) {
        shells = v;
        return this;
    }

    /** The per-process limits of -l vmem, cput, file. */
    LaunchOrders limits(dev.hpc.api.job.ProcessLimits v) {
        limits = v;
        return this;
    }

    /** The signal before the walltime ends, as --signal or -l signal writes it ({@code B:USR1@60}). */
    LaunchOrders signalBeforeWalltime(String v) {
        warning = dev.hpc.api.job.WalltimeSignal.parseSlurm(v);
        return this;
    }

    /** The script's arguments, as qsub -F gives them. */
    LaunchOrders arguments(String... v) {
        arguments = List.of(v);
        return this;
    }

    /** The umask of -W umask, --open-mode=append and -W sandbox=PRIVATE. */
    LaunchOrders files(dev.hpc.api.job.FileModes v) {
        files = v;
        return this;
    }

    /** The image the script runs in (-l container=). */
    LaunchOrders container(String v) {
        container = v;
        return this;
    }

    LaunchOrder build() {
        return new LaunchOrder(attemptId, jobId, taskName, arrayIndex, jobName, owner, script, workDir,
                submitDir,
                "login1", "batch", environment, stdoutPath, stderrPath, join, nodes, coresPerNode, mpiprocsPerNode,
                0, walltime, arguments, shells, limits, warning, "", files, container);
    }
}
