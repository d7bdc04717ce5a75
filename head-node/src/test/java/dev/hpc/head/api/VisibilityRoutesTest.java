package dev.hpc.head.api;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.head.access.Role;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #15 ("Security II"), against a real head over HTTP with the default setting (listings of
 * other users' jobs visible, as OpenPBS's query_other_jobs=true): every path that shows a job, the
 * single job, the listings (live and history) and the event stream, shows another user's job with
 * its public attributes only, never its script, environment or paths; its owner, operators and
 * admins see all of it. And credentials that reach the head through REST never reach a job. Before
 * the fix {@code GET /api/v1/jobs/ID} gave every caller the script and the environment.
 */
class VisibilityRoutesTest {
    /** Text that appears only in alice's private attributes: script, environment, paths. */
    static final List<String> ALICES_SECRETS = List.of("SECRET_IN_SCRIPT", "alice-secret-value", "/home/alice",
            "alice-laptop");

    @TempDir
    Path dir;
    private RunningHead head;

    @BeforeEach
    void start() {
        head = RunningHead.start(dir, "c");
    }

    @AfterEach
    void stop() {
        if (head != null) {
            head.close();
        }
    }

    /** A job of alice's with a secret in its script, in its environment and in its paths. */
    static String alicesJob(RunningHead head) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("script", "#!/bin/sh\n#PBS -N alices\necho SECRET_IN_SCRIPT\n");
        body.put("options", List.of("-v", "MY_SECRET=alice-secret-value", "-o", "/home/alice/out.txt"));
        body.put("submitHost", "alice-laptop");
        body.put("submitDir", "/home/alice/project");
        body.put("environment", Map.of("HOME", "/home/alice"));
        HttpResponse<String> r = head.post("/api/v1/jobs", "alice", Json.write(body));
        assertEquals(201, r.statusCode(), r.body());
        return Json.readObject(r.body()).string("id");
    }

    static void assertNoSecretOfAlice(String body) {
        for (String secret : ALICES_SECRETS) {
            assertFalse(body.contains(secret), "'" + secret + "' shown to another user: " + body);
        }
    }

    /** The public attributes of alice's job are there; the private ones are not. */
    static void assertPublicView(JsonFields job, String id) {
        assertEquals(id, job.string("id"));
        JsonFields spec = job.object("spec");
        assertEquals("alices", spec.string("name"));
        assertEquals("alice", spec.string("owner"));
        assertEquals("batch", spec.string("queue"));
        assertTrue(spec.has("resources"), "resources are public");
        for (String hidden : List.of("script", "environment", "submitHost", "submitDir", "workDir", "stdoutPath",
                "stderrPath", "mailUsers")) {
            assertFalse(spec.has(hidden), hidden + " shown to another user");
        }
    }

    @Test
    void anotherUserSeesThePublicAttributesOfAJobNeverItsScriptEnvironmentOrPaths() throws Exception {
        String id = alicesJob(head);
        HttpResponse<String> seen = head.getWithToken("/api/v1/jobs/" + id, head.tokenFor("mallory"));
        assertEquals(200, seen.statusCode(), seen.body());
        assertNoSecretOfAlice(seen.body());
        assertPublicView(Json.readObject(seen.body()), id);
    }

    @Test
    void theOwnerAnOperatorAndAnAdminSeeAllOfIt() throws Exception {
        String id = alicesJob(head);
        head.grant("olga", Role.OPERATOR);
        head.grant("adam", Role.ADMIN);
        for (String who : List.of("alice", "olga", "adam")) {
            HttpResponse<String> r = head.getWithToken("/api/v1/jobs/" + id, head.tokenFor(who));
            assertEquals(200, r.statusCode(), who + ": " + r.body());
            JsonFields spec = Json.readObject(r.body()).object("spec");
            assertTrue(spec.string("script").contains("SECRET_IN_SCRIPT"), who);
            assertEquals("alice-secret-value", spec.stringMap("environment").get("MY_SECRET"), who);
            assertEquals("/home/alice/out.txt", spec.string("stdoutPath"), who);
            assertEquals("/home/alice/project", spec.string("submitDir"), who);
        }
    }

    @Test
    void listingsShowAnotherUsersJobWithItsPublicAttributesOnly() throws Exception {
        String id = alicesJob(head);
        for (String path : List.of("/api/v1/jobs", "/api/v1/jobs?history=true", "/api/v1/jobs?user=alice")) {
            HttpResponse<String> r = head.getWithToken(path, head.tokenFor("mallory"));
            assertEquals(200, r.statusCode(), path + ": " + r.body());
            assertNoSecretOfAlice(r.body());
            List<JsonFields> jobs = Json.readObject(r.body()).objects("jobs");
            assertEquals(1, jobs.size(), path + ": listings of others' jobs are visible by default");
            assertPublicView(jobs.get(0), id);
        }
        HttpResponse<String> own = head.getWithToken("/api/v1/jobs", head.tokenFor("alice"));
        JsonFields mine = Json.readObject(own.body()).objects("jobs").get(0).object("spec");
        assertEquals("/home/alice/project", mine.string("submitDir"), "the owner's listing keeps the paths");
    }

    @Test
    void theEventStreamCarriesOnlyThePublicAttributesOfAnotherUsersJob() throws Exception {
        try (EventReader mallory = EventReader.open(head, head.tokenFor("mallory"))) {
            mallory.await(e -> e.name().equals("cluster"));
            String id = alicesJob(head);
            Event event = mallory.await(e -> e.name().equals("job") && e.data().contains("\"" + id + "\""));
            assertNoSecretOfAlice(event.data());
            assertPublicView(Json.readObject(event.data()), id);
        }
        try (EventReader alice = EventReader.open(head, head.tokenFor("alice"))) {
            alice.await(e -> e.name().equals("cluster"));
            head.post("/api/v1/jobs/" + Json.readObject(head.get("/api/v1/jobs").body()).objects("jobs").get(0)
                    .string("id") + "/hold", "alice", "");
            Event held = alice.await(e -> e.name().equals("job") && e.data().contains("\"HELD\""));
            assertEquals("/home/alice/project", Json.readObject(held.data()).object("spec").string("submitDir"),
                    "the owner's events keep the paths");
        }
    }

    // ------------------------------------------------------------------ reading the event stream

    record Event(String id, String name, String data) {
    }

    /** A client of {@code GET /api/v1/events} that reads events in the SSE format of docs/web.md. */
    static final class EventReader implements AutoCloseable {
        private final BufferedReader in;
        final List<Event> seen = new ArrayList<>();

        private EventReader(BufferedReader in) {
            this.in = in;
        }

        static EventReader open(RunningHead head, String token) throws Exception {
            HttpResponse<InputStream> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    head.baseUrl() + "/api/v1/events?access_token=" + token)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, stream.statusCode());
            return new EventReader(new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8)));
        }

        Event await(Predicate<Event> wanted) throws Exception {
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

        @Override
        public void close() throws Exception {
            in.close();
        }
    }
}
