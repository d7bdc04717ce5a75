package dev.hpc.head.api;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.wire.WireMessage.OutputChunk;
import dev.hpc.api.wire.WireMessage.ReadOutput;
import dev.hpc.head.RequestRejected;
import dev.hpc.head.web.RunningHead;
import dev.hpc.head.web.WireWorker;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 7: {@code GET /api/v1/jobs/{id}/output} on a real head, with a worker that speaks the real link
 * ({@link WireWorker}) and, for the timeout and a missing link, the route on a fake link.
 */
class OutputRoutesTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    private RunningHead head;
    private WireWorker worker;

    @BeforeEach
    void start() throws Exception {
        head = RunningHead.startQuick(dir, "t");
        worker = WireWorker.connect(head.baseUrl(), "node1", 2);
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

    private String runningJob() throws Exception {
        String id = head.submit("alice", "peek", List.of());
        worker.awaitLaunch(id, WAIT);
        await("job " + id + " runs", () -> state(id).equals("RUNNING"));
        return id;
    }

    private String state(String id) {
        try {
            return head.job(id).string("state");
        } catch (Exception e) {
            return "";
        }
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    private HttpResponse<String> output(String id, String query) throws Exception {
        return head.get("/api/v1/jobs/" + id.replace("[", "%5B").replace("]", "%5D") + "/output" + query);
    }

    private static JsonFields ok(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        return Json.readObject(r.body());
    }

    private static void refused(HttpResponse<String> r, int status, String code, String messageStart) {
        assertEquals(status, r.statusCode(), r.body());
        JsonFields f = Json.readObject(r.body());
        assertEquals(code, f.string("code"), r.body());
        assertTrue(f.string("message").startsWith(messageStart), f.string("message"));
    }

    @Test
    void theOutputOfARunningTaskIsReadFromItsWorkerWholeFromAnOffsetOrItsTail() throws Exception {
        String id = runningJob();
        byte[] text = "line 1\nline 2 é\n".getBytes(StandardCharsets.UTF_8); // é is two bytes: 14 and 15
        worker.output(id, text);

        JsonFields all = ok(output(id, ""));
        assertEquals("line 1\nline 2 é\n", all.string("data"));
        assertEquals(0, all.longValue("offset"));
        assertEquals(text.length, all.longValue("next"));
        assertEquals(text.length, all.longValue("size"));
        assertTrue(all.bool("eof", false));
        assertTrue(all.bool("running", false));
        assertEquals("RUNNING", all.string("state"));
        assertEquals("node1", all.string("node"));
        assertEquals(id, all.string("task"));
        assertEquals("stdout", all.string("stream"));

        JsonFields tail = ok(output(id, "?offset=-4"));
        assertEquals(" é\n", tail.string("data"));
        assertEquals(13, tail.longValue("offset"));

        JsonFields insideACharacter = ok(output(id, "?offset=-2"));
        assertEquals("\n", insideACharacter.string("data"), "the half of é is skipped");
        assertEquals(16, insideACharacter.longValue("offset"));

        JsonFields cutBeforeACharacter = ok(output(id, "?offset=7&limit=8"));
        assertEquals("line 2 ", cutBeforeACharacter.string("data"), "the cut é is left for the next read");
        assertEquals(14, cutBeforeACharacter.longValue("next"));
        assertFalse(cutBeforeACharacter.bool("eof", true));
        assertEquals("é\n", ok(output(id, "?offset=14")).string("data"));

        assertEquals("", ok(output(id, "?stream=stderr")).string("data"));
        refused(output(id, "?stream=%2Fetc%2Fpasswd"), 400, "BAD_REQUEST", "stream '/etc/passwd' is not one of");
        refused(output(id, "?limit=2000000"), 400, "BAD_REQUEST", "parameter 'limit' must be between 1 and 1048576");
    }

    @Test
    void theOutputOfATaskThatEndedIsStillRead() throws Exception {
        String id = runningJob();
        worker.output(id, "done\n".getBytes(StandardCharsets.UTF_8));
        worker.finish(id, 0);
        await("job " + id + " completes", () -> state(id).equals("COMPLETED"));
        JsonFields f = ok(output(id, ""));
        assertEquals("done\n", f.string("data"));
        assertFalse(f.bool("running", true));
        assertEquals("COMPLETED", f.string("state"));
    }

    @Test
    void aTaskThatHasNotStartedAnUnknownJobAndAnArrayJobWithoutTaskAreRefused() throws Exception {
        String held = head.submit("alice", "held", List.of("-h"));
        refused(output(held, ""), 409, "NOT_ALLOWED", held + " has not started yet (held)");
        refused(output("999", ""), 404, "UNKNOWN_JOB", "");
        String array = head.submit("alice", "arr", List.of("-h", "-t", "1-3"));
        refused(output(array, ""), 400, "BAD_REQUEST", "job " + array + " is an array job of 3 tasks: name one");
        String second = array.replace("[]", "[2]");
        refused(output(second, ""), 409, "NOT_ALLOWED", second + " has not started yet");
        refused(output(array, "?task=7"), 404, "UNKNOWN_JOB", "job " + array + " has no task 7");
    }

    @Test
    void theNodeThatRanItBeingDownIsSaid() throws Exception {
        String id = runningJob();
        worker.kill();
        await("node1 is down", () -> {
            try {
                return head.get("/api/v1/nodes/node1").body().contains("\"state\":\"DOWN\"");
            } catch (Exception e) {
                return false;
            }
        });
        refused(output(id, ""), 409, "NOT_ALLOWED", "the node that ran " + id + " is down: node1");
    }

    /** The route on a link that never answers or cannot send: 504 after its timeout, 409 at once. */
    @Test
    void aWorkerThatDoesNotAnswerInTimeGivesATimeout() throws Exception {
        String id = runningJob();
        AtomicBoolean linked = new AtomicBoolean(true);
        Vertx vertx = Vertx.vertx();
        try {
            OutputRoutes routes = new OutputRoutes(vertx, head.service(), (node, read) -> linked.get(),
                    Duration.ofMillis(300));
            Router router = Router.router(vertx);
            new Authenticator(head.service().tokens(), "test").mount(router);
            routes.mount(router);
            router.route().failureHandler(ctx -> {
                RequestRejected r = (RequestRejected) ctx.failure();
                ctx.response().setStatusCode(r.status()).end(Json.write(Map.of("code", r.code(), "message",
                        r.getMessage())));
            });
            HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
            HttpClient http = HttpClient.newHttpClient();
            URI uri = URI.create("http://127.0.0.1:" + server.actualPort() + "/api/v1/jobs/" + id + "/output");
            long t0 = System.nanoTime();
            HttpRequest read = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + head.adminToken())
                    .build();
            HttpResponse<String> late = http.send(read,
                    HttpResponse.BodyHandlers.ofString());
            refused(late, 504, "TIMEOUT", "node node1, which ran " + id + ", did not answer within 300 ms");
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(), "the timeout took too long");
            assertEquals(0, routes.pendingReads());
            routes.answer("node1", new OutputChunk("late", 0, new byte[0], 0, "", "")); // nobody waits: ignored

            linked.set(false);
            refused(http.send(read, HttpResponse.BodyHandlers.ofString()), 409,
                    "NOT_ALLOWED", "node node1, which ran " + id + ", has no link to head");
            assertEquals(0, routes.pendingReads());
        } finally {
            vertx.close().await();
        }
    }

    /** Issue #15: a read still waiting for its worker when the caller's token is revoked is answered 401. */
    @Test
    void aReadWaitingWhenItsTokenIsRevokedIs401() throws Exception {
        String id = runningJob();
        Vertx vertx = Vertx.vertx();
        try {
            java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
            OutputRoutes routes = new OutputRoutes(vertx, head.service(), (node, read) -> {
                asked.countDown();
                return true; // and never answers
            }, Duration.ofMinutes(10));
            Router router = Router.router(vertx);
            new Authenticator(head.service().tokens(), "test").mount(router);
            routes.mount(router);
            router.route().failureHandler(ctx -> {
                RequestRejected r = (RequestRejected) ctx.failure();
                ctx.response().setStatusCode(r.status()).end(Json.write(Map.of("code", r.code(), "message",
                        r.getMessage())));
            });
            HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
            java.util.concurrent.CompletableFuture<HttpResponse<String>> read = HttpClient.newHttpClient().sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/api/v1/jobs/" + id
                            + "/output")).header("Authorization", "Bearer " + head.tokenFor("alice")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(asked.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), "the worker was asked");
            head.service().tokens().revoke("alice");
            refused(read.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), 401, "UNAUTHENTICATED",
                    "token ");
            assertEquals(0, routes.pendingReads());
        } finally {
            vertx.close().await();
        }
    }

    /** The answer must come from the node asked; a worker's refusal is NO_OUTPUT with its message. */
    @Test
    void onlyTheNodeThatWasAskedMayAnswer() throws Exception {
        String id = runningJob();
        Vertx vertx = Vertx.vertx();
        try {
            ReadOutput[] asked = new ReadOutput[1];
            OutputRoutes[] routes = new OutputRoutes[1];
            routes[0] = new OutputRoutes(vertx, head.service(), (node, read) -> {
                asked[0] = read;
                // another node answers first: ignored; then the right one
                routes[0].answer("node9", new OutputChunk(read.requestId(), 0, "forged".getBytes(), 6, "/x", ""));
                if (read.stream().equals("stderr")) {
                    routes[0].answer(node, new OutputChunk(read.requestId(), 0, new byte[0], 0, "/y",
                            "the stderr file node1:/y does not exist (any more)"));
                } else {
                    routes[0].answer(node, new OutputChunk(read.requestId(), 0, "real".getBytes(), 4, "/y", ""));
                }
                return true;
            }, Duration.ofSeconds(5));
            Router router = Router.router(vertx);
            new Authenticator(head.service().tokens(), "test").mount(router);
            routes[0].mount(router);
            HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + server.actualPort() + "/api/v1/jobs/" + id + "/output?offset=-10&limit=10"))
                    .header("Authorization", "Bearer " + head.adminToken()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("real", ok(r).string("data"));
            assertEquals(-10, asked[0].offset());
            assertEquals(10, asked[0].maxBytes());
            assertEquals("stdout", asked[0].stream());
            router.route().failureHandler(ctx -> {
                RequestRejected rr = (RequestRejected) ctx.failure();
                ctx.response().setStatusCode(rr.status()).end(Json.write(Map.of("code", rr.code(), "message",
                        rr.getMessage())));
            });
            refused(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.actualPort() + "/api/v1/jobs/" + id + "/output?stream=stderr"))
                    .header("Authorization", "Bearer " + head.adminToken()).build(),
                    HttpResponse.BodyHandlers.ofString()), 404, "NO_OUTPUT", "the stderr file node1:/y does not exist");
        } finally {
            vertx.close().await();
        }
    }
}
