package dev.hpc.worker;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.FileModes;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.ProcessLimits;
import dev.hpc.api.testkit.LaunchOrders;
import dev.hpc.api.wire.WireMessage.TaskResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real {@code bash} processes started by the launcher. */
class TaskLauncherTest {
    private static final Duration GRACE = Duration.ofMillis(500);

    @TempDir
    Path tmp;
    private Path spool;
    private Path dir;
    private TaskLauncher launcher;
    private final List<TaskProcess> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        spool = tmp.resolve("spool");
        dir = Files.createDirectories(tmp.resolve("job"));
        Map<String, String> agentEnv = new LinkedHashMap<>();
        agentEnv.put("HOME", "/home/agent");
        agentEnv.put("USER", "agent");
        agentEnv.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        agentEnv.put("AGENT_SECRET", "must-not-leak");
        launcher = new TaskLauncher(spool, "node1", GRACE, agentEnv, Clock.systemUTC());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (TaskProcess p : started) {
            p.kill(EndReason.CANCELLED);
            p.result().get(10, TimeUnit.SECONDS);
            assertTrue(ProcessTree.members(p.pid()).isEmpty(), "processes of " + p.pid() + " left behind");
        }
        launcher.close();
    }

    private TaskProcess launch(LaunchOrders order) {
        TaskProcess p = launcher.launch(order.build());
        started.add(p);
        return p;
    }

    private static TaskResult resultOf(TaskProcess p) throws Exception {
        return p.result().get(10, TimeUnit.SECONDS);
    }

    private static Map<String, String> readEnv(Path file) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    @Test
    void anArrayTaskGetsThePbsEnvironment() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        TaskProcess p = launch(aTask(42, "env; echo \"CWD=$(pwd)\"; test -d \"$TMPDIR\" && echo TMPDIR_EXISTS=yes")
                .in(dir).workDir(work.toString()).arrayTask("42[].cluster", 3).named("sweep")
                .nodes(2, 1, "node1", "node2")
                .environment(Map.of("FOO", "bar", "PBS_JOBID", "overridden-by-the-worker"))
                .walltime(Duration.ofHours(1)));

        TaskResult r = resultOf(p);
        assertEquals(0, r.exitStatus());
        assertEquals(EndReason.EXITED, r.reason());
        Map<String, String> env = readEnv(dir.resolve("out.o"));
        Path attempt = spool.resolve("42");
        assertEquals("42[3].cluster", env.get("PBS_JOBID"));
        assertEquals("sweep", env.get("PBS_JOBNAME"));
        assertEquals(dir.toString(), env.get("PBS_O_WORKDIR"));
        assertEquals("login1", env.get("PBS_O_HOST"));
        assertEquals("batch", env.get("PBS_O_QUEUE"));
        assertEquals("batch", env.get("PBS_QUEUE"));
        assertEquals(attempt.resolve("nodefile").toString(), env.get("PBS_NODEFILE"));
        assertEquals("2", env.get("PBS_NUM_NODES"));
        assertEquals("2", env.get("PBS_NUM_PPN"));
        assertEquals("4", env.get("PBS_NP"));
        assertEquals("1", env.get("PBS_TASKNUM"));
        assertEquals("0", env.get("PBS_NODENUM"));
        assertEquals("PBS_BATCH", env.get("PBS_ENVIRONMENT"));
        assertEquals(work.toString(), env.get("PBS_JOBDIR"));
        assertEquals("3", env.get("PBS_ARRAYID"));
        assertEquals("3", env.get("PBS_ARRAY_INDEX"));
        assertEquals("3600", env.get("PBS_WALLTIME"));
        assertEquals(attempt.resolve("tmp").toString(), env.get("TMPDIR"));
        assertEquals("yes", env.get("TMPDIR_EXISTS"));
        assertEquals("node1", env.get("HPC_WORKER_NODE"));
        assertEquals("bar", env.get("FOO"));
        assertEquals("/home/agent", env.get("HOME"));
        assertEquals("agent", env.get("USER"));
        assertEquals("/bin/bash", env.get("SHELL"));
        assertEquals(work.toString(), env.get("CWD"));
        assertFalse(env.containsKey("AGENT_SECRET"), "the agent's environment leaked into the task");
        assertEquals(List.of("node1", "node1", "node2", "node2"), Files.readAllLines(attempt.resolve("nodefile")));
        assertEquals("", Files.readString(dir.resolve("out.e")));
        Await.until("TMPDIR removed at the end", () -> !Files.exists(attempt.resolve("tmp")));
    }

    @Test
    void aPlainTaskHasNoArrayVariables() throws Exception {
        TaskProcess p = launch(aTask(43, "env").in(dir));
        resultOf(p);
        Map<String, String> env = readEnv(dir.resolve("out.o"));
        assertEquals("43.cluster", env.get("PBS_JOBID"));
        assertFalse(env.containsKey("PBS_ARRAYID"));
        assertFalse(env.containsKey("PBS_ARRAY_INDEX"));
        assertFalse(env.containsKey("PBS_WALLTIME"));
        assertEquals("1", env.get("PBS_NP"));
    }

    @Test
    void theNodeFileRepeatsEachNodeForItsMpiRanksOrCores() {
        assertEquals(List.of("a", "a", "a", "b", "b", "b"),
                TaskEnvironment.nodeFileLines(aTask(1, "").nodes(3, 1, "a", "b").build(), "a"));
        assertEquals(List.of("a", "a", "b", "b"),
                TaskEnvironment.nodeFileLines(aTask(1, "").nodes(8, 2, "a", "b").build(), "a"));
    }

    @Test
    void aScriptThatNamesItsInterpreterRunsUnderIt() throws Exception {
        // Found by the end-to-end tests: every script ran under bash, whatever its #! line said.
        resultOf(launch(aTask(51, "#!/usr/bin/env perl\nprint \"perl $^V\\n\";\n").in(dir)));
        assertTrue(Files.readString(dir.resolve("out.o")).startsWith("perl v5"), Files.readString(dir.resolve("out.o")));
        resultOf(launch(aTask(52, "echo \"under $(basename $(readlink /proc/$$/exe))\"\n").in(dir)));
        assertEquals("under bash", Files.readString(dir.resolve("out.o")).trim());
    }

    /** Issue 18: qsub -S names the shell, as in PBS, over the script's #! line; one missing on the node says so. */
    @Test
    void theShellOfMinusSRunsTheScript() throws Exception {
        Path wrapper = tmp.resolve("wrapper-shell");
        Files.writeString(wrapper, "#!/bin/sh\necho \"wrapped $# $2\"\nexec /bin/sh \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        resultOf(launch(aTask(55, "#!/usr/bin/env perl\necho \"ran by sh\"\n").in(dir)
                .shells("/bin/false@elsewhere," + wrapper).arguments("a1")));
        assertEquals("wrapped 2 a1\nran by sh\n", Files.readString(dir.resolve("out.o")),
                "the entry without a host, the script and its arguments; the #! line is a comment then");

        LaunchFailedException e = assertThrows(LaunchFailedException.class, () -> launcher.launch(
                aTask(56, "true").in(dir).shells("/no/such/tcsh").build()));
        assertTrue(e.getMessage().startsWith("the shell /no/such/tcsh that -S names is not an executable file on "
                + "node "), e.getMessage());
        assertTrue(readQuietly(dir.resolve("out.e")).contains("/no/such/tcsh"));
    }

    /**
     * Issue 19: an image the head should never have let through is refused here too, before any runtime sees it;
     * an image on a node without a runtime fails the launch, saying what the node lacks.
     */
    @Test
    void aJobInAnImageNeedsAWellFormedImageAndARuntimeOnTheNode() {
        LaunchFailedException bad = assertThrows(LaunchFailedException.class, () -> launcher.launch(
                aTask(57, "true").in(dir).container("--privileged").build()));
        assertTrue(bad.getMessage().contains("is not a container image"), bad.getMessage());
        LaunchFailedException none = assertThrows(LaunchFailedException.class, () -> launcher.launch(
                aTask(58, "true").in(dir).container("localhost/tools:1").build()));
        assertTrue(none.getMessage().contains("has no container runtime"), none.getMessage());
    }

    /** Issue 18: Torque's qsub -F "ARGS" reaches the script as $1, $2, ..., under bash and under its own #!. */
    @Test
    void theScriptGetsItsArguments() throws Exception {
        resultOf(launch(aTask(53, "echo \"$# [$1] [$2]\"").in(dir).arguments("input.dat", "two words")));
        assertEquals("2 [input.dat] [two words]\n", Files.readString(dir.resolve("out.o")));
        resultOf(launch(aTask(54, "#!/usr/bin/env perl\nprint scalar(@ARGV), \" $ARGV[0]\\n\";\n").in(dir)
                .arguments("-x", "y")));
        assertEquals("2 -x\n", Files.readString(dir.resolve("out.o")));
    }

    @Test
    void stdoutAndStderrGoToTheirOwnFiles() throws Exception {
        Files.writeString(dir.resolve("out.o"), "old content that must go\n");
        resultOf(launch(aTask(50, "echo out; echo err >&2").in(dir)));
        assertEquals("out\n", Files.readString(dir.resolve("out.o")));
        assertEquals("err\n", Files.readString(dir.resolve("out.e")));
    }

    @Test
    void joinStdoutStderrPutsBothInTheStdoutFile() throws Exception {
        resultOf(launch(aTask(51, "echo out; echo err >&2").in(dir).join(JoinMode.STDOUT_STDERR)));
        assertEquals("out\nerr\n", Files.readString(dir.resolve("out.o")));
        assertFalse(Files.exists(dir.resolve("out.e")));
    }

    @Test
    void joinStderrStdoutPutsBothInTheStderrFile() throws Exception {
        resultOf(launch(aTask(52, "echo out; echo err >&2").in(dir).join(JoinMode.STDERR_STDOUT)));
        assertEquals("out\nerr\n", Files.readString(dir.resolve("out.e")));
        assertFalse(Files.exists(dir.resolve("out.o")));
    }

    @Test
    void anUnwritableOutputFileFallsBackToTheSpoolAndSaysSo() throws Exception {
        String missing = tmp.resolve("no-such-dir").resolve("x.o").toString();
        resultOf(launch(aTask(53, "echo out").in(dir).output(missing, dir.resolve("x.e").toString())));
        assertEquals("out\n", Files.readString(spool.resolve("53").resolve("stdout")));
        String err = Files.readString(dir.resolve("x.e"));
        assertTrue(err.startsWith("hpc: cannot write " + missing), err);
        launcher.cleanUp(53);
        assertTrue(Files.exists(spool.resolve("53").resolve("stdout")), "fallback output must survive clean-up");
        assertFalse(Files.exists(spool.resolve("53").resolve("script")));
    }

    private static String modeOf(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static FileModes umask(int umask) {
        return new FileModes(OptionalInt.of(umask), false, false);
    }

    /** Issue 18: -W umask=077 holds for the output files the worker creates and for every file the job makes. */
    @Test
    void theJobsUmaskHoldsForItsOutputFilesAndTheFilesItCreates() throws Exception {
        resultOf(launch(aTask(63, "umask; touch made; mkdir madedir").in(dir).files(umask(077))));
        assertEquals("0077\n", Files.readString(dir.resolve("out.o")));
        assertEquals("rw-------", modeOf(dir.resolve("made")));
        assertEquals("rwx------", modeOf(dir.resolve("madedir")));
        assertEquals("rw-------", modeOf(dir.resolve("out.o")));
        assertEquals("rw-------", modeOf(dir.resolve("out.e")));

        resultOf(launch(aTask(64, "umask; touch made2").in(dir).output(dir.resolve("o2").toString(),
                dir.resolve("e2").toString()).files(umask(02))));
        assertEquals("0002\n", Files.readString(dir.resolve("o2")));
        assertEquals("rw-rw-r--", modeOf(dir.resolve("made2")));
        assertEquals("rw-rw-r--", modeOf(dir.resolve("o2")));
    }

    @Test
    void anExistingOutputFileKeepsItsModeWhateverTheUmask() throws Exception {
        Files.writeString(dir.resolve("out.o"), "old\n");
        Files.setPosixFilePermissions(dir.resolve("out.o"), PosixFilePermissions.fromString("rw-r-----"));
        resultOf(launch(aTask(65, "echo new").in(dir).files(umask(077))));
        assertEquals("new\n", Files.readString(dir.resolve("out.o")));
        assertEquals("rw-r-----", modeOf(dir.resolve("out.o")));
    }

    /** Issue 18: --open-mode=append adds to the output files, also of a second attempt; truncate empties them. */
    @Test
    void openModeAppendAddsToTheOutputFilesAndTruncateEmptiesThem() throws Exception {
        FileModes append = new FileModes(OptionalInt.empty(), true, false);
        Files.writeString(dir.resolve("out.o"), "before\n");
        resultOf(launch(aTask(66, "echo first; echo e1 >&2").in(dir).files(append)));
        resultOf(launch(aTask(67, "echo second; echo e2 >&2").in(dir).files(append)));
        assertEquals("before\nfirst\nsecond\n", Files.readString(dir.resolve("out.o")));
        assertEquals("e1\ne2\n", Files.readString(dir.resolve("out.e")));
        resultOf(launch(aTask(68, "echo third").in(dir)));
        assertEquals("third\n", Files.readString(dir.resolve("out.o")));
    }

    /**
     * Issue 18: -W sandbox=PRIVATE starts the job in a directory of its own (its PBS_JOBDIR, mode 0700), removed
     * with what the job left in it when the job ends; the output still goes where -o says.
     */
    @Test
    void aPrivateSandboxIsTheJobsOwnDirectoryAndGoesWhenTheJobEnds() throws Exception {
        FileModes sandbox = new FileModes(OptionalInt.empty(), false, true);
        TaskProcess p = launch(aTask(69, "pwd; echo \"$PBS_JOBDIR\"; echo \"$PBS_O_WORKDIR\"; "
                + "stat -c %a .; echo left > inside").in(dir).files(sandbox));
        assertEquals(0, resultOf(p).exitStatus());
        Path box = spool.resolve("69").resolve("sandbox");
        assertEquals(List.of(box.toString(), box.toString(), dir.toString(), "700"),
                Files.readAllLines(dir.resolve("out.o")));
        Await.until("the sandbox " + box + " to be removed", () -> !Files.exists(box));
        launcher.cleanUp(69);
        assertFalse(Files.exists(spool.resolve("69")), "the attempt's spool directory is removed");
    }

    @Test
    void theUmaskWordsRunTheRestOfTheCommandWithIt() {
        assertEquals(List.of(), TaskCommand.umaskCommand(FileModes.NONE));
        assertEquals(List.of("/bin/sh", "-c", "umask \"$1\" || exit 126; shift; exec \"$@\"", "hpc-umask", "0022"),
                TaskCommand.umaskCommand(umask(022)));
    }

    @Test
    void theExitStatusOfTheScriptIsReported() throws Exception {
        TaskResult r = resultOf(launch(aTask(60, "exit 3").in(dir)));
        assertEquals(60, r.attemptId());
        assertEquals("60.cluster", r.taskName());
        assertEquals(3, r.exitStatus());
        assertEquals(EndReason.EXITED, r.reason());
    }

    @Test
    void aMissingWorkDirFallsBackToTheSubmitDir() throws Exception {
        resultOf(launch(aTask(61, "pwd").in(dir).workDir(tmp.resolve("gone").toString())));
        assertEquals(dir + "\n", Files.readString(dir.resolve("out.o")));
        assertTrue(Files.readString(dir.resolve("out.e")).contains("does not exist"));
    }

    @Test
    void noWorkDirAndNoSubmitDirFailsTheLaunchWithAnExplanation() {
        LaunchFailedException e = assertThrows(LaunchFailedException.class, () -> launcher.launch(
                aTask(62, "true").in(dir).workDir(tmp.resolve("gone").toString())
                        .submitDir(tmp.resolve("gone-too").toString()).build()));
        assertTrue(e.getMessage().contains("neither the work directory"), e.getMessage());
        assertTrue(readQuietly(dir.resolve("out.e")).contains("neither the work directory"));
        TaskResult r = launcher.launchFailed(aTask(62, "true").build(), e.getMessage());
        assertEquals(EndReason.LAUNCH_FAILED, r.reason());
        assertEquals(e.getMessage(), r.detail(), "the reason goes to the head, for the task's comment");
        assertEquals(TaskLauncher.LAUNCH_FAILED_STATUS, r.exitStatus());
    }

    @Test
    void cancelKillsTheWholeTreeWithSigterm() throws Exception {
        TaskProcess p = launch(aTask(70, "sleep 1000 & sleep 1000 & wait").in(dir));
        Await.until("bash and two sleeps", () -> ProcessTree.members(p.pid()).size() >= 3);
        List<ProcessHandle> tree = List.copyOf(ProcessTree.members(p.pid()).values());

        p.kill(EndReason.CANCELLED);
        TaskResult r = resultOf(p);

        assertEquals(256 + 15, r.exitStatus());
        assertEquals(EndReason.CANCELLED, r.reason());
        assertTrue(tree.stream().noneMatch(ProcessTree::alive), "a process of the tree survived: " + tree);
        assertTrue(ProcessTree.members(p.pid()).isEmpty());
    }

    @Test
    void aTaskIgnoringSigtermGetsSigkillAfterTheGracePeriod() throws Exception {
        TaskProcess p = launch(aTask(71, "trap '' TERM; sleep 1000 & sleep 1000 & wait").in(dir));
        Await.until("bash and two sleeps", () -> ProcessTree.members(p.pid()).size() >= 3);
        List<ProcessHandle> tree = List.copyOf(ProcessTree.members(p.pid()).values());
        long before = System.nanoTime();

        p.kill(EndReason.CANCELLED);
        TaskResult r = resultOf(p);

        assertEquals(256 + 9, r.exitStatus());
        assertTrue(System.nanoTime() - before >= GRACE.toNanos(), "SIGKILL came before the grace period ended");
        assertTrue(tree.stream().noneMatch(ProcessTree::alive), "a process of the tree survived: " + tree);
    }

    @Test
    void aKillReachesDescendantsThatLeftTheSession() throws Exception {
        TaskProcess p = launch(aTask(72, "setsid sleep 1000 & echo $!; wait").in(dir));
        // the sleep can be in the tree before the script has written its pid: wait for the line itself
        Await.until("the escaped sleep's pid in the output", () -> textOf(dir.resolve("out.o")).endsWith("\n"));
        long escaped = Long.parseLong(Files.readString(dir.resolve("out.o")).trim());
        Await.until("the escaped sleep", () -> ProcessTree.members(p.pid()).size() >= 2);
        ProcessHandle sleeper = ProcessHandle.of(escaped).orElseThrow();
        // $! is known once the shell forked; setsid(2) runs in that child a moment later
        Await.until("the sleep left the session", () -> ProcessTree.stat(escaped).map(st -> st.session() != p.pid())
                .orElse(false));

        p.kill(EndReason.CANCELLED);
        resultOf(p);

        assertFalse(ProcessTree.alive(sleeper), "the process that left the session survived");
    }

    @Test
    void qsigReachesTheScriptAndADescendantThatLeftTheSessionAndTheTaskGoesOn() throws Exception {
        Path escaped = dir.resolve("escaped.txt");
        TaskProcess p = launch(aTask(75, "trap 'echo script-got-USR1' USR1\n"
                + "setsid sh -c 'trap \"echo escaped-got-USR1 >> " + escaped + "; exit 0\" USR1; echo ready >> "
                + escaped + "; while :; do sleep 0.1; done' &\n"
                + "echo started\nwhile :; do sleep 0.1; done").in(dir));
        Await.until("the script and the escaped shell started", () -> textOf(dir.resolve("out.o")).contains("started")
                && textOf(escaped).contains("ready"));
        Await.until("the escaped shell is in the task's tree", () -> ProcessTree.members(p.pid()).values().stream()
                .anyMatch(h -> ProcessTree.stat(h.pid()).map(st -> st.session() != p.pid()).orElse(false)));

        p.signal(dev.hpc.api.job.Signals.parse("SIGUSR1"));

        Await.until("the script's trap ran", () -> textOf(dir.resolve("out.o")).contains("script-got-USR1"));
        Await.until("the escaped shell's trap ran", () -> textOf(escaped).contains("escaped-got-USR1"));
        assertFalse(p.result().isDone(), "USR1 is trapped: the task goes on");
    }

    @Test
    void qmsgAppendsALineToTheFileOfTheStreamAsTheOwner() throws Exception {
        TaskProcess p = launch(aTask(76, "echo first >&2; echo out; sleep 1000").in(dir));
        Await.until("the script wrote to both files", () -> textOf(dir.resolve("out.e")).equals("first\n")
                && textOf(dir.resolve("out.o")).equals("out\n"));

        assertEquals(java.util.Optional.empty(), launcher.appendMessage(76, p.owner(),
                dev.hpc.api.job.JobOutput.Stream.STDERR, "checkpoint requested"));
        assertEquals(java.util.Optional.empty(), launcher.appendMessage(76, p.owner(),
                dev.hpc.api.job.JobOutput.Stream.STDOUT, "to stdout"));

        assertEquals("first\ncheckpoint requested\n", Files.readString(dir.resolve("out.e")));
        assertEquals("out\nto stdout\n", Files.readString(dir.resolve("out.o")));
        assertTrue(launcher.appendMessage(999, p.owner(), dev.hpc.api.job.JobOutput.Stream.STDERR, "x").orElseThrow()
                .contains("does not know where attempt 999 writes"));
    }

    /** What the file holds so far; empty while it does not exist. */
    private static String textOf(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException notYet) {
            return "";
        }
    }

    @Test
    void processesLeftBehindByAFinishedScriptAreSwept() throws Exception {
        TaskProcess p = launch(aTask(73, "sleep 1000 & echo $!; exit 0").in(dir));
        TaskResult r = resultOf(p);
        assertEquals(0, r.exitStatus());
        long left = Long.parseLong(Files.readString(dir.resolve("out.o")).trim());
        Await.until("the leftover sleep is gone",
                () -> ProcessHandle.of(left).map(h -> !ProcessTree.alive(h)).orElse(true));
    }

    @Test
    void walltimeKillsTheTaskAndSaysSo() throws Exception {
        long before = System.nanoTime();
        TaskProcess p = launch(aTask(74, "sleep 1000").in(dir).walltime(Duration.ofSeconds(1)));
        TaskResult r = resultOf(p);
        assertEquals(EndReason.WALLTIME, r.reason());
        assertEquals(256 + 15, r.exitStatus());
        assertTrue(System.nanoTime() - before >= Duration.ofSeconds(1).toNanos());
        assertTrue(ProcessTree.members(p.pid()).isEmpty());
    }

    // ---- issue 19: --signal / -l signal, sent before the walltime ends

    /** A subshell that notes which of USR1 and USR2 it got first, then ends. */
    private static String child(Path file) {
        return "( trap 'echo child-got-USR1 >> " + file + "; exit 0' USR1; trap 'echo child-got-USR2 >> " + file
                + "; exit 0' USR2; echo ready >> " + file + "; while :; do sleep 0.1; done ) &\nchild=$!\n";
    }

    @Test
    void theSignalReachesEveryProcessOfTheTreeBeforeTheWalltimeAndTheScriptEndsByItself() throws Exception {
        Path childFile = dir.resolve("child.txt");
        TaskProcess p = launch(aTask(90, child(childFile)
                + "trap 'echo shell-got-USR1; wait $child; exit 0' USR1\n"
                + "while :; do sleep 0.1; done").in(dir)
                .walltime(Duration.ofHours(1)).signalBeforeWalltime("USR1@3598"));

        TaskResult r = resultOf(p);

        assertEquals(EndReason.EXITED, r.reason(), "the trap ended the script before the walltime");
        assertEquals(0, r.exitStatus());
        assertEquals("shell-got-USR1\n", textOf(dir.resolve("out.o")));
        assertEquals("ready\nchild-got-USR1\n", textOf(childFile));
    }

    @Test
    void withBOnlyTheBatchShellGetsTheSignal() throws Exception {
        Path childFile = dir.resolve("child.txt");
        // the shell's trap sends the child USR2; a child that had got USR1 too would run that trap first
        TaskProcess p = launch(aTask(91, child(childFile)
                + "trap 'echo shell-got-USR1; kill -USR2 $child; wait $child; exit 0' USR1\n"
                + "while :; do sleep 0.1; done").in(dir)
                .walltime(Duration.ofHours(1)).signalBeforeWalltime("B:USR1@3598"));

        TaskResult r = resultOf(p);

        assertEquals(EndReason.EXITED, r.reason());
        assertEquals(0, r.exitStatus());
        assertEquals("shell-got-USR1\n", textOf(dir.resolve("out.o")));
        assertEquals("ready\nchild-got-USR2\n", textOf(childFile));
    }

    @Test
    void aLeadAsLongAsTheWalltimeSendsTheSignalAtTheStart() throws Exception {
        TaskProcess p = launch(aTask(92, "sleep 1000").in(dir)
                .walltime(Duration.ofSeconds(600)).signalBeforeWalltime("USR2@600"));

        TaskResult r = resultOf(p);

        assertEquals(EndReason.EXITED, r.reason(), "USR2 (not trapped) ended the script, not the walltime");
        assertEquals(128 + 12, r.exitStatus());
    }

    @Test
    void theFirstKillReasonWins() throws Exception {
        TaskProcess p = launch(aTask(75, "sleep 1000").in(dir));
        p.kill(EndReason.WALLTIME);
        p.kill(EndReason.CANCELLED);
        assertEquals(EndReason.WALLTIME, resultOf(p).reason());
    }

    // ---- issue 18: -l vmem/pvmem, cput/pcput and file as per-process limits

    private static final long MIB = 1024 * 1024;

    @Test
    void theScriptAndItsChildrenRunUnderTheJobsProcessLimits() throws Exception {
        TaskProcess p = launch(aTask(80, "grep -E '^Max (cpu time|file size|address space)' /proc/$$/limits\n"
                + "sh -c 'grep -E \"^Max (cpu time|file size|address space)\" /proc/$$/limits'\n").in(dir)
                .limits(new ProcessLimits(1024 * MIB, 30, MIB)));
        TaskResult r = resultOf(p);
        assertEquals(0, r.exitStatus(), () -> readQuietly(dir.resolve("out.e")));
        assertEquals("", r.detail());
        List<String> lines = Files.readAllLines(dir.resolve("out.o")).stream()
                .map(l -> l.replaceAll("\\s+", " ").strip()).toList();
        List<String> expected = List.of("Max cpu time 30 31 seconds", "Max file size 1048576 1048576 bytes",
                "Max address space 1073741824 1073741824 bytes");
        assertEquals(expected, lines.subList(0, 3), "the script's own shell");
        assertEquals(expected, lines.subList(3, 6), "a process the script started");
    }

    @Test
    void writingPastTheFileSizeLimitEndsWithSigxfszAndSaysWhy() throws Exception {
        Path big = dir.resolve("big");
        TaskProcess p = launch(aTask(81, "head -c 1000000 /dev/zero > " + big + "\n").in(dir)
                .limits(new ProcessLimits(0, 0, 64 * 1024)));
        TaskResult r = resultOf(p);
        assertEquals(128 + 25, r.exitStatus(), () -> readQuietly(dir.resolve("out.e")));
        assertEquals(EndReason.EXITED, r.reason());
        assertEquals(64 * 1024, Files.size(big), "the file stops at the limit");
        assertTrue(r.detail().contains("SIGXFSZ") && r.detail().contains("64kb"), r.detail());
    }

    @Test
    void aScriptPastItsCpuTimeEndsWithSigxcpuAndSaysWhy() throws Exception {
        TaskProcess p = launch(aTask(82, "while :; do :; done\n").in(dir).limits(new ProcessLimits(0, 1, 0)));
        TaskResult r = resultOf(p);
        assertEquals(128 + 24, r.exitStatus());
        assertEquals(EndReason.EXITED, r.reason(), "the kernel ended it, not the agent");
        assertTrue(r.detail().contains("SIGXCPU") && r.detail().contains("00:00:01"), r.detail());
    }

    @Test
    void anAllocationPastTheAddressSpaceLimitFails() throws Exception {
        // dd allocates its whole block before reading: 64 MiB under a 32 MiB address space cannot be had
        TaskProcess p = launch(aTask(83, "dd if=/dev/zero of=/dev/null bs=64M count=1\n").in(dir)
                .limits(new ProcessLimits(32 * MIB, 0, 0)));
        TaskResult r = resultOf(p);
        assertEquals(1, r.exitStatus());
        assertTrue(readQuietly(dir.resolve("out.e")).contains("memory exhausted"), readQuietly(dir.resolve("out.e")));
        assertEquals("", r.detail(), "a failed allocation has no status of its own to name");
    }

    @Test
    void theStatusOfALimitIsNamedOnlyWhenTheJobHadThatLimit() {
        assertEquals("", TaskProcess.limitNote(152, ProcessLimits.NONE));
        assertEquals("", TaskProcess.limitNote(153, new ProcessLimits(0, 60, 0)));
        assertEquals("", TaskProcess.limitNote(1, new ProcessLimits(MIB, 60, MIB)));
        assertTrue(TaskProcess.limitNote(152, new ProcessLimits(0, 5400, 0)).contains("01:30:00"));
    }

    @Test
    void theLimitsAreGivenInBytesAndSecondsAndAMissingPrlimitFailsTheLaunchSayingWhatToDo() {
        Optional<Path> prlimit = Optional.of(Path.of("/usr/bin/prlimit"));
        assertEquals(List.of(), TaskCommand.limitCommand(ProcessLimits.NONE, prlimit));
        assertEquals(List.of("/usr/bin/prlimit", "--as=1048576", "--cpu=60:61", "--fsize=2048", "--"),
                TaskCommand.limitCommand(new ProcessLimits(MIB, 60, 2048), prlimit));
        assertEquals(List.of("/usr/bin/prlimit", "--cpu=5:6", "--"),
                TaskCommand.limitCommand(new ProcessLimits(0, 5, 0), prlimit));
        LaunchFailedException e = assertThrows(LaunchFailedException.class,
                () -> TaskCommand.limitCommand(new ProcessLimits(MIB, 0, 0), Optional.empty()));
        assertTrue(e.getMessage().contains("install util-linux"), e.getMessage());
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}
