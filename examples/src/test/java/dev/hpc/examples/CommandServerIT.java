package dev.hpc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/qsub and bin/qstat through the user's command server, as a tool that calls them once per job
 * does: the first call starts the server in the background, the next ones are answered by it. That
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
        List<String> cmd = new ArrayList<>(List.of(cluster.hpcHome().resolve("bin").resolve(command).toString()));
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
            assertEquals(0, first.exit(), "the first call runs in its own JVM: " + first.describe());
            Poll.until("the command server wrote its state", Duration.ofSeconds(60), () -> stateFile(stateDir).isPresent());
            Path state = stateFile(stateDir).orElseThrow();
            serverPid = serverPidIn(state);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));

            Optional<String> noJava = Optional.of(work.resolve("no-java-here").toString());
            // the state file is written before the server listens; a call before it answers would find no java
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

            Ran shown = run(noJava, Optional.empty(), "qstat", id);
            assertEquals(0, shown.exit(), shown.describe());
            assertTrue(shown.out().contains(id.substring(0, id.indexOf('.'))) && shown.out().contains("served"),
                    shown.out());
            // an output longer than 64 KiB is copied by cat, not read by bash byte by byte
            List<String> held = new ArrayList<>();
            for (int i = 0; i < 160; i++) {
                held.add(cluster.client().submit(new dev.hpc.api.SubmitRequest("#!/bin/sh\ntrue\n",
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

            // a server killed outright leaves its state file: the next call runs in its own JVM and starts another
            long killed = serverPid.get();
            ProcessHandle.of(killed).ifPresent(h -> {
                h.destroyForcibly();
                h.onExit().orTimeout(30, TimeUnit.SECONDS).join();
            });
            assertTrue(Files.exists(state), "SIGKILL leaves the state file behind");
            // whatever took the dead server's port is sent nothing, even when it shows the proof it was once shown
            String[] left = Files.readString(state).strip().split(" ");
            Ran afterKill;
            long heard;
            try (ServerSocket impostor = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
                Files.writeString(state, impostor.getLocalPort() + " " + left[1] + " " + killed + " " + left[3] + "\n");
                CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> listen(impostor, left[3]));
                afterKill = run(Optional.empty(), Optional.empty(), "qstat", id);
                impostor.close();
                heard = received.get(30, TimeUnit.SECONDS);
            }
            assertEquals(0, heard, "bytes sent to the program on a dead server's port");
            assertEquals(0, afterKill.exit(), "a dead server's call runs in its own JVM: " + afterKill.describe());
            assertTrue(afterKill.out().contains("served"), afterKill.out());
            Poll.until("a new command server wrote its state", Duration.ofSeconds(60),
                    () -> serverPidIn(state).filter(p -> p != killed).isPresent());
            serverPid = serverPidIn(state);
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

    /** Every byte the callers send to {@code impostor}, which greets them as the dead server did. */
    private static long listen(ServerSocket impostor, String proof) {
        long total = 0;
        while (true) {
            try (Socket caller = impostor.accept()) {
                caller.setSoTimeout(15_000);
                caller.getOutputStream().write(("HPC-CMD-1 " + proof + "\n").getBytes(StandardCharsets.US_ASCII));
                caller.getOutputStream().flush();
                byte[] buffer = new byte[4096];
                for (int n; (n = caller.getInputStream().read(buffer)) > 0; ) {
                    total += n; // counted as it comes: a caller that waits for an answer sends no end
                }
            } catch (IOException closedOrGone) {
                if (impostor.isClosed()) {
                    return total;
                }
            }
        }
    }

    private static void stop(ProcessHandle server) {
        server.destroy();
        try {
            server.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception notYet) {
            server.destroyForcibly();
        }
    }

    private Ran runQuietly(Optional<String> javaHome, String command) {
        try {
            return run(javaHome, Optional.empty(), command);
        } catch (Exception e) {
            return new Ran(-1, "", e.toString());
        }
    }

    private static Optional<Long> serverPidIn(Path state) {
        try {
            String[] f = Files.readString(state).strip().split(" ");
            return f.length == 4 ? Optional.of(Long.parseLong(f[2])) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> stateFile(Path dir) {
        try (var files = Files.list(dir)) {
            return files.filter(f -> !f.getFileName().toString().endsWith(".lock")
                    && !f.getFileName().toString().contains(".tmp")).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
