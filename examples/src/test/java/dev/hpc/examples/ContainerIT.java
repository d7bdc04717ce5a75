package dev.hpc.examples;

import dev.hpc.api.client.ApiToken;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Task;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 19, containers, on a real cluster whose worker runs as root with the node's Podman: a real
 * unprivileged user's job names an image, and its script runs in that image as that user (rootless
 * Podman), with its work directory, variables and exit status; qdel ends a container that ignores SIGTERM
 * and leaves none behind; an image only a runtime the cluster lacks could run is refused at qsub.
 *
 * <p>The image is made here, without a registry: a root file system of the node's static busybox and a
 * marker file, imported into the user's own image store as {@code podman pull} would put one there.
 */
class ContainerIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String USER = "hpctestc";
    private static final String IMAGE = "localhost/hpc-it:1";
    private static final String MARKER = "inside the hpc-it image";

    @TempDir
    static Path dir;
    private static RealCluster cluster;
    private static Cli asUser;
    private static Path work;

    @BeforeAll
    static void startClusterAndMakeTheImage() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "skipped: the worker must run as root to start jobs as another user");
        for (String needed : List.of("/usr/bin/podman", "/usr/bin/newuidmap", "/bin/busybox", "/usr/sbin/useradd")) {
            assumeTrue(Files.isExecutable(Path.of(needed)), "skipped: " + needed + " is needed (.ci/run installs it)");
        }
        if (run("id", "-u", USER) != 0) {
            assertEquals(0, run("useradd", "-m", "-s", "/bin/sh", USER), "useradd " + USER);
        }
        importImage();
        // jobs running as their owners must reach their scripts in the workers' spools in here
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        cluster = RealCluster.start(dir.resolve("cluster"), 1, 2);
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        Path token = tokens.resolve(USER + ".token");
        ApiToken.install(token, cluster.client().createToken(USER, "user").token());
        asUser = cluster.cliWithToken(token);
        // the owner writes here, and the container mounts it: a directory anybody may write, as /tmp is
        work = Files.createTempDirectory(Path.of("/tmp"), "hpc-container-it");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (work != null) {
            run("rm", "-rf", work.toString());
        }
        if (Files.isExecutable(Path.of("/usr/bin/podman")) && run("id", "-u", USER) == 0) {
            asOwner("podman", "rmi", "--force", IMAGE);
            // rootless Podman keeps a process per user that holds its user namespace: this ends it
            asOwner("podman", "system", "migrate");
        }
    }

    /** A root file system of busybox and the marker, imported as the user into their rootless store. */
    private static void importImage() throws Exception {
        Path root = Files.createDirectories(dir.resolve("rootfs"));
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("tmp"));
        Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
        for (String applet : List.of("sh", "cat", "id", "echo", "sleep", "pwd", "ls", "hostname", "env")) {
            Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
        }
        Files.writeString(root.resolve("etc/hpc-image-marker"), MARKER + "\n");
        Path tar = dir.resolve("rootfs.tar");
        assertEquals(0, run("tar", "-C", root.toString(), "-cf", tar.toString(), "."), "tar of the root file system");
        // the user reads the archive: through the test's directory, which others may enter but not list
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(tar, PosixFilePermissions.fromString("rw-r--r--"));
        String out = asOwner("podman", "import", tar.toString(), IMAGE);
        assertTrue(out.contains("sha256:") || out.matches("(?s).*[0-9a-f]{64}.*"), "podman import: " + out);
    }

    private static String submit(String name, String script, String... options) throws IOException {
        Path file = Files.writeString(work.resolve(name + ".sh"), script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> args = new ArrayList<>(List.of("-N", name));
        args.addAll(List.of(options));
        args.add(file.toString());
        Cli.Result r = asUser.qsubIn(work, args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.describe());
        return r.line();
    }

    private static Task task(String id) {
        return cluster.client().job(id).tasks().get(0);
    }

    @Test
    void aJobRunsInItsImageAsItsOwnerWithItsDirectoryVariablesAndExitStatus() throws Exception {
        String id = submit("inimage", "#!/bin/bash\n#PBS -l container=" + IMAGE + "\n#PBS -j oe\n"
                + "cat /etc/hpc-image-marker\nid -u\necho \"job=$PBS_JOBID mine=$MINE\"\npwd\n"
                + "echo made > inside.txt\nexit 3\n", "-v", "MINE=passed-in");
        Poll.until(id + " to end", WAIT, () -> cluster.client().job(id).state().isTerminal(), () -> task(id).toString());
        Task t = task(id);
        assertEquals(3, t.exitStatus(), t.toString());
        assertEquals(EndReason.EXITED, t.reason(), t.toString());

        Path out = work.resolve("inimage.o" + id.substring(0, id.indexOf('.')));
        String text = Files.readString(out, StandardCharsets.UTF_8);
        String uid = new String(new ProcessBuilder("id", "-u", USER).start().getInputStream().readAllBytes()).strip();
        assertTrue(text.contains(MARKER + "\n"), "the script ran in the image: " + text);
        assertTrue(text.contains("\n" + uid + "\n"), "as its owner, uid " + uid + ": " + text);
        assertTrue(text.contains("job=" + id + " mine=passed-in\n"), "with the job's variables: " + text);
        assertTrue(text.contains("\n" + work.toRealPath() + "\n") || text.contains("\n" + work + "\n"),
                "in its work directory: " + text);
        Path inside = work.resolve("inside.txt");
        assertTrue(Files.exists(inside), "what the job wrote in the container is in its directory");
        assertEquals(USER, Files.readAttributes(inside, PosixFileAttributes.class).owner().getName(),
                "and belongs to its owner");

        Cli.Result f = cluster.cli().run("qstat", "-f", id);
        assertEquals(IMAGE, QstatFull.parse(f.out()).get(id).get("container"), f.describe());
        Cli.Result nodes = cluster.cli().run("pbsnodes", "-a");
        assertTrue(nodes.out().contains("properties = podman"), "the worker declares its runtime: " + nodes.describe());
    }

    @Test
    void qdelEndsAContainerThatIgnoresSigtermAndLeavesNoneBehind() throws Exception {
        String id = submit("stubborn", "#!/bin/sh\n#SBATCH --container-image=" + IMAGE + "\n"
                + "trap '' TERM\necho up > stubborn.started\nwhile :; do sleep 1; done\n");
        Poll.until(id + " to start in its container", WAIT, () -> Files.exists(work.resolve("stubborn.started")),
                () -> task(id).toString());
        long attempt = task(id).attempts().get(0).id();
        String name = "hpc-attempt-" + attempt;
        assertTrue(asOwner("podman", "ps", "--format", "{{.Names}}").contains(name), "its container runs");

        Cli.Result del = asUser.run("qdel", id);
        assertEquals(0, del.exitCode(), del.describe());
        Poll.until(id + " to end after the kill grace", WAIT, () -> cluster.client().job(id).state().isTerminal(),
                () -> task(id).toString());
        assertEquals(EndReason.CANCELLED, task(id).reason());
        Poll.until("container " + name + " to be gone", WAIT,
                () -> !asOwner("podman", "ps", "--all", "--format", "{{.Names}}").contains(name));
    }

    @Test
    void anImageNoRuntimeOfTheClusterCanRunIsRefusedAtQsub() throws Exception {
        Path script = Files.writeString(work.resolve("sif.sh"), "#!/bin/sh\ntrue\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        Cli.Result r = asUser.qsubIn(work, "-l", "container=/shared/images/tools.sif", script.toString());
        assertNotEquals(0, r.exitCode(), r.describe());
        assertTrue(r.err().contains("no node has property apptainer"), r.describe());
        assertFalse(r.err().contains("Exception"), r.describe());
    }

    /** Runs a command as the test user with a login's environment, as the worker runs the user's Podman. */
    private static String asOwner(String... command) {
        List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=" + USER, "--regid=" + USER, "--init-groups",
                "env", "-i", "HOME=/home/" + USER, "USER=" + USER, "PATH=/usr/bin:/bin"));
        c.addAll(List.of(command));
        try {
            Process p = new ProcessBuilder(c).directory(new java.io.File("/")).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(c + " did not end within 120 s");
            }
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        return Procs.exitStatus(command);
    }
}
