package dev.hpc.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpc.head.web.RunningHead;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probes answer without a token; a lone head is active, so ready; once it steps down it is not. */
class ProbeRoutesTest {
    @TempDir
    Path dir;

    @Test
    void probesAnswerWithoutTokenAndFollowTheRole() throws Exception {
        try (RunningHead head = RunningHead.start(dir, "test")) {
            for (String path : new String[] {"/livez", "/readyz", "/healthz"}) {
                HttpResponse<String> r = head.getWithToken(path, "");
                assertEquals(200, r.statusCode(), path + ": " + r.body());
                assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), path);
            }
            assertEquals("ok: active\n", head.getWithToken("/readyz", "").body());

            head.service().term().deactivate();

            assertEquals(200, head.getWithToken("/livez", "").statusCode());
            HttpResponse<String> ready = head.getWithToken("/readyz", "");
            assertEquals(503, ready.statusCode(), ready.body());
            assertEquals("not ready: standby\n", ready.body());
            assertEquals(200, head.getWithToken("/healthz", "").statusCode());
        }
    }
}
