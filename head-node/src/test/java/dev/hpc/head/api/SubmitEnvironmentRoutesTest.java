package dev.hpc.head.api;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.head.web.RunningHead;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #15 ("Security II"), against a real head over HTTP: the cluster's credentials that reach the
 * head through REST (an older qsub sent the whole environment, token included, on every submission)
 * never reach a job, and a submission that names one is refused with what to do instead. Before the
 * fix a {@code -V} submission stored the submitter's {@code HPC_TOKEN} in the job's environment.
 */
class SubmitEnvironmentRoutesTest {
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

    @Test
    void credentialsThatReachTheHeadThroughRestNeverReachTheJob() throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("script", "#!/bin/sh\ntrue\n");
        body.put("options", List.of("-V"));
        body.put("submitDir", "/home/alice");
        body.put("environment", Map.of("HOME", "/home/alice", "HPC_TOKEN", "alice-api-token",
                "HPC_TOKEN_FILE", "/home/alice/.hpc/token", "HPC_SPAWN_TOKEN", "alice-spawn-token",
                "OTHER", "kept"));
        HttpResponse<String> r = head.post("/api/v1/jobs", "alice", Json.write(body));
        assertEquals(201, r.statusCode(), r.body());
        String id = Json.readObject(r.body()).string("id");
        JsonFields stored = head.job(id);
        Map<String, String> env = stored.object("spec").stringMap("environment");
        assertEquals("kept", env.get("OTHER"), "-V copies the rest");
        for (String credential : List.of("HPC_TOKEN", "HPC_TOKEN_FILE", "HPC_SPAWN_TOKEN")) {
            assertFalse(env.containsKey(credential), credential + " reached the job: " + env.keySet());
        }
        assertFalse(Json.write(stored.raw()).contains("alice-api-token"));
    }

    @Test
    void namingACredentialIsRefusedWithWhatToDo() throws Exception {
        Map<String, Object> byOption = new LinkedHashMap<>();
        byOption.put("script", "#!/bin/sh\ntrue\n");
        byOption.put("options", List.of("-v", "HPC_TOKEN=stolen-or-not"));
        HttpResponse<String> r = head.post("/api/v1/jobs", "alice", Json.write(byOption));
        assertEquals(400, r.statusCode(), r.body());
        String message = Json.readObject(r.body()).string("message");
        assertTrue(message.contains("HPC_TOKEN") && message.contains("never passed to a job")
                && message.contains("~/.hpc/token"), message);

        Map<String, Object> byJob = new LinkedHashMap<>();
        byJob.put("script", "#!/bin/sh\ntrue\n");
        byJob.put("job", Map.of("environment", Map.of("HPC_SPAWN_TOKEN", "x")));
        HttpResponse<String> j = head.post("/api/v1/jobs", "alice", Json.write(byJob));
        assertEquals(400, j.statusCode(), j.body());
        assertTrue(Json.readObject(j.body()).string("message").contains("HPC_SPAWN_TOKEN"), j.body());
        assertEquals(0, Json.readObject(head.get("/api/v1/jobs").body()).intValue("total"),
                "nothing was submitted");
    }
}

