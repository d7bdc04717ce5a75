package dev.hpc.head.api;

import dev.hpc.api.client.ApiToken;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.head.web.RunningHead;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Prefer: return=minimal} on {@code POST /api/v1/jobs}, as qsub sends it, against a real head. */
class MinimalSubmitAnswerTest {
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

    private HttpResponse<String> submit(String prefer) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(head.baseUrl() + "/api/v1/jobs"))
                .header("Authorization", "Bearer " + head.tokenFor("alice"))
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("script", "#!/bin/sh\ntrue\n",
                        "options", List.of("-h"), "submitDir", "/home/alice"))));
        if (!prefer.isEmpty()) {
            r.header("Prefer", prefer);
        }
        return HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aMinimalAnswerHoldsTheIdWithoutTheJob() throws Exception {
        HttpResponse<String> r = submit("respond-async, return=minimal");

        assertEquals(201, r.statusCode(), r.body());
        assertEquals("return=minimal", r.headers().firstValue("Preference-Applied").orElse(""));
        JsonFields answer = Json.readObject(r.body());
        assertFalse(answer.has("job"), r.body());
        assertEquals("HELD", head.job(answer.string("id")).string("state"), "the job was made all the same");
    }

    @Test
    void withoutThePreferenceTheAnswerHoldsTheWholeJob() throws Exception {
        HttpResponse<String> r = submit("return=representation");

        assertEquals(201, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Preference-Applied").isEmpty());
        JsonFields answer = Json.readObject(r.body());
        assertEquals(answer.string("id"), answer.object("job").string("id"));
    }

    @Test
    void theJavaClientAsksForTheIdAlone() throws Exception {
        HeadClient client = new HeadClient(List.of(head.baseUrl()), ApiToken.of(head.tokenFor("alice")),
                HeadTransport.Settings.defaults());

        String id = client.submitForId(new SubmitRequest("#!/bin/sh\ntrue\n", List.of("-h", "-N", "quick"), "alice",
                "login1", "/home/alice", Map.of()));

        assertEquals("quick", client.job(id).spec().name());
    }
}
