package dev.hpc.worker;

import dev.hpc.api.testkit.SelfSignedCert;
import dev.hpc.api.wire.ClusterSecret;
import dev.hpc.api.wire.WireCodec;
import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.PfxOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #8, "workers and heads authenticate each other": a worker obeys a head only after the head
 * proved the cluster secret on that link, and proves it back in its registration.
 */
class WorkerLinkSecretTest {
    private static final ClusterSecret SECRET = ClusterSecret.of(
            "the-cluster-secret-of-this-test-0123456789".getBytes(StandardCharsets.US_ASCII));
    private static final ClusterSecret WRONG = ClusterSecret.of(
            "a-secret-the-forger-guessed-wrong-987654321".getBytes(StandardCharsets.US_ASCII));

    @TempDir
    Path tmp;
    private Vertx workerVertx;
    private Vertx headVertx;
    private Path marker;

    @BeforeEach
    void setUp() throws Exception {
        workerVertx = Vertx.vertx();
        headVertx = Vertx.vertx();
        Files.createDirectories(tmp.resolve("job"));
        marker = tmp.resolve("job").resolve("ran");
    }

    @AfterEach
    void tearDown() {
        workerVertx.close().await();
        headVertx.close().await();
    }

    /** How the head in the test answers the worker's hello. */
    private enum HeadKind { KNOWS_THE_SECRET, WRONG_SECRET, IGNORES_THE_HANDSHAKE }

    /**
     * A plain Vert.x WebSocket server in the head's place. Whatever it is, once it thinks it may, it
     * welcomes the worker and orders a task that leaves a marker file.
     */
    private final class TestHead {
        final List<FromWorker> received = new CopyOnWriteArrayList<>();
        final AtomicInteger connections = new AtomicInteger();
        final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
        volatile boolean workerProofValid;
        final HttpServer server;

        TestHead(HeadKind kind) {
            this(kind, new HttpServerOptions());
        }

        TestHead(HeadKind kind, HttpServerOptions options) {
            server = headVertx.createHttpServer(options).webSocketHandler(ws -> accept(ws, kind))
                    .listen(0, "127.0.0.1").await();
        }

        String address() {
            return "127.0.0.1:" + server.actualPort();
        }

        private void accept(ServerWebSocket ws, HeadKind kind) {
            connections.incrementAndGet();
            String headNonce = ClusterSecret.nonce();
            String[] workerNonce = {""};
            ws.closeHandler(v -> closeCodes.add(ws.closeStatusCode() == null ? -1 : (int) ws.closeStatusCode()));
            if (kind == HeadKind.IGNORES_THE_HANDSHAKE) {
                orderTask(ws);
            }
            ws.textMessageHandler(text -> {
                FromWorker m = WireCodec.decodeFromWorker(text);
                received.add(m);
                if (m instanceof WireMessage.Hello h && kind != HeadKind.IGNORES_THE_HANDSHAKE) {
                    workerNonce[0] = h.nonce();
                    ClusterSecret mine = kind == HeadKind.KNOWS_THE_SECRET ? SECRET : WRONG;
                    send(ws, new WireMessage.Challenge(5, "head-t", headNonce,
                            mine.headProof(h.nonce(), headNonce, "head-t")));
                    if (kind == HeadKind.WRONG_SECRET) {
                        orderTask(ws); // right behind its failed proof
                    }
                } else if (m instanceof WireMessage.Register r && kind == HeadKind.KNOWS_THE_SECRET) {
                    workerProofValid = ClusterSecret.matches(SECRET.workerProof(headNonce, workerNonce[0], r.node()),
                            r.secretProof());
                    orderTask(ws);
                }
            });
        }

        private void orderTask(ServerWebSocket ws) {
            send(ws, new WireMessage.Welcome(5, "head-t", Duration.ofMillis(100)));
            send(ws, new WireMessage.Launch(5, aTask(77, "touch " + marker).in(tmp.resolve("job")).build()));
        }

        private void send(ServerWebSocket ws, WireMessage m) {
            ws.writeTextMessage(WireCodec.encode(m));
        }
    }

    private void startWorker(TestHead head) {
        startWorker(head, WorkerConfig.builder().allowRootJobs(true));
    }

    private void startWorker(TestHead head, WorkerConfig.Builder builder) {
        WorkerConfig config = builder.nodeName("node1").hostName("node1.test")
                .heads(List.of(head.address())).cores(2).memory("1gb").spoolDir(tmp.resolve("spool"))
                .killGrace("500ms").heartbeatInterval(Duration.ofMillis(100))
                .reconnect(Duration.ofMillis(50), Duration.ofMillis(200)).clusterSecret(SECRET).build();
        workerVertx.deployVerticle(new WorkerVerticle(config)).await();
    }

    @Test
    void aHeadThatProvesTheSecretIsObeyedAndGetsTheWorkersProof() {
        TestHead head = new TestHead(HeadKind.KNOWS_THE_SECRET);
        startWorker(head);
        Await.until("the task ordered by the head to run", () -> Files.exists(marker));
        assertTrue(head.received.get(0) instanceof WireMessage.Hello, "the worker opens with a hello");
        assertTrue(head.workerProofValid, "the registration carries the worker's proof");
        Await.until("the worker to report the task started", () -> head.received.stream()
                .anyMatch(m -> m instanceof WireMessage.TaskStarted));
    }

    @Test
    void aForgedHeadWithAWrongSecretIsDroppedAndNothingItOrdersRuns() {
        TestHead head = new TestHead(HeadKind.WRONG_SECRET);
        startWorker(head);
        // the worker closes the link (1008) and, after its backoff, tries again
        Await.until("the worker to drop the forged head and reconnect", () -> head.connections.get() >= 2
                && !head.closeCodes.isEmpty());
        assertEquals(1008, head.closeCodes.get(0));
        assertFalse(Files.exists(marker), "the forged head's launch must not run");
        assertTrue(head.received.stream().allMatch(m -> m instanceof WireMessage.Hello),
                "the worker sent nothing but hellos to the forged head: " + head.received);
    }

    @Test
    void aHeadThatSkipsTheHandshakeIsDroppedAndNothingItOrdersRuns() {
        TestHead head = new TestHead(HeadKind.IGNORES_THE_HANDSHAKE);
        startWorker(head);
        Await.until("the worker to drop the head and reconnect", () -> head.connections.get() >= 2
                && !head.closeCodes.isEmpty());
        assertEquals(1008, head.closeCodes.get(0));
        assertFalse(Files.exists(marker), "a launch from a head that proved nothing must not run");
        assertTrue(head.received.stream().allMatch(m -> m instanceof WireMessage.Hello),
                "the worker sent nothing but hellos: " + head.received);
    }

    @Test
    void withATlsCaTheWorkerLinksOverWssAndObeysAHeadThatProvesTheSecret() throws Exception {
        SelfSignedCert cert = SelfSignedCert.make(tmp);
        TestHead head = new TestHead(HeadKind.KNOWS_THE_SECRET, new HttpServerOptions().setSsl(true)
                .setKeyCertOptions(new PfxOptions().setPath(cert.keystore().toString())
                        .setPassword(SelfSignedCert.PASSWORD)));
        startWorker(head, WorkerConfig.builder().allowRootJobs(true).tlsCa(cert.pem()));
        Await.until("the task ordered over wss to run", () -> Files.exists(marker));
        assertTrue(head.workerProofValid);
    }
}
