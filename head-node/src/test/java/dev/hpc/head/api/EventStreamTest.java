package dev.hpc.head.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpc.api.Json;
import dev.hpc.api.JsonFields;
import dev.hpc.head.web.RunningHead;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GET /api/v1/events against a real head: the summary on connect, then every committed job change. */
class EventStreamTest {
    @TempDir
    Path dir;

    record Event(String id, String name, String data) {
    }

    /** Reads events until one matches; the lines are the SSE format of docs/web.md. */
    private static Event awaitEvent(BufferedReader in, Predicate<Event> wanted, List<Event> seen) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                String id = "";
                String name = "message";
                StringBuilder data = new StringBuilder();
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (data.length() > 0) {
                            Event e = new Event(id, name, data.toString());
                            seen.add(e);
                            if (wanted.test(e)) {
                                return e;
                            }
                        }
                        name = "message";
                        data.setLength(0);
                    } else if (line.startsWith("id: ")) {
                        id = line.substring(4);
                    } else if (line.startsWith("event: ")) {
                        name = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        data.append(line.substring(6));
                    }
                }
                throw new IllegalStateException("the stream ended; seen " + seen);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(15, TimeUnit.SECONDS);
    }

    @Test
    void aSubscriberSeesTheClusterThenEveryChangeOfAJob() throws Exception {
        try (RunningHead head = RunningHead.start(dir, "test")) {
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<InputStream> stream = client.send(HttpRequest.newBuilder(
                    URI.create(head.baseUrl() + "/api/v1/events")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, stream.statusCode());
            assertTrue(stream.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            List<Event> seen = new ArrayList<>();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                Event cluster = awaitEvent(in, e -> e.name().equals("cluster"), seen);
                assertEquals("test", Json.readObject(cluster.data()).string("cluster"));

                String id = head.submit("alice", "watched", List.of());
                Event queued = awaitEvent(in, e -> e.name().equals("job") && e.data().contains("\"" + id + "\""),
                        seen);
                JsonFields job = Json.readObject(queued.data());
                assertEquals("QUEUED", job.string("state"));
                assertEquals("watched", job.object("spec").string("name"));
                assertTrue(!job.object("spec").has("script"), "events leave the script out");

                head.post("/api/v1/jobs/" + id + "/hold", "alice", "");
                Event held = awaitEvent(in, e -> e.name().equals("job") && e.data().contains("\"HELD\""), seen);
                assertTrue(Long.parseLong(held.id()) > Long.parseLong(queued.id()), "event ids rise");
                awaitEvent(in, e -> e.name().equals("cluster") && e.data().contains("\"HELD\":1"), seen);
            }
        }
    }
}
