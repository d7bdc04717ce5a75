package dev.hpc.worker;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.testkit.LaunchOrders;
import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage.Spawn;
import dev.hpc.api.wire.WireMessage.SpawnExited;
import dev.hpc.api.wire.WireMessage.SpawnOutput;
import dev.hpc.api.wire.WireMessage.TaskResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue #8, "Running as the owner": an agent running as root starts each task as its owner, through the
 * real launch path (real processes, {@code setpriv}). Needs root, {@code useradd} and {@code setpriv}; it
 * creates the users {@code hpctesta} and {@code hpctestb} when they are missing, and is skipped (with
 * the reason) otherwise.
 */
class RunAsOwnerTest {
    private static final String A = "hpctesta";
    private static final String B = "hpctestb";
    private static final Duration GRACE = Duration.ofMillis(500);
    private static final AtomicLong ATTEMPTS = new AtomicLong(9000);

    @TempDir
    Path tmp;
    private Path spool;
    private Path homeA;
    private Path homeB;
    private TaskLauncher launcher;
    private final List<TaskProcess> started = new ArrayList<>();

    @BeforeAll
    static void users() throws Exception {
        assumeTrue(RunAs.processUid() == 0, "running tasks as their owner needs a worker running as root; "
                + "these tests run as uid " + RunAs.processUid());
        assumeTrue(RunAs.SETPRIV.isPresent(), "no setpriv (util-linux) on this machine");
        for (String user : List.of(A, B)) {
            if (run("getent", "passwd", user) != 0) {
                assumeTrue(Files.isExecutable(Path.of("/usr/sbin/useradd")), "no useradd (package passwd) to create "
                        + user);
                assertEquals(0, run("/usr/sbin/useradd", "--create-home", "--shell", "/bin/bash", user),
                        "useradd " + user);
            }
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command));
        return p.exitValue();
    }

    @BeforeEach
    void setUp() throws IOException {
        // the owners must be able to reach their attempt's directory in the spool (as under /var/spool)
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        spool = tmp.resolve("spool");
        SpoolDir.prepare(spool, 0);
        homeA = Path.of(new OwnerDirectory(Clock.systemUTC()).find(A).orElseThrow().home());
        homeB = Path.of(new OwnerDirectory(Clock.systemUTC()).find(B).orElseThrow().home());
        Files.setPosixFilePermissions(homeB, PosixFilePermissions.fromString("rwxr-xr-x"));
        launcher = launcher(false);
    }

    private TaskLauncher launcher(boolean allowRootJobs) {
        return new TaskLauncher(spool, "n1", GRACE, System.getenv(), Clock.systemUTC(),
                RunAs.forThisProcess("n1", allowRootJobs, new OwnerDirectory(Clock.systemUTC())));
    }

    /** Files the tests name in the owners' real homes, deleted at the end whatever happened. */
    private final List<Path> madeInHomes = new java.util.ArrayList<>();

    private Path made(Path home, String name) {
        Path p = home.resolve(name);
        madeInHomes.add(p);
        return p;
    }

    @AfterEach
    void tearDown() throws Exception {
        // kill and close everything before asserting, so that one leftover does not leave the others running
        List<Long> leftBehind = new java.util.ArrayList<>();
        try {
            for (TaskProcess p : started) {
                p.kill(EndReason.CANCELLED);
                try {
                    p.result().get(20, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    ProcessTree.signalGroup(p.pid(), "KILL");
                }
                if (!ProcessTree.members(p.pid()).isEmpty()) {
                    leftBehind.add(p.pid());
                    ProcessTree.signalGroup(p.pid(), "KILL");
                }
            }
        } finally {
            if (launcher != null) {
                launcher.close();
            }
            for (Path p : madeInHomes) {
                Files.deleteIfExists(p);
            }
        }
        assertTrue(leftBehind.isEmpty(), "processes of tasks " + leftBehind + " were left behind");
    }

    private TaskResult run(TaskLauncher l, LaunchOrders order) throws Exception {
        TaskProcess p = l.launch(order.build());
        started.add(p);
        return p.result().get(30, TimeUnit.SECONDS);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static long uidOf(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    private static String idOutput(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("id"));
        command.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(command).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out;
    }

    @Test
    void aTaskRunsWithItsOwnersUidGroupsAndEnvironmentAndWritesItsOutputAsTheOwner() throws Exception {
        Path out = made(homeA, unique("out") + ".o");
        Path err = made(homeA, unique("out") + ".e");
        TaskResult r = run(launcher, aTask(ATTEMPTS.incrementAndGet(),
                "id -u; id -G; echo \"$HOME $USER $LOGNAME $SHELL\"; test -w \"$TMPDIR\" && echo tmp-ok\n")
                .ownedBy(A).workDir(homeA.toString()).submitDir(homeA.toString())
                .output(out.toString(), err.toString()).environment(Map.of("USER", "root", "HOME", "/root")));
        assertEquals(0, r.exitStatus(), () -> "stderr: " + read(err));
        List<String> lines = Files.readAllLines(out);
        assertEquals(idOutput("-u", A), lines.get(0), "the uid the task ran as");
        assertEquals(idOutput("-G", A), lines.get(1), "the primary and supplementary groups of the task");
        assertEquals(homeA + " " + A + " " + A + " /bin/bash", lines.get(2), "the owner's login environment");
        assertEquals("tmp-ok", lines.get(3), "TMPDIR is the owner's");
        long uidA = Long.parseLong(idOutput("-u", A));
        assertEquals(uidA, uidOf(out), "the output file was created as the owner");
        assertEquals(uidA, uidOf(err), "the error file was created as the owner");
    }

    /** Issue 18: -l cput/file/vmem are set by the owner's own shell, and the owner cannot raise them again. */
    @Test
    void theJobsProcessLimitsHoldForTheOwnerWhoCannotRaiseThem() throws Exception {
        Path out = made(homeA, unique("lim") + ".o");
        Path err = made(homeA, unique("lim") + ".e");
        TaskResult r = run(launcher, aTask(ATTEMPTS.incrementAndGet(),
                "id -u; ulimit -H -t; ulimit -H -f; ulimit -H -v\n"
                        + "ulimit -H -t unlimited 2>/dev/null && echo raised || echo cannot-raise\n")
                .ownedBy(A).workDir(homeA.toString()).submitDir(homeA.toString())
                .output(out.toString(), err.toString())
                .limits(new dev.hpc.api.job.ProcessLimits(512L * 1024 * 1024, 30, 1024 * 1024)));
        assertEquals(0, r.exitStatus(), () -> "stderr: " + read(err));
        // bash counts -f in KiB and -v in KiB; the hard CPU limit is a second past the soft one
        assertEquals(List.of(idOutput("-u", A), "31", "1024", "524288", "cannot-raise"), Files.readAllLines(out));
    }

    /**
     * Issue 18: -W umask holds for the output files (created by the owner's shell) and the job's own files, and
     * --open-mode=append adds to the owner's file, when the agent switches to the owner.
     */
    @Test
    void theJobsUmaskAndAppendModeHoldWhenTheAgentSwitchesToTheOwner() throws Exception {
        Path out = made(homeA, unique("umask") + ".o");
        Path err = made(homeA, unique("umask") + ".e");
        Path made = made(homeA, unique("made"));
        dev.hpc.api.job.FileModes modes = new dev.hpc.api.job.FileModes(java.util.OptionalInt.of(027), true, false);
        for (String word : List.of("one", "two")) {
            TaskResult r = run(launcher, aTask(ATTEMPTS.incrementAndGet(), "umask; echo " + word + "; touch " + made
                    + "\n").ownedBy(A).workDir(homeA.toString()).submitDir(homeA.toString())
                    .output(out.toString(), err.toString()).files(modes));
            assertEquals(0, r.exitStatus(), () -> "stderr: " + read(err));
        }
        assertEquals(List.of("0027", "one", "0027", "two"), Files.readAllLines(out));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(made)));
        assertEquals(Long.parseLong(idOutput("-u", A)), uidOf(made));
    }

    /** Issue 18: -W sandbox=PRIVATE: the job starts in a directory of the owner's, mode 0700, removed at its end. */
    @Test
    void aPrivateSandboxIsTheOwnersAndIsRemovedAsTheOwnerAtTheEnd() throws Exception {
        Path out = made(homeA, unique("box") + ".o");
        Path err = made(homeA, unique("box") + ".e");
        long attempt = ATTEMPTS.incrementAndGet();
        TaskResult r = run(launcher, aTask(attempt, "pwd; stat -c '%U %a' .; mkdir -p deep/er; echo x > deep/er/f\n")
                .ownedBy(A).workDir(homeA.toString()).submitDir(homeA.toString())
                .output(out.toString(), err.toString())
                .files(new dev.hpc.api.job.FileModes(java.util.OptionalInt.empty(), false, true)));
        assertEquals(0, r.exitStatus(), () -> "stderr: " + read(err));
        Path box = launcher.attemptDir(attempt).resolve("sandbox");
        assertEquals(List.of(box.toString(), A + " 700"), Files.readAllLines(out));
        Await.until("the sandbox " + box + " to be removed", () -> !Files.exists(box));
    }

    @Test
    void aTaskCannotWriteWhereItsOwnerCannot() throws Exception {
        Path target = tmp.resolve("root-only.txt");
        Files.writeString(target, "untouched\n");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        Path link = made(homeA, unique("link"));
        Files.createSymbolicLink(link, target);
        Path intoB = made(homeB, unique("stolen") + ".o");
        Path err = made(homeA, unique("out") + ".e");
        long attempt = ATTEMPTS.incrementAndGet();
        TaskResult r = run(launcher, aTask(attempt, "touch " + made(homeB, "x-" + attempt) + " || echo no-home-b\n"
                + "touch " + spool.resolve("x") + " || echo no-spool\n"
                + "ls " + spool + " >/dev/null || echo no-spool-listing\n"
                + "echo evil >> " + link + " || echo no-link\n")
                .ownedBy(A).workDir(homeA.toString()).submitDir(homeA.toString())
                .output(intoB.toString(), err.toString()));
        assertEquals(0, r.exitStatus());
        assertFalse(Files.exists(intoB), "-o into another user's home was not written");
        assertFalse(Files.exists(made(homeB, "x-" + attempt)), "the task wrote into another user's home");
        assertFalse(Files.exists(spool.resolve("x")), "the task wrote into the agent's spool");
        assertEquals("untouched\n", Files.readString(target), "a symlink made the agent write a root-only file");
        String errors = read(err);
        assertTrue(errors.contains("hpc: cannot write " + intoB), errors);
        Path fallback = launcher.attemptDir(attempt).resolve("stdout");
        assertEquals(List.of("no-home-b", "no-spool", "no-spool-listing", "no-link"), Files.readAllLines(fallback));
        assertEquals(Long.parseLong(idOutput("-u", A)), uidOf(fallback), "the fallback output is the owner's");

        // -o naming the symlink: the owner cannot write its target, so neither does the job
        Path err2 = made(homeA, unique("out") + ".e");
        run(launcher, aTask(ATTEMPTS.incrementAndGet(), "echo through-the-link\n").ownedBy(A)
                .workDir(homeA.toString()).submitDir(homeA.toString()).output(link.toString(), err2.toString()));
        assertEquals("untouched\n", Files.readString(target), "-o through a symlink wrote a root-only file");
        Files.delete(link);
    }

    @Test
    void aTaskEntersItsWorkDirectoryAsItsOwnerNotAsRoot() throws Exception {
        // an open directory under a closed one: its owner cannot reach it, but a task that root had put
        // there would read it by relative paths
        Path closedParent = tmp.resolve("root-only");
        Path closed = closedParent.resolve("open");
        Files.createDirectories(closed);
        Files.setPosixFilePermissions(closedParent, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(closed.resolve("secret"), "root's\n");
        Files.setPosixFilePermissions(closed.resolve("secret"), PosixFilePermissions.fromString("rw-r--r--"));
        Path out = made(homeA, unique("out") + ".o");
        Path err = made(homeA, unique("out") + ".e");
        TaskResult r = run(launcher, aTask(ATTEMPTS.incrementAndGet(), "cat secret\n").ownedBy(A)
                .workDir(closed.toString()).submitDir(homeA.toString()).output(out.toString(), err.toString()));
        assertEquals(126, r.exitStatus());
        assertEquals("", read(out), "the task ran in a directory its owner may not enter");
        assertTrue(read(err).contains("hpc: cannot enter the work directory " + closed + " as " + A
                + ": give one the job's owner may enter"), read(err));
    }

    @Test
    void anOwnerTheNodeDoesNotKnowIsRefusedWithTheReason() {
        LaunchFailedException e = assertThrows(LaunchFailedException.class, () -> launcher.launch(
                aTask(ATTEMPTS.incrementAndGet(), "true\n").ownedBy("hpcnosuchuser").in(tmp).build()));
        assertEquals("owner hpcnosuchuser does not exist on node n1", e.getMessage());
    }

    @Test
    void rootsJobsAreRefusedUnlessAllowed() throws Exception {
        LaunchFailedException e = assertThrows(LaunchFailedException.class, () -> launcher.launch(
                aTask(ATTEMPTS.incrementAndGet(), "true\n").ownedBy("root").in(tmp).build()));
        assertTrue(e.getMessage().contains("--allow-root-jobs"), e.getMessage());

        TaskLauncher permissive = launcher(true);
        try {
            TaskResult r = run(permissive, aTask(ATTEMPTS.incrementAndGet(), "id -u\n").ownedBy("root").in(tmp));
            assertEquals(0, r.exitStatus());
            assertEquals("0", Files.readString(tmp.resolve("out.o")).strip());
        } finally {
            permissive.close();
        }
    }

    @Test
    void killingATaskOfAnotherOwnerKillsItsWholeTree() throws Exception {
        TaskProcess p = launcher.launch(aTask(ATTEMPTS.incrementAndGet(), "sleep 600 & sleep 601\n").ownedBy(A)
                .workDir(homeA.toString()).submitDir(homeA.toString())
                .output(made(homeA, unique("k") + ".o").toString(), made(homeA, unique("k") + ".e").toString())
                .build());
        started.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (ProcessTree.members(p.pid()).size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(ProcessTree.members(p.pid()).size() >= 2, "the task and its child run");
        p.kill(EndReason.CANCELLED);
        TaskResult r = p.result().get(20, TimeUnit.SECONDS);
        assertEquals(EndReason.CANCELLED, r.reason());
        assertTrue(ProcessTree.members(p.pid()).isEmpty(), "processes left behind");
    }

    @Test
    void aSpawnedCommandRunsAsTheAttemptsOwner() throws Exception {
        LinkedBlockingQueue<FromWorker> sent = new LinkedBlockingQueue<>();
        SpawnSupervisor spawns = new SpawnSupervisor("n1", spool, GRACE, System.getenv(), sent::add,
                RunAs.forThisProcess("n1", false, new OwnerDirectory(Clock.systemUTC())));
        try {
            // issue 18: the job's per-process limits, set by the owner's own shell as for the script
            spawns.start(new Spawn(1, 4242, "s-a", List.of("id", "-u;", "echo", "$HOME;", "grep", "'^Max file size'",
                    "/proc/self/limits"), Map.of(), "", A, false, new dev.hpc.api.job.ProcessLimits(0, 0, 7L << 20)));
            spawns.start(new Spawn(1, 4243, "s-nobody", List.of("id", "-u"), Map.of(), "", "hpcnosuchuser"));
            StringBuilder out = new StringBuilder();
            Map<String, SpawnExited> exits = new java.util.TreeMap<>();
            while (exits.size() < 2) {
                FromWorker m = sent.poll(30, TimeUnit.SECONDS);
                assertTrue(m != null, "no answer from the spawned commands");
                if (m instanceof SpawnOutput o && o.spawnId().equals("s-a")) {
                    out.append(new String(o.data(), StandardCharsets.UTF_8));
                } else if (m instanceof SpawnExited x) {
                    exits.put(x.spawnId(), x);
                }
            }
            assertEquals(0, exits.get("s-a").exitStatus());
            assertEquals(idOutput("-u", A) + "\n" + homeA + "\nMax file size " + (7L << 20) + " " + (7L << 20)
                    + " bytes\n", out.toString().replaceAll(" +", " ").replace(" \n", "\n"));
            assertTrue(exits.get("s-nobody").message().contains("owner hpcnosuchuser does not exist on node n1"),
                    exits.get("s-nobody").message());
        } finally {
            spawns.killAll();
            spawns.close();
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
