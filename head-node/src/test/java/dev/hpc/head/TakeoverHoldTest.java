package dev.hpc.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A request held while no head is active: served whole once the head is, refused once the hold has passed. */
class TakeoverHoldTest {
    private final AtomicBoolean active = new AtomicBoolean();
    private final HttpClient client = HttpClient.newHttpClient();
    private Vertx vertx;
    private HttpServer server;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** The filter of a standby, reduced to the hold: pass on when active, refuse after the hold. */
    private String serve(TakeoverHold hold) throws Exception {
        Router router = Router.router(vertx);
        router.route("/api/v1/*").handler(ctx -> {
            boolean held = hold.hold(ctx, () -> {
                if (active.get()) {
                    ctx.next();
                } else {
                    ctx.request().resume();
                    ctx.response().setStatusCode(503).end("refused");
                }
            });
            if (!held) {
                ctx.response().setStatusCode(503).end("too many held");
            }
        });
        router.route("/api/v1/*").handler(BodyHandler.create(false));
        router.post("/api/v1/echo").handler(ctx -> ctx.response().end(ctx.body().asString()));
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        return "http://127.0.0.1:" + server.actualPort() + "/api/v1/echo";
    }

    private CompletableFuture<HttpResponse<String>> post(String url, String body) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void heldRequestsAreServedWithTheirWholeBodiesOnceTheHeadIsActive() throws Exception {
        TakeoverHold hold = new TakeoverHold(active::get, Duration.ofMinutes(1), Duration.ofMillis(5));
        String url = serve(hold);
        List<String> bodies = List.of("a".repeat(300_000), "b", "c".repeat(70_000));
        // the first is larger than one read of the socket: its body arrives while it is held
        List<CompletableFuture<HttpResponse<String>>> answers = bodies.stream().map(b -> post(url, b)).toList();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (hold.held() < bodies.size() && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertEquals(bodies.size(), hold.held(), "the requests are held while the head is not active");
        assertTrue(answers.stream().noneMatch(CompletableFuture::isDone), "no answer while held");

        active.set(true);

        for (int i = 0; i < bodies.size(); i++) {
            HttpResponse<String> r = answers.get(i).get(20, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(bodies.get(i), r.body());
        }
        assertEquals(0, hold.held());
    }

    @Test
    void aRequestHeldInVainIsRefusedAndTheConnectionServesTheNextOne() throws Exception {
        TakeoverHold hold = new TakeoverHold(active::get, Duration.ofMillis(50), Duration.ofMillis(5));
        String url = serve(hold);

        HttpResponse<String> refused = post(url, "first".repeat(10_000)).get(20, TimeUnit.SECONDS);
        assertEquals(503, refused.statusCode());
        assertEquals("refused", refused.body());
        assertEquals(0, hold.held());

        active.set(true);
        HttpResponse<String> served = post(url, "second").get(20, TimeUnit.SECONDS);
        assertEquals(200, served.statusCode(), served.body());
        assertEquals("second", served.body());
    }
}
