package dev.hpc.cli;

import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.api.testkit.FakeHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The command server against a fake head, through its protocol as bin/hpc speaks it: the call's
 * directory, environment and standard input are the caller's, the output and exit code come back; and
 * where its socket goes: a private directory, a short one when the path would be too long, never a
 * directory of another user's. That another user is refused unheard needs a second user: that is
 * CommandServerAttackIT in examples, which also runs bin/hpc; so does CommandServerIT.
 */
class CommandServerTest {
    private static final long UID = new com.sun.security.auth.module.UnixSystem().getUid();

    @TempDir
    Path tmp;

    private FakeHead head;
    private final List<CommandServer> servers = new ArrayList<>();
    private final List<Thread> serving = new ArrayList<>();
    private CommandServer server;
    private Path stateFile;
    private Path jar;
    private Path token;

    @BeforeEach
    void start() throws Exception {
        head = new FakeHead(r -> r.method().equals("POST") && r.rawPath().equals("/api/v1/jobs")
                ? FakeHead.Reply.json(201, Map.of("id", "3.cluster", "job", Codec.toMap(TestJobs.aQueuedJob(3, "x"), true)))
                : FakeHead.Reply.error(404, "UNKNOWN_JOB", "job 9.cluster does not exist"));
        stateFile = tmp.resolve("state").resolve("server");
        jar = Files.writeString(tmp.resolve("cli.jar"), "stands for the jar");
        server = serve(stateFile, places(Optional.empty()));
        token = tmp.resolve("token");
        dev.hpc.api.client.ApiToken.install(token, "token-of-the-command-server-test");
    }

    @AfterEach
    void stop() throws Exception {
        for (CommandServer s : servers) {
            s.close();
        }
        for (Thread t : serving) {
            t.join(10_000);
        }
        head.close();
    }

    private CommandSocketPath.Places places(Optional<Path> runtimeDir) throws IOException {
        return new CommandSocketPath.Places(runtimeDir, Files.createDirectories(tmp.resolve("t")));
    }

    private CommandServer serve(Path state, CommandSocketPath.Places places) throws IOException {
        CommandServer s = CommandServer.start(state, jar, places).orElseThrow();
        servers.add(s);
        Thread t = new Thread(s::serve, "test-command-server");
        t.start();
        serving.add(t);
        return s;
    }

    /** {@code then}: what the launcher is to run in a JVM of its own afterwards ({@code THEN}), usually nothing. */
    record Answer(boolean askedForStdin, int exit, String out, String err, List<String> then) {
        Answer(boolean askedForStdin, int exit, String out, String err) {
            this(askedForStdin, exit, out, err, List.of());
        }
    }

