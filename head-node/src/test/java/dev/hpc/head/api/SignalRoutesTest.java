package dev.hpc.head.api;

import dev.hpc.api.job.WalltimeSignal;
import dev.hpc.api.json.Json;
import dev.hpc.head.web.RunningHead;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19, item 5, against a real head over HTTP: the signal before the walltime ends is taken from a
 * script's directive or the JSON field {@code job.signal}, shown in the job's JSON as {@code Resource_List.signal},
 * and a bad value is refused at submission saying what to write.
 */
class SignalRoutesTest {
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

    private HttpResponse<String> submit(String script, Map<String, Object> job) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("script", script);
        body.put("submitDir", "/home/alice");
        if (!job.isEmpty()) {
            body.put("job", job);
        }
        return head.post("/api/v1/jobs", "alice", Json.write(body));
    }

    private String recordedSignal(HttpResponse<String> r) throws Exception {
        assertEquals(201, r.statusCode(), r.body());
        String id = Json.readObject(r.body()).string("id");
        return head.job(id).object("spec").stringMap("recorded").get(WalltimeSignal.RECORDED);
    }

    @Test
    void theDirectiveAndTheJsonFieldAreShownTheFieldWinning() throws Exception {
        assertEquals("USR1@120", recordedSignal(submit("#!/bin/sh\n#SBATCH --signal=SIGUSR1@120\ntrue\n", Map.of())));
        assertEquals("USR1@300", recordedSignal(submit("#!/bin/sh\n#PBS -l signal=usr1@5:00\ntrue\n", Map.of())));
        assertEquals("B:USR2@60", recordedSignal(submit("#!/bin/sh\n#SBATCH --signal=USR1@120\ntrue\n",
                Map.of("signal", "B:USR2"))));
    }

    @Test
    void aBadValueIsRefusedSayingWhatToWrite() throws Exception {
        HttpResponse<String> directive = submit("#!/bin/sh\n#SBATCH --signal=USR1@70000\ntrue\n", Map.of());
        assertEquals(400, directive.statusCode(), directive.body());
        String message = Json.readObject(directive.body()).string("message");
        assertTrue(message.startsWith("line 2: --signal") && message.contains("at most 65535"), message);

        HttpResponse<String> field = submit("#!/bin/sh\ntrue\n", Map.of("signal", "USR1@60,walltime=1"));
        assertEquals(400, field.statusCode(), field.body());
        String fieldMessage = Json.readObject(field.body()).string("message");
        assertTrue(fieldMessage.startsWith("field 'job.signal'") && fieldMessage.contains("[B:]SIGNAL[@SECONDS]"),
                fieldMessage);
    }
}
