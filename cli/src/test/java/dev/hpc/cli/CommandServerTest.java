package dev.hpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpc.api.Codec;
import dev.hpc.api.Json;
import dev.hpc.api.SubmitRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command server against a fake head, through its protocol as bin/hpc speaks it: the call's
 * directory, environment and standard input are the caller's, the output and exit code come back, and
 * nobody without the key gets a command run. bin/hpc itself is tested by CommandServerIT in examples.
 */
class CommandServerTest {
    @TempDir
    Path tmp;

    private FakeHead head;
    private CommandServer server;
    private Thread serving;
    private Path stateFile;
    private Path token;

    @BeforeEach
    void start() throws Exception {
        head = new FakeHead(r -> r.method().equals("POST") && r.rawPath().equals("/api/v1/jobs")
                ? FakeHead.Reply.json(201, Map.of("id", "3.cluster", "job", Codec.toMap(TestJobs.aQueuedJob(3, "x"), true)))
                : FakeHead.Reply.error(404, "UNKNOWN_JOB", "job 9.cluster does not exist"));
        stateFile = tmp.resolve("state").resolve("server");
        Path jar = Files.writeString(tmp.resolve("cli.jar"), "stands for the jar");
        server = CommandServer.start(stateFile, jar).orElseThrow();
        serving = new Thread(server::serve, "test-command-server");
        serving.start();
        token = tmp.resolve("token");
        dev.hpc.api.ApiToken.install(token, "token-of-the-command-server-test");
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        serving.join(10_000);
        head.close();
    }

    record Answer(boolean askedForStdin, int exit, String out, String err) {
    }

    /** One call as bin/hpc makes it; {@code stdin} is sent only if the server asks for it. */
    private Answer call(String key, Path cwd, Map<String, String> env, String stdin, String... args) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(30_000); // a server that stops answering fails the test rather than hanging it
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            String greeting = line(in);
            if (!greeting.equals(CommandServer.MAGIC + " " + Files.readString(stateFile).strip().split(" ")[3])) {
                return new Answer(false, -1, "", "the server did not show the proof of its state file: " + greeting);
            }
            out.write(fields(List.of(CommandServer.MAGIC, key)));
            out.flush();
            String ready = line(in);
            if (!ready.equals("READY")) {
                return new Answer(false, -1, "", "no READY: [" + ready + "]");
            }
            List<String> call = new ArrayList<>(List.of(cwd.toString(), Integer.toString(args.length)));
            call.addAll(List.of(args));
            env.forEach((k, v) -> call.add(k + "=" + v));
            call.add("");
            out.write(fields(call));
            out.flush();
            String first = line(in);
            boolean asked = first.equals("STDIN");
            if (asked) {
                byte[] data = stdin.getBytes(StandardCharsets.UTF_8);
                out.write((data.length + "\n").getBytes(StandardCharsets.US_ASCII));
                out.write(data);
                out.flush();
                first = line(in);
            }
            String e = new String(in.readNBytes(Integer.parseInt(after("ERR ", first))), StandardCharsets.UTF_8);
            int exit = Integer.parseInt(after("EXIT ", line(in)));
            String o = new String(in.readNBytes(Integer.parseInt(after("OUT ", line(in)))), StandardCharsets.UTF_8);
            return new Answer(asked, exit, o, e);
        }
    }

    /** The rest of a reply line, which must start as bin/hpc expects it to. */
    private static String after(String prefix, String line) {
        assertTrue(line.startsWith(prefix), "expected '" + prefix + "...', got [" + line + "]");
        return line.substring(prefix.length());
    }

    private Answer call(Path cwd, Map<String, String> env, String stdin, String... args) throws IOException {
        String key = Files.readString(stateFile).split(" ")[1];
        return call(key, cwd, env, stdin, args);
    }

    private static byte[] fields(List<String> fields) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String f : fields) {
            b.writeBytes(f.getBytes(StandardCharsets.UTF_8));
            b.write(0);
        }
        return b.toByteArray();
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

    @Test
    void errorsAndExitCodesComeBackAsTheCommandGaveThem() throws Exception {
        Answer a = call(tmp, Map.of("HPC_SERVER", head.address(), "HPC_TOKEN_FILE", token.toString()), "",
                "qstat", "9");
        assertEquals(ExitCodes.UNKNOWN_JOB, a.exit());
        assertEquals("qstat: Unknown Job Id 9\n", a.err());

        Answer notServed = call(tmp, Map.of(), "", "local", "down");
        assertEquals(ExitCodes.USAGE, notServed.exit());
        assertTrue(notServed.err().contains("runs only pbsnodes, qalter, qdel, qhold, qrls, qstat, qsub"), notServed.err());
    }

    @Test
    void aCallerWithoutTheKeyGetsNothingRun() throws Exception {
        String wrong = HexFormat.of().formatHex(new byte[32]);
        Answer a = call(wrong, tmp, Map.of("HPC_SERVER", head.address(), "HPC_TOKEN_FILE", token.toString()), "",
                "qsub", "--", "true");
        assertEquals("no READY: []", a.err());
        assertTrue(head.requests.isEmpty(), "nothing reached the head");
    }

    @Test
    void theStateFileIsPrivateAndAServerWhoseFileWasTakenLeaves() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(stateFile)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(stateFile.getParent())));
        assertEquals(Optional.empty(), CommandServer.start(stateFile, tmp.resolve("cli.jar")),
                "a second server of the same state file does not start");
        Files.writeString(stateFile, "1 " + HexFormat.of().formatHex(new byte[32]) + " 1\n");
        await("the server leaves", () -> !serving.isAlive());
        assertTrue(Files.exists(stateFile), "it leaves the newer server's file alone");
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(20);
        }
    }
}
