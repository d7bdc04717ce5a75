package dev.hpc.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bin/qsub and bin/qstat through the user's command server, as a tool that calls them once per job
 * does: the first call starts the server and waits for it (in a JVM of its own when it does not come up within
 * 3 s), the next ones are answered by it. That
 * they are is shown by a {@code JAVA_HOME} with no java in it: a call that started its own JVM would
 * fail. The server is stopped at the end; every other test runs the launchers with HPC_NO_SERVER=1.
 */
class CommandServerIT {
    @TempDir
    static Path clusterHome;

    static RealCluster cluster;

    @TempDir
    Path home;

    @TempDir
    Path work;

    @BeforeAll
    static void startCluster() {
        cluster = RealCluster.start(clusterHome, 1, 2);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private record Ran(int exit, String out, String err) {
        String describe() {
            return "exit " + exit + ", stdout [" + out + "], stderr [" + err + "]";
        }
    }

    /** {@code cd work && [stdin |] bin/COMMAND ARGS} with this test's HOME, so its server state is the test's. */
    private Ran run(Optional<String> javaHome, Optional<String> stdin, String command, String... args) throws Exception {
        return run(Map.of(), javaHome, stdin, command, args);
    }

    /** As {@link #run(Optional, Optional, String, String...)}, with {@code extraEnv} added to the environment. */
    private Ran run(Map<String, String> extraEnv, Optional<String> javaHome, Optional<String> stdin, String command,
                    String... args) throws Exception {
        return run(cluster.hpcHome().resolve("bin"), extraEnv, javaHome, stdin, command, args);
    }

    /** As {@link #run(Map, Optional, Optional, String, String...)}, with the command from {@code bin}. */
    private Ran run(Path bin, Map<String, String> extraEnv, Optional<String> javaHome, Optional<String> stdin,
                    String command, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(bin.resolve(command).toString()));
        cmd.addAll(List.of(args));
        Path in = Files.writeString(Files.createTempFile(work, "stdin", ""), stdin.orElse(""));
        Path out = Files.createTempFile(work, "out", "");
        Path err = Files.createTempFile(work, "err", "");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectInput(in.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("HPC_"));
        env.put("HOME", home.toString());
        env.put("HPC_CONFIG", cluster.config().toString());
        env.put("HPC_TOKEN_FILE", cluster.tokenFile().toString());
        javaHome.ifPresentOrElse(j -> env.put("JAVA_HOME", j), () -> env.remove("JAVA_HOME"));
        env.putAll(extraEnv);
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not end within 90 s");
        }
        return new Ran(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void perJobCommandsAreAnsweredByTheUsersServerOnceItRuns() throws Exception {
        Path stateDir = home.resolve(".hpc").resolve("command-server");
        Optional<Long> serverPid = Optional.empty();
        try {
            Ran first = run(Optional.empty(), Optional.empty(), "qstat");
            assertEquals(0, first.exit(), "the first call starts the server and is answered: " + first.describe());
            Poll.until("the command server wrote its state", Duration.ofSeconds(60), () -> stateFile(stateDir).isPresent());
            Path state = stateFile(stateDir).orElseThrow();
            serverPid = serverPidIn(state);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));

            Optional<String> noJava = Optional.of(work.resolve("no-java-here").toString());
            // the server listens before it writes its state: from here a call that found no server would fail
            Poll.until("the command server answers", Duration.ofSeconds(60),
                    () -> runQuietly(noJava, "qstat").exit() == 0);
            Ran submitted = run(noJava, Optional.of("#PBS -N served\necho \"from $PBS_O_WORKDIR\"\n"), "qsub");
            assertEquals(0, submitted.exit(), "qsub answered by the server: " + submitted.describe());
            String id = submitted.out().strip();
            Poll.until("job " + id + " finished", Duration.ofSeconds(60),
                    () -> cluster.job(id).state().isTerminal());
            long n = cluster.job(id).id().number();
            assertEquals("from " + work + "\n", Files.readString(work.resolve("served.o" + n)),
                    "the script came from the caller's stdin and ran in the caller's directory");

            // issue 19 item 2: a blocking qsub is submitted by the server, which prints the id; the wait runs in a
            // JVM of the launcher's own (a java that logs its arguments shows which), and exits with the job's status
            Path javaStarts = work.resolve("java-starts");
            Path loggingJavaHome = javaHomeLoggingTo(javaStarts);
            Path four = Files.writeString(work.resolve("four.sh"), "#!/bin/sh\nexit 4\n");
            Ran blocked = run(Optional.of(loggingJavaHome.toString()), Optional.empty(), "qsub", "-W", "block=true",
                    four.toString());
            assertEquals(4, blocked.exit(), "qsub -W block=true through the server: " + blocked.describe());
            String blockedId = blocked.out().strip();
            assertEquals(blockedId + "\n", blocked.out(), blocked.describe());
            assertTrue(cluster.job(blockedId).state().isTerminal());
            List<String> starts = Files.readAllLines(javaStarts);
            assertEquals(1, starts.size(), "one JVM, the wait's: " + starts);
            assertTrue(starts.get(0).contains(" qsub --block-on " + blockedId) && !starts.get(0).contains("block=true"),
                    "the server submitted, the launcher's JVM waited: " + starts);

            // issue 19 item 1: qsub -I runs whole in a JVM of the launcher's own, with the caller's standard input
            Ran interactive = run(Optional.of(loggingJavaHome.toString()), Optional.of("echo \"served-$((2*3))\"\n"
                    + "exit 5\n"), "qsub", "-I");
            assertEquals(5, interactive.exit(), "qsub -I through the server: " + interactive.describe());
            assertEquals("served-6\n", interactive.out(), interactive.describe());
            List<String> afterInteractive = Files.readAllLines(javaStarts);
            assertEquals(2, afterInteractive.size(), "one more JVM, the session's: " + afterInteractive);
            assertTrue(afterInteractive.get(1).endsWith(" qsub -I"), afterInteractive.toString());

            Ran shown = run(noJava, Optional.empty(), "qstat", id);
            assertEquals(0, shown.exit(), shown.describe());
            assertTrue(shown.out().contains(id.substring(0, id.indexOf('.'))) && shown.out().contains("served"),
                    shown.out());
            // an output longer than 64 KiB is copied by cat, not read by bash byte by byte
            List<String> held = new ArrayList<>();
            for (int i = 0; i < 160; i++) {
                held.add(cluster.client().submit(new dev.hpc.api.pbs.SubmitRequest("#!/bin/sh\ntrue\n",
                        List.of("-h", "-N", "held-" + i), "", "it", work.toString(), Map.of())).id().toString());
            }
            Ran full = run(noJava, Optional.empty(), "qstat", "-f");
            assertEquals(0, full.exit(), full.err());
            assertTrue(full.out().length() > 65_536, "long enough to be copied: " + full.out().length());
            for (String h : held) {
                assertTrue(full.out().contains("Job Id: " + h + "\n"), h + " is in qstat -f");
            }
            assertTrue(full.out().endsWith("\n"), "complete to its last line");
            Ran deleted = run(noJava, Optional.empty(), "qdel", held.toArray(String[]::new));
            assertEquals(0, deleted.exit(), deleted.describe());

            Ran unknown = run(noJava, Optional.empty(), "qstat", "999999");
            assertEquals(153, unknown.exit(), "PBS's exit code for an unknown job: " + unknown.describe());
            assertEquals("qstat: Unknown Job Id 999999\n", unknown.err());

            // a server killed outright leaves its state file and socket: the next call finds nobody behind the
            // socket and starts a server, which binds the same path afresh
            long killed = serverPid.get();
            Path socket = Path.of(Files.readString(state).strip().split(" ", 2)[1]);
            ProcessHandle.of(killed).ifPresent(h -> {
                h.destroyForcibly();
                h.onExit().orTimeout(30, TimeUnit.SECONDS).join();
            });
            assertTrue(Files.exists(state) && Files.exists(socket), "SIGKILL leaves the state file and socket behind");
            Ran afterKill = run(Optional.empty(), Optional.empty(), "qstat", id);
            assertEquals(0, afterKill.exit(), "a dead server's next call is answered: " + afterKill.describe());
            assertTrue(afterKill.out().contains("served"), afterKill.out());
            Poll.until("a new command server wrote its state", Duration.ofSeconds(60),
                    () -> serverPidIn(state).filter(p -> p != killed).isPresent());
            serverPid = serverPidIn(state);
            Poll.until("the new command server answers", Duration.ofSeconds(60),
                    () -> runQuietly(noJava, "qstat").exit() == 0);
            assertEquals(Optional.of(socket.toString()), socketIn(state), "the same socket path, bound anew");
        } finally {
            // also a server that started before a failed assertion read its pid
            List<Long> servers = new ArrayList<>();
            serverPid.ifPresent(servers::add);
            stateFile(stateDir).flatMap(CommandServerIT::serverPidIn).ifPresent(servers::add);
            for (long pid : servers) {
                ProcessHandle.of(pid).filter(h -> h.info().commandLine().orElse("").contains("CommandServer"))
                        .ifPresent(CommandServerIT::stop);
            }
        }
    }

    /**
     * Issue 21: where the build found a C compiler, bin/hpc reaches the server through the C client in place of the
     * Perl one. Both must give the same answers: an id from a script on standard input, a job's line, PBS's exit
     * code and message for an unknown job, and an output longer than the client's buffer whole.
     */
    @Test
    void theCClientAndThePerlClientGiveTheSameAnswers() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(cluster.hpcHome().resolve("cli")
                .resolve("target").resolve("hpc-cmd")), "skipped: the build found no C compiler, so there is no C client");
        Path stateDir = home.resolve(".hpc").resolve("command-server");
        try {
            assertEquals(0, run(Optional.empty(), Optional.empty(), "qstat").exit());
            Optional<String> noJava = Optional.of(work.resolve("no-java-here").toString());
            Poll.until("the command server answers", Duration.ofSeconds(60),
                    () -> runQuietly(noJava, "qstat").exit() == 0);
            List<String> held = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                held.add(cluster.client().submit(new dev.hpc.api.pbs.SubmitRequest("#!/bin/sh\ntrue\n",
                        List.of("-h", "-N", "both-" + i), "", "it", work.toString(), Map.of())).id().toString());
            }
            Map<String, Map<String, String>> clients = Map.of("C", Map.of(), "Perl", Map.of("HPC_PERL_CLIENT", "1"));
            Map<String, List<String>> answers = new java.util.TreeMap<>();
            for (Map.Entry<String, Map<String, String>> client : clients.entrySet()) {
                Map<String, String> env = client.getValue();
                Ran submitted = run(env, noJava, Optional.of("#PBS -h\n#PBS -N by-" + client.getKey() + "\ntrue\n"),
                        "qsub");
                assertEquals(0, submitted.exit(), client.getKey() + ": " + submitted.describe());
                String id = submitted.out().strip();
                held.add(id);
                Ran shown = run(env, noJava, Optional.empty(), "qstat", id);
                assertTrue(shown.exit() == 0 && shown.out().contains("by-" + client.getKey()),
                        client.getKey() + ": " + shown.describe());
                Ran unknown = run(env, noJava, Optional.empty(), "qstat", "999999");
                Ran line = run(env, noJava, Optional.empty(), "qstat", held.get(0));
                Ran all = run(env, noJava, Optional.empty(), "qselect", "-N", "both-7");
                answers.put(client.getKey(), List.of(unknown.exit() + " " + unknown.err(), line.exit() + " " + line.out(),
                        all.exit() + " " + all.out()));
                Ran listing = run(env, noJava, Optional.empty(), "qstat", "-f");
                assertTrue(listing.exit() == 0 && listing.out().length() > 65_536 && listing.out().endsWith("\n")
                        && listing.out().contains("Job Id: " + held.get(119) + "\n"),
                        client.getKey() + ": qstat -f of " + held.size() + " jobs, " + listing.out().length() + " chars");
            }
            assertEquals(answers.get("Perl"), answers.get("C"));
            assertTrue(answers.get("C").get(0).startsWith("153 qstat: Unknown Job Id 999999"), answers.toString());
            assertEquals(0, run(noJava, Optional.empty(), "qdel", held.toArray(String[]::new)).exit());
        } finally {
            stopServerOf(stateDir);
        }
    }

    /**
     * Issue 21: {@code cli/target/bin/qstat} and the other per-job commands there are the C client itself, making
     * bin/hpc's checks, so that a call from the {@code PATH} starts one program. It reaches the server (a
     * {@code JAVA_HOME} without java shows that no JVM ran), in the caller's directory, with PBS's exit codes and a
     * blocking qsub's wait in a JVM of its own; and whatever it does not take goes to bin/hpc: the first call, and
     * every call with {@code HPC_NO_SERVER=1}.
     */
    @Test
    void theCommandsOnThePathAreTheCClientAndGoToBinHpcForWhatTheyDoNotTake() throws Exception {
        Path direct = cluster.hpcHome().resolve("cli").resolve("target").resolve("bin");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(direct.resolve("qstat")),
                "skipped: the build found no C compiler, so there is no C client");
        Path stateDir = home.resolve(".hpc").resolve("command-server");
        Optional<String> noJava = Optional.of(work.resolve("no-java-here").toString());
        try {
            Ran first = run(direct, Map.of(), Optional.empty(), Optional.empty(), "qstat");
            assertEquals(0, first.exit(), "the first call goes to bin/hpc, which starts the server: " + first.describe());
            Poll.until("the command server answers the C client", Duration.ofSeconds(60),
                    () -> runQuietly(direct, noJava, "qstat").exit() == 0);
            Ran submitted = run(direct, Map.of(), noJava, Optional.of("#PBS -N on-path\necho \"from $PBS_O_WORKDIR\"\n"),
                    "qsub");
            assertEquals(0, submitted.exit(), submitted.describe());
            String id = submitted.out().strip();
            Poll.until("job " + id + " finished", Duration.ofSeconds(60), () -> cluster.job(id).state().isTerminal());
            assertEquals("from " + work + "\n", Files.readString(work.resolve("on-path.o" + cluster.job(id).id().number())),
                    "the script came from the caller's stdin and ran in the caller's directory");
            Ran unknown = run(direct, Map.of(), noJava, Optional.empty(), "qstat", "999999");
            assertEquals(153, unknown.exit(), unknown.describe());
            assertEquals("qstat: Unknown Job Id 999999\n", unknown.err());
            Ran notServed = run(direct, Map.of("HPC_NO_SERVER", "1"), noJava, Optional.empty(), "qstat", id);
            assertTrue(notServed.exit() != 0 && notServed.err().contains("no-java-here"),
                    "with HPC_NO_SERVER=1 bin/hpc runs the call in a JVM, here one that is not there: "
                            + notServed.describe());

            Path javaStarts = work.resolve("java-starts");
            Path loggingJavaHome = javaHomeLoggingTo(javaStarts);
            Path four = Files.writeString(work.resolve("four.sh"), "#!/bin/sh\nexit 4\n");
            Ran blocked = run(direct, Map.of(), Optional.of(loggingJavaHome.toString()), Optional.empty(), "qsub",
                    "-W", "block=true", four.toString());
            assertEquals(4, blocked.exit(), "qsub -W block=true from the PATH: " + blocked.describe());
            List<String> starts = Files.readAllLines(javaStarts);
            assertEquals(1, starts.size(), "one JVM, the wait's: " + starts);
            assertTrue(starts.get(0).contains(" qsub --block-on " + blocked.out().strip()), starts.toString());

            // a copy elsewhere would take another directory for the installation, and run its bin/hpc
            Path copies = Files.createDirectories(work.resolve("copied"));
            Files.copy(direct.resolve("qstat"), copies.resolve("qstat"));
            Ran copied = run(copies, Map.of(), noJava, Optional.empty(), "qstat");
            assertEquals(127, copied.exit(), copied.describe());
            assertTrue(copied.err().contains("put that cli/target/bin on your PATH"), copied.describe());
        } finally {
            stopServerOf(stateDir);
        }
    }

    /**
     * Issue #15: the server that a caller's first call starts keeps none of the caller's descriptors. Here
     * the caller's standard output and its descriptor 7 are one pipe, as in {@code tool 7>&1 | cat}
     * (a lock held on a descriptor, make's job server and a CI runner's output pipe are other cases):
     * its reader sees the end as soon as the call ends. Before the fix the server, which stays up to ten
     * idle minutes, held descriptor 7, and the reader waited for those minutes.
     */
    @Test
    void theServerAFirstCallStartsKeepsNoneOfTheCallersDescriptors() throws Exception {
        Path stateDir = home.resolve(".hpc").resolve("command-server");
        try {
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", "exec \"$0\" \"$@\" 7>&1 2>/dev/null",
                    cluster.hpcHome().resolve("bin").resolve("qstat").toString(), "-Q")
                    .directory(work.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("HPC_"));
            env.put("HOME", home.toString());
            env.put("HPC_CONFIG", cluster.config().toString());
            env.put("HPC_TOKEN_FILE", cluster.tokenFile().toString());
            Process caller = pb.start();
            java.util.concurrent.CompletableFuture<byte[]> untilTheEnd = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> {
                        try {
                            return caller.getInputStream().readAllBytes();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            assertTrue(caller.waitFor(90, TimeUnit.SECONDS), "the first qstat ends");
            assertEquals(0, caller.exitValue());
            Poll.until("the command server wrote its state", Duration.ofSeconds(60), () -> stateFile(stateDir).isPresent());
            long server = serverPidIn(stateFile(stateDir).orElseThrow()).orElseThrow();
            byte[] out;
            try {
                // the reader's end comes with the caller's, not with the server's, ten idle minutes later
                out = untilTheEnd.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("the pipe of the caller stays open after it ended; the server holds "
                        + descriptors(server));
            }
            assertFalse(new String(out, StandardCharsets.UTF_8).isBlank(), "qstat -Q printed the queues");
            List<String> fds = descriptors(server);
            for (String fd : fds) {
                assertFalse(fd.contains("pipe:") || fd.contains("/dev/pts") || fd.contains("/dev/tty"),
                        "the server holds none of the caller's pipes or terminals: " + fds);
            }
            assertTrue(fds.containsAll(List.of("0 -> /dev/null", "1 -> /dev/null", "2 -> /dev/null")), fds.toString());
            assertEquals(server, Procs.read(server).orElseThrow().session(), "the server leads its own session");
        } finally {
            stopServerOf(stateDir);
        }
    }

    /** {@code FD -> TARGET} for each open descriptor of {@code pid}. */
    private static List<String> descriptors(long pid) {
        List<String> out = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    out.add(fd.getFileName() + " -> " + Files.readSymbolicLink(fd));
                } catch (IOException closedMeanwhile) {
                    // gone
                }
            }
        } catch (IOException e) {
            out.add("(cannot list: " + e + ")");
        }
        return out;
    }

    /** Stops the command server that the state file in {@code stateDir} names, if it still runs. */
    private static void stopServerOf(Path stateDir) {
        stateFile(stateDir).flatMap(CommandServerIT::serverPidIn).flatMap(ProcessHandle::of)
                .filter(h -> h.info().commandLine().orElse("").contains("CommandServer"))
                .ifPresent(CommandServerIT::stop);
    }

    private static void stop(ProcessHandle server) {
        server.destroy();
        try {
            server.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception notYet) {
            server.destroyForcibly();
        }
    }

    /** A {@code JAVA_HOME} whose java writes each command line it starts to {@code starts}, then runs the real one. */
    private Path javaHomeLoggingTo(Path starts) throws IOException {
        Path javaHome = work.resolve("logging-java");
        Path java = Files.createDirectories(javaHome.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\necho \"$*\" >> '" + starts + "'\nexec '"
                + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        return javaHome;
    }

    private Ran runQuietly(Path bin, Optional<String> javaHome, String command) {
        try {
            return run(bin, Map.of(), javaHome, Optional.empty(), command);
        } catch (Exception e) {
            return new Ran(-1, "", e.toString());
        }
    }

    private Ran runQuietly(Optional<String> javaHome, String command) {
        try {
            return run(javaHome, Optional.empty(), command);
        } catch (Exception e) {
            return new Ran(-1, "", e.toString());
        }
    }

    /** The state file holds {@code PID SOCKET-PATH}. */
    private static Optional<Long> serverPidIn(Path state) {
        try {
            String[] f = Files.readString(state).strip().split(" ", 2);
            return f.length == 2 ? Optional.of(Long.parseLong(f[0])) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> socketIn(Path state) {
        try {
            String[] f = Files.readString(state).strip().split(" ", 2);
            return f.length == 2 ? Optional.of(f[1]) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> stateFile(Path dir) {
        try (var files = Files.list(dir)) {
            return files.filter(f -> Files.isRegularFile(f) && !f.getFileName().toString().endsWith(".lock")
                    && !f.getFileName().toString().endsWith(".log") && !f.getFileName().toString().contains(".tmp"))
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
