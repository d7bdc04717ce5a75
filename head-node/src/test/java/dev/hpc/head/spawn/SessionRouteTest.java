package dev.hpc.head.spawn;

import dev.hpc.api.wire.SpawnProtocol;
import dev.hpc.api.wire.WireMessage;
import dev.hpc.head.web.RunningHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19 item 1: the session WebSocket of a real head, with a worker on the real link that runs nothing.
 * Only the owner of a running interactive job opens it; the shell is asked of the job's first node; input
 * and sizes go to that node, output and the exit come back; a client that goes away kills the shell.
 */
class SessionRouteTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private RunningHead head;
    private LinkedWorker worker;

    @BeforeEach
    void start() throws Exception {
        head = RunningHead.start(dir, "c");
        worker = LinkedWorker.connect(head.baseUrl(), "n1");
    }

    @AfterEach
    void stop() {
        worker.close();
        head.close();
    }

    /** Submits as alice and returns the launch order once the job runs on the worker. */
    private WireMessage.LaunchOrder running(List<String> options) throws Exception {
        head.submit("alice", "s", options);
        WireMessage.LaunchOrder order = worker.next(WireMessage.Launch.class, m -> true).order();
        worker.send(new WireMessage.TaskStarted(order.attemptId(), 4242));
        String id = order.jobId();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!head.job(id).string("state").equals("RUNNING")) {
            assertTrue(System.nanoTime() < deadline, "the job never ran: " + head.job(id));
            Thread.sleep(20);
        }
        return order;
    }

    /** A client: every frame it got, and how the head closed. */
    private static final class Client implements WebSocket.Listener {
        final BlockingQueue<SpawnProtocol.Frame> frames = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        WebSocket ws;

        @Override
        public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            partial.writeBytes(b);
            if (last) {
                try {
                    frames.add(SpawnProtocol.parse(partial.toByteArray()));
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
                partial.reset();
            }
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
            closed.complete(code);
            return null;
        }

        @Override
        public void onError(WebSocket w, Throwable error) {
            closed.completeExceptionally(error);
        }

        SpawnProtocol.Frame next() throws InterruptedException {
            while (true) {
                SpawnProtocol.Frame f = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (f == null) {
                    throw new AssertionError("no frame within " + WAIT);
                }
                if (f.kind() != SpawnProtocol.KEEPALIVE) {
                    return f;
                }
            }
        }

        void send(byte[] frame) throws Exception {
            ws.sendBinary(ByteBuffer.wrap(frame), true).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private Client open(String job, String token, boolean tty) throws Exception {
        Client c = new Client();
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder();
        if (!token.isEmpty()) {
            b.header("Authorization", "Bearer " + token);
        }
        String base = head.baseUrl().replaceFirst("^http", "ws");
        c.ws = b.buildAsync(URI.create(base + SpawnProtocol.SESSION_PATH + "?job=" + job + "&tty=" + tty
                + "&rows=24&cols=80&term=xterm"), c).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        return c;
    }

    @Test
    void theOwnerGetsTheShellOnTheFirstNodeWithInputSizesOutputAndExit() throws Exception {
        WireMessage.LaunchOrder order = running(List.of("-I"));
        Client c = open(order.jobId(), head.tokenFor("alice"), true);
        WireMessage.OpenSession o = worker.next(WireMessage.OpenSession.class, m -> true);
        assertEquals(order.attemptId(), o.attemptId());
        assertTrue(o.tty());
        assertEquals(24, o.rows());
        assertEquals(80, o.cols());
        assertEquals("xterm", o.term());

        c.send(SpawnProtocol.frame(SpawnProtocol.INPUT, "ls\n".getBytes(StandardCharsets.UTF_8)));
        WireMessage.SessionInput in = worker.next(WireMessage.SessionInput.class, m -> true);
        assertArrayEquals("ls\n".getBytes(StandardCharsets.UTF_8), in.data());
        assertFalse(in.end());
        c.send(SpawnProtocol.resizeFrame(50, 132));
        WireMessage.SessionResize r = worker.next(WireMessage.SessionResize.class, m -> true);
        assertEquals(50, r.rows());
        assertEquals(132, r.cols());
        c.send(SpawnProtocol.frame(SpawnProtocol.INPUT_END, new byte[0]));
        assertTrue(worker.next(WireMessage.SessionInput.class, m -> true).end());

        worker.send(new WireMessage.SpawnOutput(o.spawnId(), 1, "file\n".getBytes(StandardCharsets.UTF_8)));
        worker.send(new WireMessage.SpawnExited(o.spawnId(), 5, ""));
        SpawnProtocol.Frame f = c.next();
        assertEquals(SpawnProtocol.STDOUT, f.kind());
        assertEquals("file\n", f.text());
        f = c.next();
        assertEquals(SpawnProtocol.EXIT, f.kind());
        assertEquals(5, f.exitStatus());
        assertEquals(1000, c.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS), "a normal close after the exit");
    }

    @Test
    void aClientThatGoesAwayKillsTheShellAndASecondSessionIsRefused() throws Exception {
        WireMessage.LaunchOrder order = running(List.of("-I"));
        Client c = open(order.jobId(), head.tokenFor("alice"), false);
        WireMessage.OpenSession o = worker.next(WireMessage.OpenSession.class, m -> true);
        assertFalse(o.tty());

        Client second = open(order.jobId(), head.tokenFor("alice"), false);
        assertEquals(SessionRoute.NOT_ALLOWED, second.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(second.next().text().contains("has a session open already"));

        c.ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        WireMessage.KillSpawn k = worker.next(WireMessage.KillSpawn.class, m -> true);
        assertEquals(o.spawnId(), k.spawnId());
    }

    /** As every answer held open with a token (issue #15): its revocation ends the session, and so its shell. */
    @Test
    void aRevokedTokenEndsTheSession() throws Exception {
        WireMessage.LaunchOrder order = running(List.of("-I"));
        Client c = open(order.jobId(), head.tokenFor("alice"), false);
        WireMessage.OpenSession o = worker.next(WireMessage.OpenSession.class, m -> true);
        head.service().tokens().revoke("alice");
        assertTrue(c.next().text().contains("the session ended"));
        c.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(o.spawnId(), worker.next(WireMessage.KillSpawn.class, m -> true).spawnId());
    }

    @Test
    void onlyTheOwnerOfARunningInteractiveJobOpensItsSession() throws Exception {
        WireMessage.LaunchOrder batch = running(List.of());
        WireMessage.LaunchOrder interactive = running(List.of("-I"));

        Client none = open(interactive.jobId(), "", false);
        assertEquals(SessionRoute.UNAUTHENTICATED, none.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(none.next().text().contains("needs your token"));

        Client bob = open(interactive.jobId(), head.tokenFor("bob"), false);
        assertEquals(SessionRoute.FORBIDDEN, bob.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(bob.next().text().contains("only its owner may open its session"));

        Client admin = open(interactive.jobId(), head.adminToken(), false);
        assertEquals(SessionRoute.FORBIDDEN, admin.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS),
                "an admin gets no shell as another user");

        Client notInteractive = open(batch.jobId(), head.tokenFor("alice"), false);
        assertEquals(SessionRoute.NOT_ALLOWED, notInteractive.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(notInteractive.next().text().contains("was not submitted with -I"));

        Client unknown = open("999", head.tokenFor("alice"), false);
        assertEquals(SessionRoute.NOT_FOUND, unknown.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    }
}
