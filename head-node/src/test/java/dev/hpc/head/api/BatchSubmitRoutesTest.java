package dev.hpc.head.api;

import dev.hpc.api.client.ApiToken;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.job.JobId;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.head.web.RunningHead;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /api/v1/jobs/batch} against a real head: many jobs in one commit, all or none. */
class BatchSubmitRoutesTest {
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

    private static Map<String, Object> scriptSubmission(String name, List<String> options) {
        List<String> all = new ArrayList<>(List.of("-N", name));
        all.addAll(options);
        return Map.of("script", "#!/bin/sh\ntrue\n", "options", all, "submitDir", "/home/alice");
    }

    private HttpResponse<String> batch(String user, List<Map<String, Object>> submissions, String key)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(head.baseUrl() + "/api/v1/jobs/batch"))
                .header("Authorization", "Bearer " + head.tokenFor(user))
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("submissions", submissions))));
        if (!key.isEmpty()) {
            r.header(HeadClient.IDEMPOTENCY_KEY, key);
        }
        return HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private int jobCount() throws Exception {
        HttpResponse<String> r = head.get("/api/v1/jobs?limit=10000");
        return Json.readObject(r.body()).objects("jobs").size();
    }

    @Test
    void aBatchIsAcceptedInOrderWithConsecutiveNumbers() throws Exception {
        HttpResponse<String> r = batch("alice", List.of(
                scriptSubmission("first", List.of("-h")),
                Map.of("script", "#!/bin/sh\ntrue\n", "submitDir", "/home/alice",
                        "job", Map.of("name", "second", "userHold", true, "resources", Map.of("coresPerNode", 2))),
                scriptSubmission("third", List.of("-h", "-J", "1-4"))), "");
        assertEquals(201, r.statusCode(), r.body());
        List<String> ids = Json.readObject(r.body()).strings("ids");
        assertEquals(3, ids.size(), r.body());
        long first = JobId.parse(ids.get(0)).number();
        assertEquals(first + 1, JobId.parse(ids.get(1)).number());
        assertEquals(first + 2, JobId.parse(ids.get(2)).number());
        assertEquals("first", head.job(ids.get(0)).object("spec").string("name"));
        JsonFields second = head.job(ids.get(1)).object("spec");
        assertEquals("second", second.string("name"));
        assertEquals(2, second.object("resources").intValue("coresPerNode"));
        assertEquals("alice", second.string("owner"), "the token says who submits");
        assertEquals("third", head.job(ids.get(2)).object("spec").string("name"));
    }

    @Test
    void oneBadSubmissionRefusesTheBatchNamingItAndCreatesNothing() throws Exception {
        String before = head.submit("alice", "before", List.of("-h"));
        int count = jobCount();
        HttpResponse<String> r = batch("alice", List.of(scriptSubmission("ok", List.of("-h")),
                scriptSubmission("bad", List.of("-l", "walltime=1:xx:00"))), "");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("submissions[1]: option -l walltime=1:xx:00"), r.body());
        assertEquals(count, jobCount(), "a refused batch creates no job");
        String after = head.submit("alice", "after", List.of("-h"));
        assertEquals(JobId.parse(before).number() + 1, JobId.parse(after).number(), "and takes no number");
    }

    @Test
    void aSubmissionForAnotherUserRefusesTheBatchNamingIt() throws Exception {
        Map<String, Object> forBob = new HashMap<>(scriptSubmission("theirs", List.of("-h")));
        forBob.put("user", "bob");
        HttpResponse<String> r = batch("alice", List.of(scriptSubmission("mine", List.of("-h")), forBob), "");
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("submissions[1]: your token is for alice"), r.body());
        assertEquals(0, jobCount());
    }

    @Test
    void aResentBatchIsAnsweredWithTheSameJobs() throws Exception {
        List<Map<String, Object>> submissions = List.of(scriptSubmission("a", List.of("-h")),
                scriptSubmission("b", List.of("-h")));
        HttpResponse<String> first = batch("alice", submissions, "batch-key-1");
        HttpResponse<String> again = batch("alice", submissions, "batch-key-1");
        assertEquals(201, first.statusCode(), first.body());
        assertEquals(201, again.statusCode(), again.body());
        assertEquals(Json.readObject(first.body()).strings("ids"), Json.readObject(again.body()).strings("ids"));
        assertEquals(2, jobCount());
    }

    @Test
    void anEmptyOrOversizedBatchIsRefused() throws Exception {
        HttpResponse<String> empty = batch("alice", List.of(), "");
        assertEquals(400, empty.statusCode(), empty.body());
        assertTrue(empty.body().contains("must list 1 to 1000 submissions"), empty.body());
        List<Map<String, Object>> many = new ArrayList<>();
        for (int i = 0; i < ApiRoutes.MAX_BATCH + 1; i++) {
            many.add(scriptSubmission("j" + i, List.of("-h")));
        }
        HttpResponse<String> tooMany = batch("alice", many, "");
        assertEquals(400, tooMany.statusCode(), tooMany.body());
        assertEquals(0, jobCount());
    }

    @Test
    void theJavaClientSubmitsABatch() {
        HeadClient client = new HeadClient(List.of(head.baseUrl()), ApiToken.of(head.tokenFor("alice")),
                HeadTransport.Settings.defaults());
        SubmitRequest held = new SubmitRequest("#!/bin/sh\ntrue\n", List.of("-h"), "alice", "login1", "/home/alice",
                Map.of());
        List<String> ids = client.submitAll(List.of(held, held, held));
        assertEquals(3, ids.size());
        for (String id : ids) {
            assertEquals("HELD", client.job(id).state().name());
        }
    }
}
