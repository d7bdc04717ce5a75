package dev.hpc.examples;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.JobQuery;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue #15, item 8, played by a real second user ({@value #ATTACKER}) against the command server of
 * root, which holds root's token and would act with it for any caller it answers. The attacker finds
 * what the server listens on in {@code /proc/net} (as any user can), connects, and sends a whole
 * {@code qsub} call that names root's token file. Before the fix the server listened on 127.0.0.1:
 * every user could connect, and it showed each one its proof. Now the socket is in a directory only
 * root may enter, and when that is opened up by mistake the server still asks the kernel who
 * connected and closes the connection unheard. The other way round, root's commands send nothing to a
 * socket of another user's, and do not use a short directory in {@code $TMPDIR} that another user made.
 */
class CommandServerAttackIT {
    private static final String ATTACKER = "hpctesta";
    private static final Pattern SOCKET = Pattern.compile("socket:\\[(\\d+)]");

    @TempDir
    static Path clusterHome;
    static RealCluster cluster;

    /** World-traversable, as /home is: root's home for this test and the attacker's tools are in it. */
    private Path base;
    private Path rootHome;
    private Path tools;

    @BeforeAll
    static void startCluster() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "skipped: the attacker must be a second, unprivileged user, which only root can make and run as; "
                        + "run the suite as root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/useradd")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "skipped: useradd (package passwd) and setpriv (util-linux) are needed to act as the attacker");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/perl")), "skipped: bin/hpc reaches the command server through "
                + "perl, which is not installed");
        ensureUser(ATTACKER);
        cluster = RealCluster.start(clusterHome, 1, 1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void makeHomes() throws IOException {
        base = Files.createTempDirectory(Path.of("/tmp"), "hpc-attack");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        rootHome = Files.createDirectory(base.resolve("root-home"));
        tools = Files.createDirectory(base.resolve("tools"));
        Files.writeString(tools.resolve("Attacker.java"), ATTACKER_SOURCE);
        Files.writeString(tools.resolve("stolen.sh"), "#!/bin/sh\n#PBS -N stolen\nid -u\n");
    }

    @AfterEach
    void stopServersAndRemove() throws IOException {
        if (base == null) {
            return;
        }
        for (Procs.Proc p : Procs.withCommandLineContaining("dev.hpc.cli.CommandServer " + base)) {
            ProcessHandle.of(p.pid()).ifPresent(h -> {
                h.destroy();
                h.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(t -> {
                    h.destroyForcibly();
                    return h;
                }).join();
            });
        }
        run(List.of("rm", "-rf", base.toString()), Map.of());
    }

    @Test
    void anotherUserGetsNoByteFromRootsServerAndNoCallRun() throws Exception {
        Ran first = asRoot(rootHome, Map.of(), Optional.empty(), "qstat");
        assertEquals(0, first.exit(), "root's first call, in its own JVM: " + first);
        Procs.Proc server = Poll.value("root's command server to start", Duration.ofSeconds(60), () -> serverOf(rootHome));
        Poll.until("root's command server to answer", Duration.ofSeconds(60),
                () -> asRootQuietly(rootHome, Map.of(), Optional.of("/nonexistent"), "qstat").exit() == 0);

        // what any user can learn: the server's listening sockets, from /proc/net
        List<String> endpoints = listeningEndpoints(server.pid());
        assertFalse(endpoints.isEmpty(), "the server listens somewhere: " + server);
        List<String> attempt = attack(endpoints);
        System.out.println("another user's attempt on root's command server: " + attempt);
        List<String> tcp = endpoints.stream().filter(e -> e.startsWith("tcp:")).toList();
        assertEquals(List.of(), tcp, "ports every user can connect to; the attacker's attempt: " + attempt);
        for (String line : attempt) {
            assertTrue(line.contains("connected=false") && line.contains("Permission denied"),
                    "another user may not even reach root's socket: " + line);
        }

        // opened up by mistake (chmod -R a+rwX ~/.hpc): the kernel still says who connects
        Path socket = Path.of(endpoints.get(0).substring("unix:".length()));
        Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> opened = attack(endpoints);
        System.out.println("the same, with the directory opened up: " + opened);
        Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwx------"));
        for (String line : opened) {
            assertTrue(line.contains("connected=true") && line.contains("received=0") && line.contains("eof=true"),
                    "connected, the attacker is sent nothing and cut off: " + line);
        }
        String log = Files.readString(Path.of(stateFile(rootHome) + ".log"));
        assertTrue(log.contains("refused a caller run by " + ATTACKER), log);
        assertEquals(List.of(), stolenJobs(), "the attacker's qsub with root's token was not made");

        Ran served = asRoot(rootHome, Map.of(), Optional.of("/nonexistent"), "qstat");
        assertEquals(0, served.exit(), "root's own calls are still answered by its server: " + served);
        assertEquals(Optional.of(server.pid()), serverOf(rootHome).map(Procs.Proc::pid), "the same server");
    }

    @Test
    void rootsCommandsSendNothingToASocketOfAnotherUser() throws Exception {
        // the attacker listens where root's state file will point (whatever made it point there)
        Path lair = Files.createDirectory(base.resolve("lair"));
        run(List.of("chown", ATTACKER, lair.toString()), Map.of());
        Path trap = lair.resolve("trap.sock");
        Path heard = lair.resolve("heard");
        Path state = stateFile(rootHome);
        // its command line reads as the server's, which the launcher looks for before it connects
        Process listener = asAttacker(List.of("listen", trap.toString(), heard.toString(), "dev.hpc.cli.CommandServer",
                state.toString(), "x"));
        try {
            Poll.until("the attacker's socket", Duration.ofSeconds(60), () -> Files.exists(heard));
            Files.createDirectories(state.getParent());
            Files.setPosixFilePermissions(state.getParent(), PosixFilePermissions.fromString("rwx------"));
            Files.writeString(state, listener.pid() + " " + trap + "\n");
            Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rw-------"));
            Ran ran = asRoot(rootHome, Map.of("SECRET_OF_ROOT", "must-not-leave"), Optional.empty(), "qstat");
            assertEquals(0, ran.exit(), "the call runs in its own JVM instead: " + ran);
            Poll.until("the attacker's listener to count what it got", Duration.ofSeconds(30),
                    () -> read(heard).contains("accepted=1"), () -> read(heard));
            assertEquals("accepted=1 received=0\n", read(heard),
                    "root's launcher connected, asked the kernel who listens, and sent nothing");
            System.out.println("root's call on another user's socket: " + read(heard).strip());
            Path onPath = cluster.hpcHome().resolve("cli").resolve("target").resolve("bin");
            if (Files.isExecutable(onPath.resolve("qstat"))) {
                // the C client run as qstat from the PATH makes the launcher's checks itself, then hands the call
                // to bin/hpc, whose client connects once more: two connections, and not a byte
                Ran direct = asRoot(onPath, rootHome, Map.of("SECRET_OF_ROOT", "must-not-leave"), Optional.empty(),
                        "qstat");
                assertEquals(0, direct.exit(), "the call runs in its own JVM instead: " + direct);
                Poll.until("the attacker's listener to count what it got", Duration.ofSeconds(30),
                        () -> read(heard).contains("accepted=3"), () -> read(heard));
                assertEquals("accepted=3 received=0\n", read(heard), "root's qstat on the PATH sent nothing");
            }
        } finally {
            listener.destroyForcibly();
            listener.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aShortDirectoryInTmpdirThatAnotherUserMadeIsNotUsed() throws Exception {
        // a home too deep for a socket path: the server would move its socket to $TMPDIR/hpc-0
        Path deepHome = Files.createDirectories(rootHome.resolve("h".repeat(50)).resolve("o".repeat(50)));
        Path tmp = Files.createDirectory(base.resolve("tmp"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        run(List.of("chmod", "1777", tmp.toString()), Map.of());
        Path taken = tmp.resolve("hpc-0");
        Ran made = run(List.of("setpriv", "--reuid=" + ATTACKER, "--regid=" + ATTACKER, "--init-groups",
                "mkdir", "-m", "777", taken.toString()), Map.of("PATH", "/usr/bin:/bin"));
        assertEquals(0, made.exit(), "the attacker makes " + taken + " first: " + made);

        Ran first = asRoot(deepHome, Map.of("TMPDIR", tmp.toString()), Optional.empty(), "qstat");
        assertEquals(0, first.exit(), first.toString());
        Path log = Path.of(stateFile(deepHome) + ".log");
        Poll.until("the command server to give up", Duration.ofSeconds(60),
                () -> read(log).contains("cannot start"), () -> read(log));
        assertTrue(read(log).contains(taken + " belongs to " + ATTACKER), read(log));
        try (var inside = Files.list(taken)) {
            assertEquals(List.of(), inside.toList(), "nothing of root's in the attacker's directory");
        }
        Ran again = asRoot(deepHome, Map.of("TMPDIR", tmp.toString()), Optional.empty(), "qstat");
        assertEquals(0, again.exit(), "the commands still work, each in its own JVM: " + again);
    }

    // ---- the attacker ----

    /** Runs Attacker.java as {@value #ATTACKER} against each endpoint; one line of outcome each. */
    private List<String> attack(List<String> endpoints) throws Exception {
        // a whole call as the launcher sends it, naming root's token: run, it would submit as root
        List<String> fields = new ArrayList<>(List.of(tools.toString(), "2", "qsub", tools.resolve("stolen.sh").toString(),
                "HPC_TOKEN_FILE=" + cluster.tokenFile(), "HPC_CONFIG=" + cluster.config(), ""));
        StringBuilder call = new StringBuilder();
        fields.forEach(f -> call.append(f).append('\0'));
        Path callFile = Files.writeString(tools.resolve("call"), call.toString());
        Files.setPosixFilePermissions(callFile, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> args = new ArrayList<>(List.of("probe", callFile.toString()));
        args.addAll(endpoints);
        Process p = asAttacker(args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the attacker's probe ends");
        assertEquals(0, p.exitValue(), "the attacker's probe ran: " + out);
        List<String> lines = out.lines().toList();
        assertEquals(endpoints.size(), lines.size(), out);
        return lines;
    }

    private Process asAttacker(List<String> args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + ATTACKER, "--regid=" + ATTACKER,
                "--init-groups", java, tools.resolve("Attacker.java").toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tools.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("HOME", tools.toString());
        return pb.start();
    }

    /**
     * The attacker's tool, as a single source file (run as {@code java Attacker.java}). {@code probe CALL
     * ENDPOINT...}: connects to each {@code tcp:PORT} or {@code unix:PATH}, sends the call and reads
     * until the end. {@code listen PATH REPORT}: accepts on a Unix socket and writes what it got.
     */
    private static final String ATTACKER_SOURCE = """
            import java.io.*;
            import java.net.*;
            import java.nio.ByteBuffer;
            import java.nio.channels.*;
            import java.nio.file.*;
            import java.util.concurrent.*;

            public class Attacker {
                public static void main(String[] a) throws Exception {
                    if (a[0].equals("listen")) {
                        listen(Path.of(a[1]), Path.of(a[2]));
                        return;
                    }
                    byte[] call = Files.readAllBytes(Path.of(a[1]));
                    for (int i = 2; i < a.length; i++) {
                        System.out.println(a[i] + " " + probe(a[i], call));
                    }
                }

                static String probe(String endpoint, byte[] call) {
                    SocketChannel s;
                    try {
                        s = endpoint.startsWith("tcp:")
                                ? SocketChannel.open(new InetSocketAddress("127.0.0.1", Integer.parseInt(endpoint.substring(4))))
                                : SocketChannel.open(UnixDomainSocketAddress.of(endpoint.substring(5)));
                    } catch (IOException e) {
                        return "connected=false error=" + e.getMessage();
                    }
                    String sent;
                    try {
                        s.write(ByteBuffer.wrap(call));
                        sent = "sent=" + call.length;
                    } catch (IOException e) {
                        sent = "sent=0 (" + e.getMessage() + ")";
                    }
                    long[] received = {0};
                    Future<Boolean> eof = Executors.newSingleThreadExecutor(r -> {
                        Thread t = new Thread(r);
                        t.setDaemon(true);
                        return t;
                    }).submit(() -> {
                        ByteBuffer b = ByteBuffer.allocate(4096);
                        try {
                            for (int n; (n = s.read(b)) >= 0; b.clear()) {
                                received[0] += n;
                            }
                        } catch (IOException reset) {
                            // the other end cut it off: an end, too
                        }
                        return true;
                    });
                    boolean ended;
                    try {
                        ended = eof.get(15, TimeUnit.SECONDS);
                    } catch (Exception stillOpen) {
                        ended = false;
                    }
                    try {
                        s.close();
                    } catch (IOException ignored) {
                    }
                    return "connected=true " + sent + " received=" + received[0] + " eof=" + ended;
                }

                static void listen(Path socket, Path report) throws Exception {
                    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                        server.bind(UnixDomainSocketAddress.of(socket));
                        socket.toFile().setWritable(true, false);
                        Files.writeString(report, "");
                        int accepted = 0;
                        long received = 0;
                        while (true) {
                            try (SocketChannel c = server.accept()) {
                                accepted++;
                                ByteBuffer b = ByteBuffer.allocate(4096);
                                for (int n; (n = c.read(b)) >= 0; b.clear()) {
                                    received += n;
                                }
                            } catch (IOException reset) {
                                // counted what came
                            }
                            Files.writeString(report, "accepted=" + accepted + " received=" + received + "\\n");
                        }
                    }
                }
            }
            """;

    // ---- root's side ----

    private record Ran(int exit, String out, String err) {
    }

    /** {@code bin/COMMAND} as root, with {@code home} as HOME and the cluster's admin token. */
    private Ran asRoot(Path home, Map<String, String> extra, Optional<String> javaHome, String command)
            throws Exception {
        return asRoot(cluster.hpcHome().resolve("bin"), home, extra, javaHome, command);
    }

    /** As {@link #asRoot(Path, Map, Optional, String)}, with the command from {@code bin}. */
    private Ran asRoot(Path bin, Path home, Map<String, String> extra, Optional<String> javaHome, String command)
            throws Exception {
        List<String> cmd = List.of(bin.resolve(command).toString());
        Path out = Files.createTempFile(base, "out", "");
        Path err = Files.createTempFile(base, "err", "");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(base.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null"))).redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("HPC_") || k.equals("XDG_RUNTIME_DIR") || k.equals("TMPDIR"));
        env.put("HOME", home.toString());
        env.put("HPC_CONFIG", cluster.config().toString());
        env.put("HPC_TOKEN_FILE", cluster.tokenFile().toString());
        env.putAll(extra);
        javaHome.ifPresentOrElse(j -> env.put("JAVA_HOME", j), () -> env.remove("JAVA_HOME"));
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not end within 90 s");
        }
        return new Ran(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Ran asRootQuietly(Path home, Map<String, String> extra, Optional<String> javaHome, String command) {
        try {
            return asRoot(home, extra, javaHome, command);
        } catch (Exception e) {
            return new Ran(-1, "", e.toString());
        }
    }

    private Path stateFile(Path home) {
        String root = cluster.hpcHome().toAbsolutePath().normalize().toString();
        return home.resolve(".hpc").resolve("command-server").resolve(root.replace('/', '_'));
    }

    private Optional<Procs.Proc> serverOf(Path home) {
        return Procs.withCommandLineContaining("dev.hpc.cli.CommandServer " + stateFile(home)).stream().findFirst();
    }

    private List<String> stolenJobs() {
        return cluster.client().allJobs(JobQuery.all().withHistory(true)).stream()
                .filter(j -> j.spec().name().equals("stolen")).map(j -> j.id().toString()).toList();
    }

    /** {@code tcp:PORT} and {@code unix:PATH} for every listening socket of {@code pid}, as /proc/net shows them. */
    private static List<String> listeningEndpoints(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    Matcher m = SOCKET.matcher(Files.readSymbolicLink(fd).toString());
                    if (m.matches()) {
                        inodes.add(m.group(1));
                    }
                } catch (IOException closedMeanwhile) {
                    // not a socket of the server's any more
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6")) {
            List<String> lines = Files.readAllLines(Path.of("/proc/net", table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f[3].equals("0A") && inodes.contains(f[9])) { // LISTEN
                    out.add("tcp:" + Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
                }
            }
        }
        for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
            String[] f = line.trim().split("\\s+");
            // Flags 00010000: accepting connections
            if (f.length >= 8 && f[3].equals("00010000") && inodes.contains(f[6])) {
                out.add("unix:" + f[7]);
            }
        }
        return out;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static void ensureUser(String user) throws IOException {
        if (run(List.of("id", "-u", user), Map.of()).exit() != 0) {
            Ran made = run(List.of("useradd", "-m", "-s", "/bin/sh", user), Map.of());
            assertEquals(0, made.exit(), "useradd " + user + ": " + made);
        }
    }

    private static Ran run(List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not end within 60 s");
            }
            return new Ran(p.exitValue(), output, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }
}
