package dev.hpc.mpi;

import com.sun.net.httpserver.HttpServer;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.wire.SpawnProtocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spawn client against small HTTP servers that play heads. */
class SpawnClientTest {
    private final List<HttpServer> servers = new java.util.ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    private HttpServer head(com.sun.net.httpserver.HttpHandler handler) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", handler);
        s.start();
        servers.add(s);
        return s;
    }

    private static String address(HttpServer s) {
        return "127.0.0.1:" + s.getAddress().getPort();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static SpawnRequest request(List<String> heads) {
        JobContext job = new JobContext(heads, "42.c", 7, "secret", "n1");
        return new SpawnRequest(job, "n2", List.of("echo", "\"hi\""), Map.of("A", "1"), "/tmp");
    }

    @Test
    void theCommandsOutputAndStatusComeBackThroughARedirectingStandby() throws IOException {
        AtomicReference<String> body = new AtomicReference<>();
        AtomicReference<String> path = new AtomicReference<>();
        HttpServer active = head(ex -> {
            path.set(ex.getRequestURI().getRawPath());
            body.set(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.getResponseHeaders().set("Content-Type", SpawnProtocol.MEDIA_TYPE);
            ex.sendResponseHeaders(200, 0);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(SpawnProtocol.frame(SpawnProtocol.STDOUT, "hi\n".getBytes(StandardCharsets.UTF_8)));
                o.write(SpawnProtocol.frame(SpawnProtocol.KEEPALIVE, new byte[0]));
                o.write(SpawnProtocol.frame(SpawnProtocol.STDERR, "warning\n".getBytes(StandardCharsets.UTF_8)));
                o.write(SpawnProtocol.noteFrame("from the head"));
                o.write(SpawnProtocol.exitFrame(7));
            }
        });
        HttpServer standby = head(ex -> {
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().set("Location", "http://" + address(active) + ex.getRequestURI());
            ex.sendResponseHeaders(307, -1);
            ex.close();
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new SpawnClient("hpc-rsh", "alice", 2_000)
                .run(request(List.of("127.0.0.1:" + closedPort(), address(standby))), out, err);
        assertEquals(7, status);
        assertEquals("hi\n", out.toString(StandardCharsets.UTF_8));
        assertEquals("warning\nhpc-rsh: from the head\n", err.toString(StandardCharsets.UTF_8));
        assertEquals("/api/v1/jobs/42.c/spawn", path.get());
        JsonFields sent = Json.readObject(body.get());
        assertEquals(7, sent.longValue("attemptId"));
        assertEquals("secret", sent.string("token"));
        assertEquals("n2", sent.string("host"));
        assertEquals(List.of("echo", "\"hi\""), sent.strings("argv"));
        assertEquals(Map.of("A", "1"), sent.stringMap("environment"));
        assertEquals("/tmp", sent.string("workDir"));
    }

    @Test
    void aRefusalIsShownWithTheHeadsMessage() throws IOException {
        HttpServer h = head(ex -> {
            ex.getRequestBody().readAllBytes();
            byte[] b = "{\"code\":\"NOT_ALLOWED\",\"message\":\"attempt 7 is not \\\"running\\\"\"}"
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(409, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new SpawnClient("hpc-rsh", "alice", 1_000).run(request(List.of(address(h))),
                new ByteArrayOutputStream(), err);
        assertEquals(255, status);
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("attempt 7 is not \"running\" (HTTP 409)"), text);
    }

    /**
     * Issue 16: a stream that broke before the exit (the head died: a takeover) ended the command's caller with
     * 255, and MPI gave up the job. The caller now follows the command again, with the same spawn id and
     * asking to resume, and gets the rest of its output and its exit status.
     */
    @Test
    void aStreamThatBreaksBeforeTheExitIsFollowedAgainWithTheSameSpawnId() throws IOException {
        List<String> bodies = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        HttpServer h = head(ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            bodies.add(body);
            ex.sendResponseHeaders(200, 0);
            try (OutputStream o = ex.getResponseBody()) {
                if (bodies.size() == 1) {
                    o.write(SpawnProtocol.frame(SpawnProtocol.STDOUT, "partial ".getBytes(StandardCharsets.UTF_8)));
                } else {
                    o.write(SpawnProtocol.frame(SpawnProtocol.STDOUT, "rest".getBytes(StandardCharsets.UTF_8)));
                    o.write(SpawnProtocol.exitFrame(3));
                }
            }
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(3, new SpawnClient("hpc-rsh", "alice", 1_000).run(request(List.of(address(h))), out, err));
        assertEquals("partial rest", out.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("following it through the active head"),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(2, bodies.size());
        String id = bodies.get(0).replaceAll(".*\"spawnId\":\"([^\"]+)\".*", "$1");
        assertTrue(bodies.get(1).contains("\"spawnId\":\"" + id + "\""), "the same spawn id: " + bodies);
        assertTrue(!bodies.get(0).contains("\"resume\"") && bodies.get(1).contains("\"resume\":true"), bodies.toString());
    }

    @Test
    void noHeadAtAllIs255AfterThePatience() throws IOException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int status = new SpawnClient("hpc-rsh", "alice", 300).run(request(List.of("127.0.0.1:" + closedPort())),
                new ByteArrayOutputStream(), err);
        assertEquals(255, status);
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no active head"), err.toString(StandardCharsets.UTF_8));
    }
}
