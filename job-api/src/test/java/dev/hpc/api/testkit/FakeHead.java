package dev.hpc.api.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hpc.api.json.Codec;
import dev.hpc.api.job.Job;
import dev.hpc.api.json.Json;
import dev.hpc.api.job.NodeInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** For tests of clients: a stand-in for a head's REST API on a free port of 127.0.0.1: answers by a routing function, records requests. */
public final class FakeHead implements AutoCloseable {
    public record Request(String method, String rawPath, String query, String authorization, String body,
                   String idempotencyKey) {
    }

    /** An answer; {@link #CLOSE} drops the connection without one. */
    public record Reply(int status, String body, String location) {
        public static final Reply CLOSE = new Reply(-1, "");

        public Reply(int status, String body) {
            this(status, body, "");
        }

        /** A standby's answer: 307 to the active head at {@code address}, for the same path. */
        public static Reply redirect(String address, Request r) {
            return new Reply(307, "{\"code\":\"REDIRECT\",\"message\":\"standby\"}",
                    "http://" + address + r.rawPath() + (r.query().isEmpty() ? "" : "?" + r.query()));
        }

        public static Reply json(int status, Object value) {
            return new Reply(status, Json.write(value));
        }

        public static Reply error(int status, String code, String message) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("code", code);
            m.put("message", message);
            return json(status, m);
        }

        public static Reply job(Job j) {
            return json(200, Codec.toMap(j, true));
        }

        public static Reply page(List<Job> jobs, long total, String next) {
            Map<String, Object> m = new LinkedHashMap<>();
            List<Object> list = new ArrayList<>();
            jobs.forEach(j -> list.add(Codec.toMap(j, false)));
            m.put("jobs", list);
            m.put("total", total);
            m.put("next", next);
            return json(200, m);
        }

        public static Reply nodes(List<NodeInfo> nodes) {
            List<Object> list = new ArrayList<>();
            nodes.forEach(n -> list.add(Codec.toMap(n)));
            return json(200, Map.of("nodes", list));
        }
    }

    public final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final HttpServer server;
    private volatile Function<Request, Reply> routes;

    public FakeHead(Function<Request, Reply> routes) throws IOException {
        this.routes = routes;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    public void routes(Function<Request, Reply> r) {
        routes = r;
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Request r = new Request(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
                ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery(),
                String.valueOf(ex.getRequestHeaders().getFirst("Authorization")), body,
                String.valueOf(ex.getRequestHeaders().getFirst("Idempotency-Key")));
        requests.add(r);
        Reply reply = routes.apply(r);
        if (reply == Reply.CLOSE) {
            ex.close();
            return;
        }
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        if (!reply.location().isEmpty()) {
            ex.getResponseHeaders().set("Location", reply.location());
        }
        ex.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
