package dev.hpc.head.api;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.head.access.Role;
import dev.hpc.head.web.RunningHead;
import dev.hpc.head.web.WireWorker;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 4: the node administration routes and the event log against a real head and a wire worker. */
class NodeAdminRoutesTest {
    @TempDir
    Path dir;
    private RunningHead head;
    private WireWorker worker;

    @BeforeEach
    void start() throws Exception {
        head = RunningHead.start(dir, "test");
        head.grant("root", Role.OPERATOR);
        worker = WireWorker.connect(head.baseUrl(), "node1", 2);
        awaitNode("FREE");
    }

    @AfterEach
    void stop() {
        if (worker != null) {
            worker.close();
        }
        if (head != null) {
            head.close();
        }
    }

    private JsonFields node() throws Exception {
        return Json.readObject(head.get("/api/v1/nodes/node1").body());
    }

    private void awaitNode(String state) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!node().string("state").equals(state)) {
            assertTrue(System.nanoTime() < deadline, "node1 never became " + state + ": " + node().raw());
            Thread.sleep(20);
        }
    }

    private List<JsonFields> awaitEvents(String kind) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            HttpResponse<String> r = head.get("/api/v1/events/log?limit=50");
            assertEquals(200, r.statusCode(), r.body());
            List<JsonFields> events = Json.readObject(r.body()).objects("events");
            if (events.stream().anyMatch(e -> e.string("kind").equals(kind))) {
                return events;
            }
            assertTrue(System.nanoTime() < deadline, "no " + kind + " in the event log: " + r.body());
            Thread.sleep(20);
        }
    }

    @Test
    void offlineAndClearChangeTheNodeAndAreInTheEventLog() throws Exception {
        HttpResponse<String> off = head.post("/api/v1/nodes/node1/offline", "root", "{\"note\": \"fan failure\"}");
        assertEquals(200, off.statusCode(), off.body());
        JsonFields n = Json.readObject(off.body());
        assertEquals("OFFLINE", n.string("state"));
        assertEquals("offline", n.string("pbsState"));
        assertEquals("fan failure", n.string("reason"));
        assertEquals("ADMIN", n.string("offlineBy"));

        HttpResponse<String> clear = head.post("/api/v1/nodes/node1/clear", "root", "");
        assertEquals(200, clear.statusCode(), clear.body());
        assertEquals("FREE", Json.readObject(clear.body()).string("state"));

        List<JsonFields> events = awaitEvents("NODE_BACK");
        JsonFields offline = events.stream().filter(e -> e.string("kind").equals("NODE_OFFLINE")).findFirst()
                .orElseThrow();
        assertEquals("node1", offline.string("subject"));
        assertTrue(offline.string("message").contains("taken offline by root: fan failure"), offline.raw().toString());
        assertTrue(offline.longValue("id") > 0);
    }

    @Test
    void aPlainUserMayNotChangeANode() throws Exception {
        for (String action : List.of("offline", "clear", "drain", "stop")) {
            HttpResponse<String> r = head.post("/api/v1/nodes/node1/" + action, "mallory", "");
            assertEquals(403, r.statusCode(), action + ": " + r.body());
            assertTrue(Json.readObject(r.body()).string("message").contains("only an operator or an admin"), r.body());
        }
        assertEquals("FREE", node().string("state"), "nothing changed");
    }

    @Test
    void drainThenStopWithDrainOfAnIdleNodeTakesItDown() throws Exception {
        HttpResponse<String> drain = head.post("/api/v1/nodes/node1/drain", "root", "");
        assertEquals("DRAINING", Json.readObject(drain.body()).string("state"));
        HttpResponse<String> stop = head.post("/api/v1/nodes/node1/stop", "root", "{\"drain\": true}");
        assertEquals(200, stop.statusCode(), stop.body());
        assertEquals("DOWN", Json.readObject(stop.body()).string("state"));
        HttpResponse<String> again = head.post("/api/v1/nodes/node1/stop", "root", "{}");
        assertEquals(409, again.statusCode());
        assertEquals("NOT_ALLOWED", Json.readObject(again.body()).string("code"));
    }

    @Test
    void anUnknownNodeOrABadRequestIsRefusedWithTheApisErrors() throws Exception {
        for (String action : List.of("offline", "clear", "drain", "stop")) {
            HttpResponse<String> r = head.post("/api/v1/nodes/nodeX/" + action, "root", "");
            assertEquals(404, r.statusCode(), action);
            JsonFields e = Json.readObject(r.body());
            assertEquals("UNKNOWN_NODE", e.string("code"));
            assertEquals("Unknown node nodeX", e.string("message"));
        }
        HttpResponse<String> field = head.post("/api/v1/nodes/node1/offline", "root", "{\"reason\": \"x\"}");
        assertEquals(400, field.statusCode());
        assertEquals("BAD_REQUEST", Json.readObject(field.body()).string("code"));
        assertEquals(400, head.get("/api/v1/events/log?limit=0").statusCode());
        assertEquals("FREE", node().string("state"), "nothing changed");
    }

    @Test
    void anAlertGoesOutOnTheEventStream() throws Exception {
        HttpResponse<InputStream> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(head.baseUrl() + "/api/v1/events")).header("Authorization", "Bearer " + head.adminToken())
                        .timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            CompletableFuture<String> alert = CompletableFuture.supplyAsync(() -> {
                try {
                    String line;
                    boolean isAlert = false;
                    while ((line = in.readLine()) != null) {
                        if (line.equals("event: alert")) {
                            isAlert = true;
                        } else if (isAlert && line.startsWith("data: ")) {
                            return line.substring(6);
                        } else if (line.isEmpty()) {
                            isAlert = false;
                        }
                    }
                    return "";
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // the stream may not count this client yet: change the node until an alert comes through
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!alert.isDone() && System.nanoTime() < deadline) {
                head.post("/api/v1/nodes/node1/offline", "root", "{\"note\": \"stream\"}");
                head.post("/api/v1/nodes/node1/clear", "root", "");
                try {
                    alert.get(200, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException notYet) {
                    // the client may not have been registered yet: change the node again
                }
            }
            JsonFields a = Json.readObject(alert.get(1, TimeUnit.SECONDS));
            assertTrue(List.of("NODE_OFFLINE", "NODE_BACK").contains(a.string("kind")), a.raw().toString());
            assertEquals("node1", a.string("subject"));
        }
    }
}