    /**
     * One call as bin/hpc makes it; {@code stdin} is sent only if the server asks for it. A server that
     * stops answering fails the test rather than hanging it.
     */
    private Answer call(Path cwd, Map<String, String> env, String stdin, String... args) throws Exception {
        try (SocketChannel s = SocketChannel.open(UnixDomainSocketAddress.of(server.socketPath()))) {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return exchange(s, cwd, env, stdin, args);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).get(30, TimeUnit.SECONDS);
        }
    }

    private static Answer exchange(SocketChannel s, Path cwd, Map<String, String> env, String stdin, String... args)
            throws IOException {
        OutputStream out = Channels.newOutputStream(s);
        InputStream in = Channels.newInputStream(s);
        String greeting = line(in);
        if (!greeting.equals(CommandServer.MAGIC)) {
            return new Answer(false, -1, "", "no greeting: [" + greeting + "]");
        }
        List<String> call = new ArrayList<>(List.of(cwd.toString(), Integer.toString(args.length)));
        call.addAll(List.of(args));
        env.forEach((k, v) -> call.add(k + "=" + v));
        call.add("");
        out.write(fields(call));
        String first = line(in);
        boolean asked = first.equals("STDIN");
        if (asked) {
            byte[] data = stdin.getBytes(StandardCharsets.UTF_8);
            out.write((data.length + "\n").getBytes(StandardCharsets.US_ASCII));
            out.write(data);
            first = line(in);
        }
        String e = new String(in.readNBytes(Integer.parseInt(after("ERR ", first))), StandardCharsets.UTF_8);
        int exit = Integer.parseInt(after("EXIT ", line(in)));
        String o = new String(in.readNBytes(Integer.parseInt(after("OUT ", line(in)))), StandardCharsets.UTF_8);
        String rest = line(in);
        List<String> then = new ArrayList<>();
        if (!rest.isEmpty()) {
            int n = Integer.parseInt(after("THEN ", rest));
            for (int i = 0; i < n; i++) {
                then.add(field(in));
            }
        }
        assertEquals(-1, in.read(), "nothing after the answer");
        return new Answer(asked, exit, o, e, then);
    }

    /** The rest of a reply line, which must start as bin/hpc expects it to. */
    private static String after(String prefix, String line) {
        assertTrue(line.startsWith(prefix), "expected '" + prefix + "...', got [" + line + "]");
        return line.substring(prefix.length());
    }

    private static byte[] fields(List<String> fields) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String f : fields) {
            b.writeBytes(f.getBytes(StandardCharsets.UTF_8));
            b.write(0);
        }
        return b.toByteArray();
    }

    private static String field(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != 0; c = in.read()) {
            assertTrue(c >= 0, "a THEN argument ends with NUL");
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n' && c >= 0; c = in.read()) {
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private SubmitRequest submitted() {
        return Codec.readSubmitRequest(Json.readObject(head.requests.get(0).body()));
    }

    @Test
    void qsubReadsTheCallersStdinAndSubmitsFromTheCallersDirectoryWithTheCallersEnvironment() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("work dir"));
        Answer a = call(dir, Map.of("HPC_SERVER", head.address(), "HPC_TOKEN_FILE", "../token", "MY_VAR", "a b"),
                "#PBS -N from-stdin\necho hi\n", "qsub", "-V");
        assertEquals(new Answer(true, 0, "3.cluster\n", ""), a);
        SubmitRequest r = submitted();
        assertEquals("#PBS -N from-stdin\necho hi\n", r.script());
        assertEquals(dir.toString(), r.submitDir(), "PBS_O_WORKDIR is the caller's directory");
        assertEquals("a b", r.clientEnvironment().get("MY_VAR"));
        assertTrue(head.requests.get(0).authorization().endsWith("token-of-the-command-server-test"),
                "HPC_TOKEN_FILE relative to the caller's directory");
    }

    @Test
    void aScriptFileIsFoundInTheCallersDirectoryAndStdinIsNotAskedFor() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("sub"));
        Files.writeString(dir.resolve("job.sh"), "#!/bin/sh\ntrue\n");
        Answer a = call(dir, Map.of("HPC_SERVER", head.address()), "", "qsub", "--token-file", "../token", "job.sh");
        assertEquals(new Answer(false, 0, "3.cluster\n", ""), a);
        assertEquals("#!/bin/sh\ntrue\n", submitted().script());
    }

    /**
     * Issue 19 item 2: a blocking qsub is submitted by the server, which prints the id; the wait, which may
     * last hours and must stop on Ctrl-C, is left to the launcher's own JVM with the caller's options.
     */
    @Test
    void aBlockingQsubIsSubmittedHereAndItsWaitLeftToTheLaunchersOwnJvm() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("sub"));
        Files.writeString(dir.resolve("job.sh"), "#!/bin/sh\n#PBS -W block=true\ntrue\n");
        Answer a = call(dir, Map.of(), "", "qsub", "--server", head.address(), "--token-file", "../token", "job.sh");
        assertEquals(new Answer(false, 0, "3.cluster\n", "", List.of("qsub", "--block-on", "3.cluster", "--server",
                head.address(), "--token-file", token.toString())), a);
        assertEquals(1, head.requests.size(), "the server does not wait for the job");
        Answer typed = call(dir, Map.of(), "", "qsub", "--block-on", "3.cluster", "--server", head.address());
        assertEquals(new Answer(false, 0, "", "", List.of("qsub", "--block-on", "3.cluster", "--server",
                head.address())), typed, "a wait asked of the server directly goes to the launcher too");
        assertEquals(1, head.requests.size());

        Answer plain = call(dir, Map.of("HPC_SERVER", head.address(), "HPC_TOKEN_FILE", token.toString()), "",
                "qsub", "-W", "block=false", "job.sh");
        assertEquals(new Answer(false, 0, "3.cluster\n", ""), plain);
    }

    @Test
    void errorsAndExitCodesComeBackAsTheCommandGaveThem() throws Exception {
        Answer a = call(tmp, Map.of("HPC_SERVER", head.address(), "HPC_TOKEN_FILE", token.toString()), "",
                "qstat", "9");
        assertEquals(ExitCodes.UNKNOWN_JOB, a.exit());
        assertEquals("qstat: Unknown Job Id 9\n", a.err());

        Answer notServed = call(tmp, Map.of(), "", "local", "down");
        assertEquals(ExitCodes.USAGE, notServed.exit());
        assertTrue(notServed.err().contains("runs only pbsnodes, qalter, qdel, qhold, qrls, qselect, qstat, qsub"), notServed.err());
    }

    @Test
    void theSocketAndTheStateFileAreTheUsersAloneAndTheStateNamesThem() throws Exception {
        Path socket = server.socketPath();
        assertEquals(stateFile.getParent(), socket.getParent(), "without XDG_RUNTIME_DIR, beside the state file");
        assertEquals(0140000, (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000,
                socket + " is a socket");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(stateFile)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(stateFile.getParent())));
        assertEquals(ProcessHandle.current().pid() + " " + socket + "\n", Files.readString(stateFile));
        assertEquals(Optional.empty(), CommandServer.start(stateFile, jar, places(Optional.empty())),
                "a second server of the same state file does not start");
    }

    @Test
    void aServerWhoseStateFileWasTakenLeavesAndLeavesTheNewerFileAlone() throws Exception {
        Files.writeString(stateFile, "1 " + tmp.resolve("elsewhere.sock") + "\n");
        await("the server leaves", () -> !serving.get(0).isAlive());
        assertTrue(Files.exists(stateFile), "it leaves the newer server's file alone");
        assertFalse(Files.exists(server.socketPath(), LinkOption.NOFOLLOW_LINKS), "it removed its socket");
    }

    @Test
    void aServerWhoseSocketFileIsGoneLeaves() throws Exception {
        // as when a logout empties XDG_RUNTIME_DIR: no caller can reach it any more
        Files.delete(server.socketPath());
        await("the server leaves", () -> !serving.get(0).isAlive());
        assertFalse(Files.exists(stateFile), "its state file goes with it");
        assertTrue(Files.readString(Path.of(stateFile + ".log")).contains("left: its socket file is gone"));
    }

    @Test
    void theSocketOfAServerThatDiedIsReplacedButNothingElseIsRemoved() throws Exception {
        Path state = tmp.resolve("state").resolve("other-installation");
        Path socket = stateFile.getParent().resolve(CommandSocketPath.name(state));
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket)); // closing the channel leaves the file, as SIGKILL does
        }
        assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
        CommandServer second = serve(state, places(Optional.empty()));
        assertEquals(socket, second.socketPath());
        Answer a = callOn(second, "qstat", "9");
        assertEquals(ExitCodes.UNKNOWN_JOB, a.exit(), a.toString());
        second.close();

        Files.writeString(socket, "not a socket");
        IOException refused = assertThrows(IOException.class, () -> CommandServer.start(state, jar, places(Optional.empty())));
        assertTrue(refused.getMessage().contains(socket + " is there and is not a socket"), refused.getMessage());
        assertEquals("not a socket", Files.readString(socket));
    }

    private Answer callOn(CommandServer s, String... args) throws Exception {
        CommandServer was = server;
        server = s;
        try {
            return call(tmp, Map.of("HPC_SERVER", head.address(), "HPC_TOKEN_FILE", token.toString()), "", args);
        } finally {
            server = was;
        }
    }

    @Test
    void aPathTooLongForASocketMovesToAShortPrivateDirectoryAndTheLogSaysWhy() throws Exception {
        Path deep = tmp.resolve("d".repeat(60)).resolve("e".repeat(60)).resolve("server");
        CommandServer s = serve(deep, places(Optional.empty()));
        Path shortDir = tmp.resolve("t").resolve("hpc-" + UID);
        assertEquals(shortDir.resolve(CommandSocketPath.name(deep)), s.socketPath());
        assertTrue(CommandSocketPath.bytes(s.socketPath()) <= CommandSocketPath.MAX_BYTES);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(shortDir)));
        String log = Files.readString(Path.of(deep + ".log"));
        assertTrue(log.contains("over the 107 a Unix socket path may have; the socket is in " + shortDir + " instead"), log);
        assertEquals(ExitCodes.UNKNOWN_JOB, callOn(s, "qstat", "9").exit());
    }

    @Test
    void aShortDirectoryThatAnotherUserMadeIsNotUsed() throws Exception {
        assumeTrue(UID == 0, "skipped: giving a directory to another user takes root");
        Path shortDir = Files.createDirectories(tmp.resolve("t").resolve("hpc-0"));
        Files.setPosixFilePermissions(shortDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setAttribute(shortDir, "unix:uid", 1001); // whoever it is: not this user
        Path deep = tmp.resolve("d".repeat(60)).resolve("e".repeat(60)).resolve("server");
        IOException refused = assertThrows(IOException.class, () -> CommandServer.start(deep, jar, places(Optional.empty())));
        assertTrue(refused.getMessage().contains(shortDir + " belongs to ") && refused.getMessage().contains("(uid 1001), not "
                + "to this user (uid 0)"), refused.getMessage());
        try (var left = Files.list(shortDir)) {
            assertEquals(0, left.count(), "nothing was put in it");
        }
        assertTrue(Files.readString(Path.of(deep + ".log")).contains("cannot start: " + refused.getMessage()));
        assertThrows(IOException.class, () -> CommandServer.start(deep, jar, places(Optional.empty())),
                "a refused start keeps no lock: the next one is refused for the same reason, not skipped");
    }

    @Test
    void aPrivateRuntimeDirectoryHoldsTheSocketAndAnOpenOneIsPassedOver() throws Exception {
        Path runtime = Files.createDirectory(tmp.resolve("run"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        CommandServer s = serve(tmp.resolve("state").resolve("with-runtime"), places(Optional.of(runtime)));
        assertEquals(runtime.resolve("hpc"), s.socketPath().getParent());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(runtime.resolve("hpc"))));

        Path open = Files.createDirectory(tmp.resolve("open-run"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path state = tmp.resolve("state").resolve("with-open-runtime");
        CommandServer t = serve(state, places(Optional.of(open)));
        assertEquals(state.getParent(), t.socketPath().getParent());
        String log = Files.readString(Path.of(state + ".log"));
        assertTrue(log.contains("XDG_RUNTIME_DIR=" + open + " is not used: its mode is rwxr-xr-x, not rwx------"), log);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(20);
        }
    }
}
