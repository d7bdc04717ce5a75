package dev.hpc.worker;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage.Spawn;
import dev.hpc.api.wire.WireMessage.SpawnExited;
import dev.hpc.api.wire.WireMessage.SpawnOutput;
import dev.hpc.api.wire.WireMessage.TaskResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Regression for issue #15, "any user runs code as root on a worker that runs as root": a job's variables
 * ({@code qsub -v}, the REST map, an {@code hpc-rsh}/{@code hpc dsh} spawn) were the environment of the
 * {@code setsid} and {@code setpriv} the root agent starts before the switch to the owner, and the dynamic
 * loader ran the user's library there as uid 0.
 *
 * <p>Plays the attacker for real: an unprivileged user ({@code hpctesta}, created with {@code useradd} when
 * missing) submits a task and a spawn to a launcher running as root, each with every variable below set
 * to a probe of the test's making: a preload library, a library path holding look-alikes of the libraries
 * {@code setsid}, {@code setpriv}, {@code sh} and {@code bash} need, an audit library and a gconv module
 * (all compiled here with {@code cc}, each appending {@code TAG PROGRAM EUID} to a marker file from its
 * constructor), {@code BASH_ENV} and {@code ENV} files, a {@code PATH} whose first directory holds fake
 * {@code setsid}, {@code setpriv}, {@code sh}, {@code bash} and {@code usr} that record who ran them,
 * {@code IFS=/}, and {@code SHELLOPTS=xtrace} with a {@code PS4} that runs a command. It checks what
 * actually ran, with which uid, from the marker file: never uid 0; and that the owner's task and spawn
 * did get every variable and did run the probes as the owner, as a PBS user who sets them expects.
 *
 * <p>Needs root, {@code useradd}, {@code setpriv} and {@code cc}; skipped with the reason otherwise.
 */
class JobEnvironmentAttackTest {
    private static final String A = "hpctesta";
    private static final Duration GRACE = Duration.ofMillis(500);
    private static final AtomicLong ATTEMPTS = new AtomicLong(15_000);
    /** {@code TAG PROGRAM EUID}, as the probes write them. */
    private static final Pattern MARK = Pattern.compile("(\\S+) (\\S+) (-?\\d+)");
    /** The programs the agent starts before the switch, whose libraries the library-path probe imitates. */
    private static final List<String> ROOT_SIDE = List.of("/usr/bin/setsid", "/usr/bin/setpriv", "/bin/sh",
            "/bin/bash");

    @TempDir
    Path tmp;
    private Path spool;
    private Path homeA;
    private long uidA;
    private Path marker;
    private Map<String, String> attack;
    private Path probeScript;
    private TaskLauncher launcher;
    private final List<TaskProcess> started = new ArrayList<>();

