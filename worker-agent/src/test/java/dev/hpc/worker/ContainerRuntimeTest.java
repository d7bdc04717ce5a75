package dev.hpc.worker;

import dev.hpc.api.job.ProcessLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 19: how the worker finds its container runtime and runs a job's script in an image with it. */
class ContainerRuntimeTest {
    @TempDir
    Path dir;

    private Path executable(String name) throws IOException {
        Path p = Files.writeString(dir.resolve(name), "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void autoTakesTheFirstRuntimeOnThePathAndNoneTakesNone() throws IOException {
        assertEquals(Optional.empty(), ContainerRuntime.choose("auto", dir.toString()), "nothing installed");
        Path apptainer = executable("apptainer");
        assertEquals(Optional.of(new ContainerRuntime(ContainerRuntime.Kind.APPTAINER, apptainer)),
                ContainerRuntime.choose("auto", "/nonexistent:" + dir));
        Path podman = executable("podman");
        assertEquals(ContainerRuntime.Kind.PODMAN, ContainerRuntime.choose("", dir.toString()).orElseThrow().kind());
        assertEquals(Optional.empty(), ContainerRuntime.choose("none", dir.toString()));
        assertEquals(podman, ContainerRuntime.choose(podman.toString(), "").orElseThrow().executable());
        Path singularity = executable("singularity");
        assertEquals(Optional.of(new ContainerRuntime(ContainerRuntime.Kind.APPTAINER, singularity)),
                ContainerRuntime.choose("singularity", dir.toString()), "Apptainer's older name");
    }

    @Test
    void theWorkerDeclaresItsRuntimeAsANodePropertyThatNoOneElseMayClaim() throws IOException {
        executable("podman");
        WorkerConfig c = WorkerConfig.builder().nodeName("n1").heads(List.of("h:1")).properties("ib")
                .containerRuntime("auto").searchPath(dir.toString()).build();
        assertEquals(java.util.Set.of("ib", "podman"), c.traits().properties());
        assertEquals(dir.resolve("podman"), c.containerRuntime().orElseThrow().executable());
        assertEquals(Optional.empty(), WorkerConfig.builder().nodeName("n1").heads(List.of("h:1"))
                .searchPath(dir.toString()).build().containerRuntime(), "programs choose one outright");
        WorkerConfigException e = assertThrows(WorkerConfigException.class, () -> WorkerConfig.builder()
                .nodeName("n1").heads(List.of("h:1")).properties("apptainer").build());
        assertTrue(e.getMessage().contains("--properties apptainer: that is the property of a container runtime"),
                e.getMessage());
    }

    @Test
    void aRuntimeThatIsNotThereOrUnknownIsRefusedSayingWhatToWrite() {
        WorkerConfigException missing = assertThrows(WorkerConfigException.class,
                () -> ContainerRuntime.choose("podman", dir.toString()));
        assertTrue(missing.getMessage().contains("no executable podman on PATH"), missing.getMessage());
        WorkerConfigException unknown = assertThrows(WorkerConfigException.class,
                () -> ContainerRuntime.choose("docker", dir.toString()));
        assertTrue(unknown.getMessage().contains("name podman, apptainer or singularity"), unknown.getMessage());
    }

    private ContainerRuntime.Run run(long uid, Map<String, String> env, List<String> gpus, ProcessLimits limits)
            throws IOException {
        Path work = Files.createDirectories(dir.resolve("work"));
        Path spool = Files.createDirectories(dir.resolve("spool/7"));
        return new ContainerRuntime.Run(7, "localhost/tools:1", uid, work, spool, spool.resolve("tmp"),
                dir.toString(), env, gpus, "0077", limits, 1L << 30, List.of("/bin/sh", "-c", "exec bash", spool + "/script", "a"));
    }

    @Test
    void podmanRunsRootlessAsTheOwnerWithTheJobsDirectoriesVariablesAndLimitsAndTheNodesNetwork() throws IOException {
        ContainerRuntime podman = new ContainerRuntime(ContainerRuntime.Kind.PODMAN, Path.of("/usr/bin/podman"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PBS_JOBID", "7.c");
        env.put("PATH", "/usr/bin:/bin");
        env.put("TMPDIR", "/ignored");
        env.put("SECRET", "value");
        List<String> c = podman.command(run(1000, env, List.of(), new ProcessLimits(1L << 30, 60, 0)));
        String line = String.join(" ", c);
        assertEquals(List.of("/usr/bin/env", "-u", "TMPDIR", "-u", "XDG_RUNTIME_DIR", "/usr/bin/podman", "run"),
                c.subList(0, 7));
        for (String part : List.of("--name hpc-attempt-7", "--network=host", "--pid=host", "--uts=host",
                "--userns=keep-id", "--volume " + dir.resolve("work") + ":" + dir.resolve("work"),
                "--volume " + dir.resolve("spool/7") + ":" + dir.resolve("spool/7"), "--volume " + dir + ":" + dir,
                "--workdir " + dir.resolve("work"), "--umask 0077", "--env PBS_JOBID", "--env SECRET",
                "--env TMPDIR=" + dir.resolve("spool/7/tmp"), "--ulimit as=1073741824:1073741824",
                "--ulimit cpu=60:61", "--memory=1073741824", "localhost/tools:1 /bin/sh -c exec bash " + dir.resolve("spool/7/script") + " a")) {
            assertTrue(line.contains(part), part + " in " + line);
        }
        assertFalse(line.contains("value"), "values stay in Podman's environment, off its command line");
        assertFalse(line.contains("--env PATH"), "the image keeps its own PATH");
        assertTrue(line.endsWith(" a"), line);

        assertFalse(String.join(" ", podman.command(run(0, env, List.of(), ProcessLimits.NONE))).contains("keep-id"),
                "root's job runs with rootful Podman, which has no keep-id");
        assertTrue(podman.appliesLimits());
        assertEquals(Optional.of(List.of("/usr/bin/env", "-i", "HOME=/home/alice", "PATH=/usr/bin:/bin",
                        "/usr/bin/podman", "rm", "--force", "--time", "0", "hpc-attempt-7")),
                podman.removeCommand(7, Map.of("HOME", "/home/alice")));
    }

    @Test
    void gpusReachAPodmanContainerThroughCdiOnlyAndAreNumberedFromZeroInside() throws IOException {
        ContainerRuntime podman = new ContainerRuntime(ContainerRuntime.Kind.PODMAN, Path.of("/usr/bin/podman"));
        boolean cdi = ContainerRuntime.CDI_DIRS.stream().anyMatch(Files::isDirectory);
        org.junit.jupiter.api.Assumptions.assumeFalse(cdi, "this machine has a CDI directory");
        LaunchFailedException e = assertThrows(LaunchFailedException.class,
                () -> podman.command(run(1000, Map.of("CUDA_VISIBLE_DEVICES", "1,3"), List.of("1", "3"),
                        ProcessLimits.NONE)));
        assertTrue(e.getMessage().contains("nvidia-ctk cdi generate"), e.getMessage());
    }

    @Test
    void apptainerRunsTheScriptInItsOwnProcessesWithTheSameDirectories() throws IOException {
        ContainerRuntime apptainer = new ContainerRuntime(ContainerRuntime.Kind.APPTAINER,
                Path.of("/usr/bin/apptainer"));
        List<String> c = apptainer.command(run(1000, Map.of("PBS_JOBID", "7.c"), List.of("0"), ProcessLimits.NONE));
        String line = String.join(" ", c);
        assertEquals(List.of("/usr/bin/apptainer", "exec"), c.subList(0, 2));
        assertTrue(line.contains("--bind " + dir.resolve("work") + ":" + dir.resolve("work")), line);
        assertTrue(line.contains("--pwd " + dir.resolve("work")), line);
        assertTrue(line.contains("--nv"), line);
        assertEquals(Optional.empty(), apptainer.removeCommand(7, Collections.emptyMap()),
                "Apptainer's processes are the task's own: the kill ends them");
        assertFalse(apptainer.appliesLimits());
        ContainerRuntime.Run bare = new ContainerRuntime.Run(7, "tools", 1000, dir, dir, dir, "", Map.of(), List.of(),
                "", ProcessLimits.NONE, 0, List.of("true"));
        LaunchFailedException e = assertThrows(LaunchFailedException.class, () -> apptainer.command(bare));
        assertTrue(e.getMessage().contains("docker://tools"), e.getMessage());
    }
}
