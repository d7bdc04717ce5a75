package dev.hpc.worker;

import dev.hpc.api.job.ContainerImage;
import dev.hpc.api.job.ProcessLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The node's container runtime, which runs the script of a job that names an image ({@code -l container=IMAGE};
 * {@link ContainerImage}; docs/containers.md). Chosen with {@code hpc-worker --container-runtime}, by default the
 * first of {@code podman}, {@code apptainer} and {@code singularity} on the agent's {@code PATH}. The worker
 * declares it to the head as the node property {@code podman} or {@code apptainer}.
 *
 * <p>The runtime runs as the job's owner, as every process of the job does: Podman rootless (its user namespace
 * maps the owner to itself, {@code --userns=keep-id}), Apptainer unprivileged. The job keeps what HPC jobs
 * expect of a node: its network, process ids, shared memory and host name are the node's (so MPI and
 * {@code hostname} work as outside), its work directory, spool directory (script, node file, {@code TMPDIR}) and
 * home are mounted at the same paths, and its variables pass in, but for the node's {@code PATH} and loader
 * settings, which belong to the node and not to the image.
 */
record ContainerRuntime(Kind kind, Path executable) {

    enum Kind {
        PODMAN(ContainerImage.PODMAN),
        APPTAINER(ContainerImage.APPTAINER);

        private final String property;

        Kind(String property) {
            this.property = property;
        }

        /** The node property by which jobs find the node. */
        String property() {
            return property;
        }
    }

    /** Variables of the node that must not replace the image's own. */
    static final Set<String> NODE_ONLY = Set.of("PATH", "LD_LIBRARY_PATH", "LD_PRELOAD", "XDG_RUNTIME_DIR",
            "TMPDIR");
    /** Where CDI specifications are, through which Podman gives a container a GPU ({@code nvidia-ctk cdi generate}). */
    static final List<Path> CDI_DIRS = List.of(Path.of("/etc/cdi"), Path.of("/var/run/cdi"));
    private static final String ENV = "/usr/bin/env";
    private static final Path MQUEUE = Path.of("/dev/mqueue");
    private static final List<String> DETECTED = List.of("podman", "apptainer", "singularity");

    /**
     * {@code --container-runtime}: {@code auto} (the default: the first runtime on {@code path}, none when there
     * is none), {@code none}, a runtime's name looked up on {@code path}, or its absolute path. Throws
     * {@link WorkerConfigException} saying what to fix.
     */
    static Optional<ContainerRuntime> choose(String value, String path) {
        String v = value.strip();
        if (v.equalsIgnoreCase("none")) {
            return Optional.empty();
        }
        if (v.isEmpty() || v.equalsIgnoreCase("auto")) {
            for (String name : DETECTED) {
                Optional<Path> found = GpuDevices.onPath(name, path);
                if (found.isPresent()) {
                    return Optional.of(new ContainerRuntime(kindOf(name), found.get()));
                }
            }
            return Optional.empty();
        }
        Path p = Path.of(v);
        String name = p.getFileName() == null ? "" : p.getFileName().toString();
        if (!DETECTED.contains(name)) {
            throw new WorkerConfigException("--container-runtime " + value + ": name podman, apptainer or singularity "
                    + "(or the absolute path of one), auto to take the first on PATH, or none");
        }
        Optional<Path> executable = p.isAbsolute()
                ? Optional.of(p).filter(x -> Files.isRegularFile(x) && Files.isExecutable(x))
                : GpuDevices.onPath(name, path);
        return Optional.of(new ContainerRuntime(kindOf(name), executable.orElseThrow(() -> new WorkerConfigException(
                "--container-runtime " + value + ": no executable " + name + (p.isAbsolute() ? " there" : " on PATH")
                        + "; install it, give its absolute path, or write none"))));
    }

    private static Kind kindOf(String name) {
        return name.equals("podman") ? Kind.PODMAN : Kind.APPTAINER;
    }

    /** What one attempt's script needs from the runtime. */
    record Run(long attemptId, String image, long uid, Path workDir, Path attemptDir, Path tmpDir, String home,
               Map<String, String> environment, List<String> gpuIds, String umask, ProcessLimits limits,
               long memoryBytes, List<String> inner) {
    }

    /** The name Podman knows the attempt's container by, so that the worker can remove one a kill left behind. */
    static String containerName(long attemptId) {
        return "hpc-attempt-" + attemptId;
    }

    /**
     * The command that runs {@code run.inner()} (interpreter, script, arguments) in the image, started with the
     * job's environment in the work directory. Throws {@link LaunchFailedException} when it cannot be run here.
     */
    List<String> command(Run run) {
        if (kind == Kind.APPTAINER && !run.image().endsWith(".sif") && !run.image().contains(":")
                && !run.image().startsWith("/")) {
            throw new LaunchFailedException("Apptainer on this node cannot run image " + run.image() + ": name it "
                    + "docker://" + run.image() + ", or give the path of a .sif file");
        }
        return kind == Kind.PODMAN ? podman(run) : apptainer(run);
    }