    @BeforeAll
    static void users() throws Exception {
        assumeTrue(RunAs.processUid() == 0, "the attack on a worker running as root needs the tests to run as "
                + "root; they run as uid " + RunAs.processUid());
        assumeTrue(RunAs.SETPRIV.isPresent(), "no setpriv (util-linux) on this machine");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/cc")), "no C compiler (/usr/bin/cc) to build the probe "
                + "libraries: apt-get install gcc");
        if (run("getent", "passwd", A) != 0) {
            assumeTrue(Files.isExecutable(Path.of("/usr/sbin/useradd")), "no useradd (package passwd) to create " + A);
            assertEquals(0, run("/usr/sbin/useradd", "--create-home", "--shell", "/bin/bash", A), "useradd " + A);
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command));
        return p.exitValue();
    }

    private static String output(List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + ": " + out);
        return out;
    }

    @BeforeEach
    void setUp() throws Exception {
        // everything the owner's processes must reach sits under tmp, which others may enter but not list
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        spool = tmp.resolve("spool");
        SpoolDir.prepare(spool, 0);
        TaskOwner owner = new OwnerDirectory(Clock.systemUTC()).find(A).orElseThrow();
        homeA = Path.of(owner.home());
        uidA = owner.uid();
        marker = tmp.resolve("marker");
        Files.writeString(marker, "");
        Files.setPosixFilePermissions(marker, PosixFilePermissions.fromString("rw-rw-rw-"));
        attack = buildProbes(tmp.resolve("probes"));
        launcher = new TaskLauncher(spool, "n1", GRACE, System.getenv(), Clock.systemUTC(),
                RunAs.forThisProcess("n1", false, new OwnerDirectory(Clock.systemUTC())));
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            for (TaskProcess p : started) {
                p.kill(EndReason.CANCELLED);
                try {
                    p.result().get(20, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    ProcessTree.signalGroup(p.pid(), "KILL");
                }
            }
        } finally {
            launcher.close();
        }
    }

    /**
     * Compiles the probes into {@code dir} and returns the job environment that points at them. Each
     * probe appends {@code TAG PROGRAM EUID} to the marker file.
     */
    private Map<String, String> buildProbes(Path dir) throws Exception {
        Path lib = dir.resolve("lib");
        Path gconv = dir.resolve("gconv");
        Path fakeBin = dir.resolve("bin");
        for (Path d : List.of(dir, lib, gconv, fakeBin)) {
            Files.createDirectories(d);
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path source = dir.resolve("probe.c");
        Files.writeString(source, """
                #include <fcntl.h>
                #include <stdio.h>
                #include <unistd.h>
                __attribute__((constructor)) static void probe(void) {
                    char comm[64] = "?";
                    int c = open("/proc/self/comm", O_RDONLY);
                    if (c >= 0) {
                        ssize_t n = read(c, comm, sizeof comm - 1);
                        if (n > 0) comm[n - 1] = 0;
                        close(c);
                    }
                    char line[160];
                    int len = snprintf(line, sizeof line, "%s %s %d\\n", TAG, comm, (int) geteuid());
                    int fd = open(MARKER, O_WRONLY | O_APPEND);
                    if (fd >= 0) {
                        write(fd, line, len);
                        close(fd);
                    }
                }
                /* makes the library an auditor for LD_AUDIT; unused as a preload */
                unsigned int la_version(unsigned int version) { return version; }
                """);
        Path preload = dir.resolve("preload.so");
        Path audit = dir.resolve("audit.so");
        compile(source, "preload", preload);
        compile(source, "audit", audit);
        compile(source, "gconv", gconv.resolve("PROBE.so"));
        Files.writeString(gconv.resolve("gconv-modules"),
                "module\tPROBE//\tINTERNAL\tPROBE\t1\nmodule\tINTERNAL\tPROBE//\tPROBE\t1\n");
        // a look-alike of each library (but libc) the programs load: a filter of the real one, so that the
        // program still runs, with the probe's constructor
        for (Map.Entry<String, String> needed : librariesOf(ROOT_SIDE).entrySet()) {
            compile(source, "libpath", lib.resolve(needed.getKey()), "-Wl,-soname," + needed.getKey(),
                    "-Wl,--filter=" + needed.getValue());
        }
        for (String name : List.of("setsid", "setpriv", "sh", "bash", "usr")) {
            String real = name.equals("usr") ? "/bin/true" : Files.isExecutable(Path.of("/usr/bin", name))
                    ? "/usr/bin/" + name : "/bin/" + name;
            Path fake = fakeBin.resolve(name);
            Files.writeString(fake, "#!/bin/sh\necho \"path-" + name + " " + name + " $(/usr/bin/id -u)\" >>" + marker
                    + "\nexec " + real + " \"$@\"\n");
            Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path bashEnv = dir.resolve("bash-env");
        Files.writeString(bashEnv, "echo \"bash-env bash $(/usr/bin/id -u)\" >>" + marker + "\n");
        Path shEnv = dir.resolve("sh-env");
        Files.writeString(shEnv, "echo \"env sh $(/usr/bin/id -u)\" >>" + marker + "\n");
        probeScript = dir.resolve("probe.sh");
        // what the owner's task and spawn run: show the environment they were started with, then use the
        // variables the way a program of theirs would (iconv loads gconv modules, sh -i reads ENV, a plain
        // sh or setsid goes through PATH)
        Files.writeString(probeScript, """
                /usr/bin/tr '\\0' '\\n' </proc/$$/environ
                ( /usr/bin/iconv -f PROBE -t UTF-8 </dev/null ) >/dev/null 2>&1
                /bin/sh -i -c : </dev/null >/dev/null 2>&1
                sh -c : ; setsid true ; setpriv --dump >/dev/null
                exit 0
                """);
        for (Path f : List.of(source, preload, audit, gconv.resolve("PROBE.so"), gconv.resolve("gconv-modules"), bashEnv,
                shEnv, probeScript)) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        try (var libs = Files.list(lib)) {
            for (Path f : libs.toList()) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LD_PRELOAD", preload.toString());
        env.put("LD_LIBRARY_PATH", lib.toString());
        env.put("LD_AUDIT", audit.toString());
        env.put("GCONV_PATH", gconv.toString());
        env.put("BASH_ENV", bashEnv.toString());
        env.put("ENV", shEnv.toString());
        env.put("PATH", fakeBin + ":/usr/bin:/bin");
        env.put("IFS", "/");
        env.put("SHELLOPTS", "xtrace");
        env.put("PS4", "$(echo \"ps4 bash $(/usr/bin/id -u)\" >>" + marker + ")+ ");
        return env;
    }

    private void compile(Path source, String tag, Path out, String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/cc", "-shared", "-fPIC", "-o", out.toString(),
                "-DTAG=\"" + tag + "\"", "-DMARKER=\"" + marker + "\"", source.toString()));
        command.addAll(List.of(extra));
        output(command);
    }

    /** Library name to path, for what the programs load besides libc, the loader and the vDSO (from ldd). */
    private static Map<String, String> librariesOf(List<String> programs) throws Exception {
        Map<String, String> found = new TreeMap<>();
        Pattern line = Pattern.compile("\\s*(\\S+) => (/\\S+) .*");
        for (String program : programs) {
            for (String l : output(List.of("/usr/bin/ldd", program)).split("\n")) {
                Matcher m = line.matcher(l);
                if (m.matches() && !m.group(1).startsWith("libc.so") && !m.group(1).startsWith("ld-linux")) {
                    found.put(m.group(1), m.group(2));
                }
            }
        }
        return found;
    }

    // ---- the attack, by both ways a job starts processes on a worker

    @Test
    void aTasksVariablesRunNothingAsRootAndReachTheTaskAsItsOwner() throws Exception {
        Path out = homeA.resolve("attack-" + ATTEMPTS.get() + ".o");
        Path err = homeA.resolve("attack-" + ATTEMPTS.get() + ".e");
        try {
            TaskProcess p = launcher.launch(aTask(ATTEMPTS.incrementAndGet(), Files.readString(probeScript))
                    .ownedBy(A).workDir(homeA.toString()).submitDir(homeA.toString())
                    .output(out.toString(), err.toString()).environment(attack).build());
            started.add(p);
            TaskResult r = p.result().get(60, TimeUnit.SECONDS);
            assertEquals(0, r.exitStatus(), () -> "the task failed: " + r.detail() + "; stderr: " + read(err));
            checkMarks("the task");
            checkEnvironment("the task", read(out));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void aSpawnsVariablesRunNothingAsRootAndReachTheCommandAsItsOwner() throws Exception {
        LinkedBlockingQueue<FromWorker> sent = new LinkedBlockingQueue<>();
        SpawnSupervisor spawns = new SpawnSupervisor("n1", spool, GRACE, System.getenv(), sent::add,
                RunAs.forThisProcess("n1", false, new OwnerDirectory(Clock.systemUTC())));
        try {
            // a spawned command runs under sh -c: what that shell was started with is what the caller sent
            spawns.start(new Spawn(1, ATTEMPTS.incrementAndGet(), "s-attack", List.of("/usr/bin/tr", "'\\0'", "'\\n'",
                    "</proc/$$/environ;", "/bin/bash", probeScript.toString(), ">/dev/null"), attack, homeA.toString(), A));
            StringBuilder out = new StringBuilder();
            StringBuilder err = new StringBuilder();
            SpawnExited exit = null;
            while (exit == null) {
                FromWorker m = sent.poll(60, TimeUnit.SECONDS);
                assertTrue(m != null, "no answer from the spawned command; stderr so far: " + err);
                if (m instanceof SpawnOutput o) {
                    (o.stream() == 1 ? out : err).append(new String(o.data(), StandardCharsets.UTF_8));
                } else if (m instanceof SpawnExited x) {
                    exit = x;
                }
            }
            SpawnExited ended = exit;
            assertEquals(0, ended.exitStatus(), () -> "the spawn failed: " + ended.message() + "; stderr: " + err);
            checkMarks("the spawn");
            checkEnvironment("the spawn", out.toString());
        } finally {
            spawns.killAll();
            spawns.close();
        }
    }

    /** Nothing ran as root, and the owner's programs did load and run every probe. */
    private void checkMarks(String what) throws IOException {
        List<String> lines = Files.readAllLines(marker).stream().filter(l -> !l.isBlank()).toList();
        List<String> asRoot = new ArrayList<>();
        Set<String> asOwner = new TreeSet<>();
        for (String line : lines) {
            Matcher m = MARK.matcher(line);
            assertTrue(m.matches(), "a marker line the probes do not write: '" + line + "'");
            long uid = Long.parseLong(m.group(3));
            if (uid == 0) {
                asRoot.add(line);
            } else {
                assertEquals(uidA, uid, "a probe ran as neither root nor the owner: " + line);
                asOwner.add(m.group(1));
            }
        }
        assertTrue(asRoot.isEmpty(), what + "'s variables ran code as root (TAG PROGRAM EUID): " + asRoot);
        assertEquals(new TreeSet<>(List.of("preload", "libpath", "audit", "gconv", "bash-env", "env", "ps4",
                        "path-sh", "path-setsid", "path-setpriv")), asOwner,
                what + " ran these probes as its owner; all: " + lines);
    }

    /** The owner's process was started with every variable the job set, unchanged. */
    private void checkEnvironment(String what, String environ) {
        Map<String, String> seen = new TreeMap<>();
        for (String line : environ.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                seen.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        for (Map.Entry<String, String> e : attack.entrySet()) {
            String name = e.getKey();
            assertEquals(e.getValue(), seen.get(name), () -> what + " was started without the job's " + name
                    + "; its environment: " + environ);
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
