package dev.hpc.head.gateway;

import dev.hpc.api.wire.ClusterSecret;
import dev.hpc.api.wire.WorkerHandshake;
import dev.hpc.head.HeadConfig;
import dev.hpc.head.LinkSecurity;
import dev.hpc.head.web.RunningHead;
import dev.hpc.head.web.WireWorker;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #15: 100 worker links that never said hello were held with no handshake timeout. Now a link
 * that has not registered (with its proof, where there is a secret) within the link handshake timeout
 * is refused and closed, and a worker that does register is served as before.
 */
class LinkHandshakeTimeoutTest {
    private static final int SILENT_LINKS = 100;

    @TempDir
    Path tmp;

    private static HeadConfig config(Path dir) {
        HeadConfig d = HeadConfig.defaults("head1", "test", dir).withPort(0);
        return d.withEdge(d.edge().withLinkHandshakeTimeout(Duration.ofSeconds(1)));
    }

    private static void assertClosedForTheHandshake(RawLink link) throws Exception {
        RawLink.Closed closed = link.awaitClosed();
        assertEquals(1008, closed.code(), closed.toString());
        assertTrue(closed.reason().contains("handshake"), closed.reason());
    }

    @Test
    void linksThatNeverSayHelloAreClosedAndAWorkerThatRegistersIsServed() throws Exception {
        try (RunningHead head = RunningHead.start(config(tmp.resolve("head")))) {
            HttpClient http = HttpClient.newHttpClient();
            List<RawLink> silent = new ArrayList<>();
            try {
                for (int i = 0; i < SILENT_LINKS; i++) {
                    silent.add(RawLink.open("ws://127.0.0.1:" + head.port(), http));
                }
                for (RawLink link : silent) {
                    assertClosedForTheHandshake(link);
                }
            } finally {
                silent.forEach(RawLink::close);
            }
            try (WireWorker worker = WireWorker.connect(head.baseUrl(), "node1", 2)) {
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (head.verticle().linkedWorkers() == 0) {
                    assertTrue(System.nanoTime() < deadline, "the worker that registered is linked");
                    Thread.sleep(20);
                }
            }
            // the upgraded connections left the edge's table: 101 links leave nothing behind
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (head.verticle().openConnections() > 0) {
                assertTrue(System.nanoTime() < deadline, head.verticle().openConnections() + " connections still timed");
                Thread.sleep(20);
            }
        }
    }

    @Test
    void aLinkThatSaysHelloButNeverProvesTheSecretIsClosed() throws Exception {
        ClusterSecret secret = ClusterSecret.of("the-cluster-secret-of-this-test-0123456789"
                .getBytes(StandardCharsets.US_ASCII));
        try (RunningHead head = RunningHead.start(config(tmp.resolve("head"))
                .withLinkSecurity(new LinkSecurity(Optional.of(secret), Optional.empty(), "")));
             RawLink link = RawLink.open("ws://127.0.0.1:" + head.port(), Optional.empty())) {
            link.send(new WorkerHandshake(Optional.of(secret)).hello().orElseThrow());
            link.next(dev.hpc.api.wire.WireMessage.Challenge.class);
            link.next(dev.hpc.api.wire.WireMessage.Refused.class);
            assertClosedForTheHandshake(link);
        }
    }
}
