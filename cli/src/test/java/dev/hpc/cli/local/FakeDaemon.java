package dev.hpc.cli.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * A stand-in for the head and worker daemons, packed by {@link LocalClusterTest} into fake
 * {@code hpc-head.jar} and {@code hpc-worker.jar}: with {@code --port} it serves {@code /api/v1/cluster}
 * and {@code /api/v1/nodes} listing the workers that registered; otherwise it registers with the first
 * of {@code --heads} and then idles until killed. {@code --fail} exits at once with status 3.
 * Uses JDK classes only, so the jar needs no class path.
 */
public final class FakeDaemon {
    private FakeDaemon() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                boolean hasValue = i + 1 < args.length && !args[i + 1].startsWith("--");
                o.put(args[i].substring(2), hasValue ? args[++i] : "");
            }
        }
        System.out.println("fake daemon " + String.join(" ", args));
        if (o.containsKey("fail")) {
            System.out.println("boom: " + o.get("name"));
            System.exit(3);
        }
        if (o.containsKey("port")) {
            head(o);
        } else {
            worker(o);
        }
    }

    private static void head(Map<String, String> o) throws IOException {
        Set<String> nodes = new ConcurrentSkipListSet<>();
        HttpServer s = HttpServer.create(new InetSocketAddress(o.get("bind"), Integer.parseInt(o.get("port"))), 0);
        s.createContext("/api/v1/cluster", ex -> reply(ex, "{\"cluster\":\"" + o.get("cluster") + "\"}"));
        s.createContext("/api/v1/nodes", ex -> {
            StringJoiner j = new StringJoiner(",", "{\"nodes\":[", "]}");
            for (String n : nodes) {
                j.add("{\"name\":\"" + n + "\",\"host\":\"\",\"state\":\"FREE\",\"cores\":2,\"coresUsed\":0,"
                        + "\"memory\":0,\"memoryUsed\":0,\"health\":{},\"lastHeartbeat\":\"1970-01-01T00:00:00Z\","
                        + "\"reason\":\"\",\"tasks\":[]}");
            }
            reply(ex, j.toString());
        });
        s.createContext("/api/v1/whoami", ex -> {
            String admin = java.nio.file.Files.readString(java.nio.file.Path.of(o.get("admin-token-file"))).strip();
            if (("Bearer " + admin).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                reply(ex, "{\"user\":\"admin\",\"role\":\"admin\"}");
            } else {
                byte[] refused = "{\"code\":\"UNAUTHENTICATED\",\"message\":\"not valid\"}".getBytes(
                        StandardCharsets.UTF_8);
                ex.sendResponseHeaders(401, refused.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(refused);
                }
            }
        });
        s.createContext("/fake/register", ex -> {
            nodes.add(ex.getRequestURI().getQuery().substring("name=".length()));
            reply(ex, "{}");
        });
        s.start();
    }

    private static void reply(HttpExchange ex, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void worker(Map<String, String> o) throws InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        URI register = URI.create("http://" + o.get("heads").split(",")[0] + "/fake/register?name=" + o.get("name"));
        while (true) {
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(register)
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    break;
                }
            } catch (IOException e) {
                System.out.println("head not there yet: " + e);
            }
            Thread.sleep(100);
        }
        System.out.println("registered");
        Thread.sleep(Long.MAX_VALUE);
    }
}
