package dev.hpc.head.web;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.head.HeadConfig;
import dev.hpc.head.HeadService;
import dev.hpc.head.HeadVerticle;
import dev.hpc.head.access.Role;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real head in this JVM (state, store, scheduler, REST API, web view) on a free port of 127.0.0.1,
 * with a small REST client for tests. Nothing in it is faked.
 */
public final class RunningHead implements AutoCloseable {
    private final HeadService service;
    private final Vertx vertx;
    private final HeadVerticle verticle;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Each user's token, made on first use with role user unless {@link #grant} said otherwise. */
    private final Map<String, String> tokens = new java.util.concurrent.ConcurrentHashMap<>();

    private RunningHead(HeadService service, Vertx vertx, HeadVerticle verticle) {
        this.service = service;
        this.vertx = vertx;
        this.verticle = verticle;
    }

    public static RunningHead start(Path dataDir, String cluster) {
        return start(HeadConfig.defaults("head1", cluster, dataDir).withPort(0));
    }

    /** A head with quick failure detection: workers heartbeat every 200 ms and are down after 1 s. */
    public static RunningHead startQuick(Path dataDir, String cluster) {
        HeadConfig d = HeadConfig.defaults("head1", cluster, dataDir);
        return start(new HeadConfig(d.name(), d.cluster(), d.bindHost(), 0, dataDir, Duration.ofMillis(200),
                Duration.ofSeconds(1), d.keepCompleted(), d.maxRequeues(), d.maxBodyBytes(), d.defaultQueue()));
    }

    public static RunningHead start(HeadConfig config) {
        return start(config, dev.hpc.head.spawn.SpawnRelay.ADOPTION_GRACE);
    }

    /** With how long, after it started, the head keeps spawned commands no caller follows. */
    public static RunningHead start(HeadConfig config, Duration spawnAdoptionGrace) {
        return start(config, v -> v.spawnAdoptionGrace(spawnAdoptionGrace));
    }

    /** With the head's verticle set up by {@code setUp} before it is deployed (metrics settings, say). */
    public static RunningHead start(HeadConfig config, java.util.function.UnaryOperator<HeadVerticle> setUp) {
        HeadService service = HeadService.start(config, Clock.systemUTC());
        Vertx vertx = Vertx.vertx();
        HeadVerticle verticle = setUp.apply(new HeadVerticle(service));
        try {
            vertx.deployVerticle(verticle).await();
        } catch (RuntimeException e) {
            vertx.close().await();
            service.close();
            throw e;
        }
        return new RunningHead(service, vertx, verticle);
    }

    public HeadService service() {
        return service;
    }

    public HeadVerticle verticle() {
        return verticle;
    }

    public int port() {
        return verticle.port();
    }

    /** {@code http://127.0.0.1:PORT} with no slash at the end. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** The user's token (role user, unless granted another); made on first use. */
    public String tokenFor(String user) {
        return tokens.computeIfAbsent(user, u -> service.tokens().create(u, Role.USER).token());
    }

    /** Gives the user a token with the role; later requests as that user use it. */
    public String grant(String user, Role role) {
        String token = service.tokens().create(user, role).token();
        tokens.put(user, token);
        return token;
    }

    /** The head's bootstrap admin token (from its admin token file). */
    public String adminToken() {
        try {
            return java.nio.file.Files.readString(service.config().access().adminTokenFile()).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A GET with the admin token. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return getWithToken(path, adminToken());
    }

    /** A GET with the given token; an empty token sends none. */
    public HttpResponse<String> getWithToken(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(10));
        if (!token.isEmpty()) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A POST as the user, with their token. */
    public HttpResponse<String> post(String path, String user, String json) throws IOException, InterruptedException {
        return postWithToken(path, tokenFor(user), json);
    }

    public HttpResponse<String> postWithToken(String path, String token, String json)
            throws IOException, InterruptedException {
        return send("POST", path, token, json);
    }

    /** Any method with the given token (empty: none) and body (empty: none). */
    public HttpResponse<String> send(String method, String path, String token, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json");
        if (!token.isEmpty()) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, json.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Submits a job as {@code user} with the given qsub options; returns its id, like {@code 1.test}. */
    public String submit(String user, String name, List<String> options) throws IOException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("script", "#!/bin/bash\n#PBS -N " + name + "\nsleep 1\n");
        body.put("options", options);
        body.put("submitDir", "/home/" + user + "/work");
        HttpResponse<String> r = post("/api/v1/jobs", user, Json.write(body));
        if (r.statusCode() != 201) {
            throw new IllegalStateException("submit answered " + r.statusCode() + ": " + r.body());
        }
        return Json.readObject(r.body()).string("id");
    }

    public JsonFields job(String id) throws IOException, InterruptedException {
        HttpResponse<String> r = get("/api/v1/jobs/" + id.replace("[", "%5B").replace("]", "%5D"));
        if (r.statusCode() != 200) {
            throw new IllegalStateException("show " + id + " answered " + r.statusCode() + ": " + r.body());
        }
        return Json.readObject(r.body());
    }

    @Override
    public void close() {
        try {
            vertx.close().await();
        } finally {
            service.close();
        }
    }
}
