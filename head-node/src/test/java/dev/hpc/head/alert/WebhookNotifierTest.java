package dev.hpc.head.alert;

import com.sun.net.httpserver.HttpServer;
import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Alert;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 4: alerts are posted to the webhook as JSON, without ever blocking the head. */
class WebhookNotifierTest {
    private static final Alert DOWN = new Alert(3, Alert.Kind.NODE_DOWN, "node2", "node node2 is down: no heartbeat",
            Instant.parse("2026-11-24T10:00:05Z"));
    private HttpServer server;
    private volatile int status = 204;
    private final BlockingQueue<String> bodies = new LinkedBlockingQueue<>();

    private URI serve() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                    + "|" + ex.getRequestHeaders().getFirst("Content-Type"));
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static void await(LongSupplier counter, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (counter.getAsLong() < atLeast) {
            assertTrue(System.nanoTime() < deadline, "counter stuck at " + counter.getAsLong());
            Thread.sleep(10);
        }
    }

    @Test
    void eachAlertIsPostedAsJson() throws Exception {
        try (WebhookNotifier n = new WebhookNotifier(serve(), Duration.ofSeconds(2), 10, "c", "head1")) {
            n.alert(DOWN);
            String got = bodies.poll(10, TimeUnit.SECONDS);
            String[] parts = got.split("\\|");
            JsonFields f = Json.readObject(parts[0]);
            assertEquals("NODE_DOWN", f.string("kind"));
            assertEquals("node2", f.string("subject"));
            assertEquals("node node2 is down: no heartbeat", f.string("message"));
            assertEquals("2026-11-24T10:00:05Z", f.string("time"));
            assertEquals(3, f.longValue("id"));
            assertEquals("c", f.string("cluster"));
            assertEquals("head1", f.string("head"));
            assertEquals("[c] NODE_DOWN node2: node node2 is down: no heartbeat", f.string("text"));
            assertTrue(parts[1].startsWith("application/json"));
            await(n::sent, 1);
        }
    }

    @Test
    void aRefusalOrNoAnswerIsCountedAndTheNextAlertStillGoes() throws Exception {
        URI url = serve();
        status = 500;
        try (WebhookNotifier n = new WebhookNotifier(url, Duration.ofSeconds(2), 10, "c", "head1")) {
            n.alert(DOWN);
            await(n::failed, 1);
            status = 200;
            n.alert(DOWN);
            await(n::sent, 1);
        }
        try (WebhookNotifier n = new WebhookNotifier(URI.create("http://127.0.0.1:1/hook"), Duration.ofMillis(500), 10,
                "c", "head1")) {
            n.alert(DOWN);
            await(n::failed, 1);
        }
    }

    @Test
    void aFullQueueDropsAlertsInsteadOfBlocking() throws Exception {
        // a server that never answers holds every send until its timeout
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
        try (WebhookNotifier n = new WebhookNotifier(url, Duration.ofSeconds(5), 2, "c", "head1")) {
            long start = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                n.alert(DOWN);
            }
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(1).toNanos(), "alert() never blocks");
            assertTrue(n.dropped() >= 50 - 2 - WebhookNotifier.MAX_IN_FLIGHT - 1, "dropped " + n.dropped());
        }
    }

    @Test
    void onlyHttpUrlsAreAccepted() {
        assertTrue(AlertSettings.webhook("").webhook().isEmpty());
        assertEquals("hooks.example.org", AlertSettings.webhook("https://hooks.example.org/x").webhook().orElseThrow()
                .getHost());
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> AlertSettings.webhook("ftp://x/y"));
        assertTrue(e.getMessage().contains("--alert-webhook"), e.getMessage());
    }
}
