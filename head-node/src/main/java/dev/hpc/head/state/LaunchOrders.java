package dev.hpc.head.state;

import dev.hpc.api.job.ContainerImage;
import dev.hpc.api.job.FileModes;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.ProcessLimits;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.WalltimeSignal;
import dev.hpc.api.pbs.SlurmPatterns;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What a worker is told to start for an attempt: the job's script and settings, the paths its task writes
 * (PBS's and Slurm's naming), and on a node with GPUs the variables that bind its processes to the GPUs given
 * to it there, for the script and for the commands spawned into the attempt alike.
 */
final class LaunchOrders {
    private final NodeTable nodes;

    LaunchOrders(NodeTable nodes) {
        this.nodes = nodes;
    }

    /**
     * The spec with the paths its output goes to: the submission's, or PBS's {@code NAME.oNUMBER} and
     * {@code NAME.eNUMBER} in the submit directory (or in the directory given), once the job has its number.
     */
    static JobSpec withOutputPaths(JobSpec spec, long number) {
        String base = spec.submitDir().endsWith("/") ? spec.submitDir() : spec.submitDir() + "/";
        String stdout = spec.stdoutPath().isEmpty() ? base + spec.name() + ".o" + number
                : spec.stdoutPath().endsWith("/") ? spec.stdoutPath() + spec.name() + ".o" + number
                : slurmPatternsAtSubmit(spec, JobSpec.SLURM_OUTPUT, spec.stdoutPath(), number);
        String stderr = spec.stderrPath().isEmpty() ? base + spec.name() + ".e" + number
                : spec.stderrPath().endsWith("/") ? spec.stderrPath() + spec.name() + ".e" + number
                : slurmPatternsAtSubmit(spec, JobSpec.SLURM_ERROR, spec.stderrPath(), number);
        return spec.withOutputPaths(stdout, stderr);
    }

    /** For each node of the attempt, the GPU variables a command spawned there gets, as the script would. */
    Map<String, Map<String, String>> gpuBindings(TaskEntry t) {
        Map<String, Map<String, String>> gpus = new TreeMap<>();
        for (NodeSlot slot : t.current().nodes()) {
            Map<String, String> env = withGpuBinding(t.job.spec.environment(), slot);
            Map<String, String> binding = new TreeMap<>();
            GPU_VARIABLES.forEach(name -> Optional.ofNullable(env.get(name)).ifPresent(v -> binding.put(name, v)));
            gpus.put(slot.node(), binding);
        }
        return gpus;
    }

    /** The variables that bind a process to its GPUs: NVIDIA's CUDA, AMD's ROCm and OpenCL programs each read their own. */
    static final List<String> GPU_VARIABLES = List.of("CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES",
            "GPU_DEVICE_ORDINAL");

    /**
     * The environment a process of the job sees on the node of {@code slot}: on a node with GPUs, the GPUs
     * given to the attempt there, none when it asked for none, which the job's own value (qsub -v, -V) does
     * not widen; elsewhere the job's environment as it is.
     */
    private Map<String, String> withGpuBinding(Map<String, String> environment, NodeSlot slot) {
        NodeEntry n = nodes.get(slot.node());
        if (n == null || !n.hasGpus()) {
            return environment;
        }
        Map<String, String> env = new TreeMap<>(environment);
        String gpus = slot.gpus().stream().map(String::valueOf).collect(Collectors.joining(","));
        GPU_VARIABLES.forEach(name -> env.put(name, gpus));
        return env;
    }

    /** What the first node of an attempt is told to start, with the paths and the GPU binding of the task. */
    LaunchOrder of(TaskEntry t, long attemptId, List<NodeSlot> slots) {
        JobSpec s = t.job.spec;
        Resources r = s.resources();
        Map<String, String> environment = withGpuBinding(s.environment(), slots.get(0));
        return new LaunchOrder(attemptId, t.job.id.toString(), t.name(), t.index, s.name(), s.owner(), s.script(),
                s.workDir(), s.submitDir(), s.submitHost(), s.queue(), environment,
                taskOutputPath(s, JobSpec.SLURM_OUTPUT, s.stdoutPath(), t.index, slots),
                taskOutputPath(s, JobSpec.SLURM_ERROR, s.stderrPath(), t.index, slots), s.join(), slots,
                r.coresPerNode(), r.mpiprocsPerNode(), r.memoryPerNode(), r.walltime(), s.scriptArguments(),
                s.recorded().getOrDefault(JobSpec.SHELL_PATH_LIST, ""), ProcessLimits.of(s.recorded()),
                WalltimeSignal.of(s.recorded()), s.recorded().getOrDefault(JobSpec.GROUP_LIST, ""),
                FileModes.of(s.recorded()), ContainerImage.of(s.recorded()));
    }

    /** An {@code #SBATCH -o}/{@code -e} path with what its {@code %} patterns say once the job has a number. */
    private static String slurmPatternsAtSubmit(JobSpec spec, String key, String path, long number) {
        return spec.recorded().containsKey(key)
                ? SlurmPatterns.atSubmit(path, number, spec.name(), spec.owner()) : path;
    }

    /**
     * The path one task writes: an array task's gets {@code -INDEX}, as PBS does, unless Slurm's
     * {@code %a} already names the index; the rest of the Slurm patterns are expanded here.
     */
    private static String taskOutputPath(JobSpec s, String key, String path, int index, List<NodeSlot> slots) {
        String written = s.recorded().get(key);
        if (written == null || !SlurmPatterns.expands(written)) {
            return index >= 0 ? path + "-" + index : path;
        }
        String expanded = SlurmPatterns.atStart(path, index, slots.isEmpty() ? "" : slots.get(0).node());
        return index >= 0 && !SlurmPatterns.namesArrayIndex(written) ? expanded + "-" + index : expanded;
    }
}