    private List<String> podman(Run run) {
        List<String> c = new ArrayList<>();
        // Podman keeps its rootless state under TMPDIR or XDG_RUNTIME_DIR: the job's would scatter it into
        // this attempt's TMPDIR, or into a login session's directory that does not exist on the node
        c.addAll(List.of(ENV, "-u", "TMPDIR", "-u", "XDG_RUNTIME_DIR", executable.toString(), "run", "--rm",
                "--replace", "--name", containerName(run.attemptId()), "--network=host", "--pid=host", "--uts=host",
                "--security-opt", "label=disable", "--log-driver", "none"));
        if (Files.isDirectory(MQUEUE)) {
            c.add("--ipc=host"); // the node's shared memory, which MPI within a node uses; Podman needs the mqueue
        }
        // the job's limits apply in the container, not to Podman itself (its Go runtime reserves much address space)
        ProcessLimits limits = run.limits();
        if (limits.addressSpace() > 0) {
            c.addAll(List.of("--ulimit", "as=" + limits.addressSpace() + ":" + limits.addressSpace()));
        }
        if (limits.cpuSeconds() > 0) {
            c.addAll(List.of("--ulimit", "cpu=" + limits.cpuSeconds() + ":" + (limits.cpuSeconds() + 1)));
        }
        if (limits.fileSize() > 0) {
            c.addAll(List.of("--ulimit", "fsize=" + limits.fileSize() + ":" + limits.fileSize()));
        }
        if (run.memoryBytes() > 0) {
            // the container's processes are not the task's descendants, whose memory the worker adds up: the
            // container's cgroup holds them to the job's memory instead, where the node's cgroups allow it
            c.add("--memory=" + run.memoryBytes());
        }
        if (run.uid() != 0) {
            c.add("--userns=keep-id");
        }
        for (Path dir : mounts(run)) {
            c.add("--volume");
            c.add(dir + ":" + dir);
        }
        c.add("--workdir");
        c.add(run.workDir().toString());
        if (!run.umask().isEmpty()) {
            c.add("--umask");
            c.add(run.umask());
        }
        List<String> gpus = run.gpuIds();
        if (!gpus.isEmpty()) {
            if (!hasCdiSpec("nvidia.com/gpu")) {
                throw new LaunchFailedException("the job runs in a container with GPUs, but this node has no CDI "
                        + "specification of nvidia.com/gpu in /etc/cdi or /var/run/cdi, through which Podman gives "
                        + "a container its GPUs: an administrator creates it with nvidia-ctk cdi generate "
                        + "--output=/etc/cdi/nvidia.yaml");
            }
            gpus.forEach(id -> c.addAll(List.of("--device", "nvidia.com/gpu=" + id)));
        }
        for (String name : run.environment().keySet()) {
            if (!NODE_ONLY.contains(name) && !GpuDevices.VARIABLES.contains(name)) {
                c.add("--env");
                c.add(name); // the value from Podman's own environment: never on a command line others can read
            }
        }
        c.add("--env");
        c.add("TMPDIR=" + run.tmpDir());
        if (!gpus.isEmpty()) {
            // the container sees only the job's GPUs, numbered from 0
            String inside = String.join(",", IntStream.range(0, gpus.size())
                    .mapToObj(Integer::toString).toList());
            GpuDevices.VARIABLES.forEach(v -> c.addAll(List.of("--env", v + "=" + inside)));
        }
        c.add(run.image());
        c.addAll(run.inner());
        return c;
    }

    private List<String> apptainer(Run run) {
        List<String> c = new ArrayList<>(List.of(executable.toString(), "exec"));
        for (Path dir : mounts(run)) {
            c.add("--bind");
            c.add(dir + ":" + dir);
        }
        c.add("--pwd");
        c.add(run.workDir().toString());
        if (!run.gpuIds().isEmpty()) {
            // Apptainer shows the container every GPU of the node; the job's variables name its own
            c.add("--nv");
        }
        c.add(run.image());
        c.addAll(run.inner());
        return c;
    }

    /** The directories the job sees at their own paths: work directory, spool directory, home. */
    private static List<Path> mounts(Run run) {
        Set<Path> dirs = new LinkedHashSet<>();
        dirs.add(run.workDir());
        dirs.add(run.attemptDir());
        if (!run.home().isBlank() && !run.home().equals("/") && Files.isDirectory(Path.of(run.home()))) {
            dirs.add(Path.of(run.home()));
        }
        for (Path d : dirs) {
            String s = d.toString();
            if (s.contains(":") || s.contains(",")) {
                throw new LaunchFailedException("the directory " + s + " cannot be mounted into a container: its path "
                        + "holds ':' or ','; run the job in a directory without them (-d)");
            }
        }
        dirs.removeIf(d -> d.getNameCount() == 0); // never the node's whole file system
        return List.copyOf(dirs);
    }

    private static boolean hasCdiSpec(String kind) {
        for (Path dir : CDI_DIRS) {
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String name = f.getFileName().toString();
                    if ((name.endsWith(".yaml") || name.endsWith(".json")) && Files.readString(f).contains(kind)) {
                        return true;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no such directory, or unreadable: look in the next
            }
        }
        return false;
    }

    /**
     * The command that removes the attempt's container when a kill had to end Podman's client with SIGKILL: the
     * container lives on under Podman's monitor, outside the task's processes. Empty for Apptainer, whose
     * processes are the task's own.
     */
    Optional<List<String>> removeCommand(long attemptId, Map<String, String> login) {
        if (kind != Kind.PODMAN) {
            return Optional.empty();
        }
        List<String> c = new ArrayList<>(List.of(ENV, "-i"));
        login.forEach((k, v) -> c.add(k + "=" + v));
        c.add("PATH=" + OwnerShell.ROOT_ENVIRONMENT.get("PATH"));
        c.addAll(List.of(executable.toString(), "rm", "--force", "--time", "0", containerName(attemptId)));
        return Optional.of(c);
    }

    /** Whether the runtime applies the job's per-process limits itself, inside the container. */
    boolean appliesLimits() {
        return kind == Kind.PODMAN;
    }
}
