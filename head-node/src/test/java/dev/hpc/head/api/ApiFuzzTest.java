package dev.hpc.head.api;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.head.web.RunningHead;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue #8, "Input validation everywhere": thousands of generated, mostly malformed bodies go to every
 * route of an in-process head that takes a body. Every answer is 2xx or 4xx, never 5xx, a 4xx carries a
 * code and a message, and a refused request changes no job. The seed is printed; {@code -Dfuzz.seed=N}
 * repeats a run.
 */
class ApiFuzzTest {
    private static final int CASES = 2500;
    private static final String USER = "alice";

    @TempDir
    static Path dir;
    private static RunningHead head;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static List<String> jobs;

    @BeforeAll
    static void start() throws Exception {
        head = RunningHead.start(dir, "test");
        // an operator, so that the node routes' bodies are read too instead of being refused with 403
        head.grant(USER, dev.hpc.head.access.Role.OPERATOR);
        jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            jobs.add(head.submit(USER, "seed" + i, List.of("-h")));
        }
        jobs.add(head.submit(USER, "arr", List.of("-t", "1-3", "-h")));
    }

    @AfterAll
    static void stop() {
        if (head != null) {
            head.close();
        }
    }

    /** The one place a request is built: the authentication header changes here only. */
    private static HttpResponse<String> send(String method, String path, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(head.baseUrl() + path))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + head.tokenFor(USER)).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** What a refused request must leave alone: each job's state, spec and holds. */
    @SuppressWarnings("unchecked")
    private static String snapshot() throws Exception {
        HttpResponse<String> r = send("GET", "/api/v1/jobs?limit=10000", null);
        assertEquals(200, r.statusCode(), r.body());
        List<Object> out = new ArrayList<>();
        for (Object o : (List<Object>) ((Map<String, Object>) Json.readAny(r.body())).get("jobs")) {
            Map<String, Object> job = (Map<String, Object>) o;
            Map<String, Object> kept = new LinkedHashMap<>();
            kept.put("id", job.get("id"));
            kept.put("state", job.get("state"));
            kept.put("spec", job.get("spec"));
            List<Object> tasks = new ArrayList<>();
            for (Object t : (List<Object>) job.getOrDefault("tasks", List.of())) {
                tasks.add(List.of(String.valueOf(((Map<String, Object>) t).get("state")),
                        String.valueOf(((Map<String, Object>) t).get("holds"))));
            }
            kept.put("tasks", tasks);
            out.add(kept);
        }
        return Json.write(out);
    }

    private record Route(String method, String path) {
    }

    private static List<Route> routes() {
        String job = jobs.get(0);
        return List.of(new Route("POST", "/api/v1/jobs"), new Route("POST", "/api/v1/jobs/" + job + "/alter"),
                new Route("POST", "/api/v1/jobs/" + job + "/hold"), new Route("POST", "/api/v1/jobs/" + job + "/release"),
                new Route("POST", "/api/v1/jobs/" + job + "/cancel"), new Route("DELETE", "/api/v1/jobs/" + job),
                new Route("POST", "/api/v1/nodes/node1/offline"), new Route("POST", "/api/v1/nodes/node1/clear"),
                new Route("POST", "/api/v1/nodes/node1/drain"), new Route("POST", "/api/v1/nodes/node1/stop"),
                new Route("POST", "/api/v1/jobs/" + job + "/spawn"));
    }

    /** A valid-looking body for each route, the seed of the mutations. */
    private static Map<String, Object> base(Route route, Random r) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (route.path().equals("/api/v1/jobs")) {
            m.put("script", "#!/bin/bash\n#PBS -N fz\n#PBS -l nodes=1:ppn=1\necho hi\n");
            m.put("options", new ArrayList<>(List.of("-h")));
            m.put("submitDir", "/home/alice");
            if (r.nextBoolean()) {
                Map<String, Object> job = new LinkedHashMap<>();
                job.put("name", "fz");
                job.put("resources", new LinkedHashMap<>(Map.of("nodes", 1, "coresPerNode", 1,
                        "walltimeSeconds", 60)));
                job.put("environment", new LinkedHashMap<>(Map.of("A", "1")));
                job.put("priority", 1);
                job.put("userHold", true);
                m.put("job", job);
            }
        } else if (route.path().endsWith("/alter")) {
            m.put("options", new ArrayList<>(List.of("-p", "5")));
        } else if (route.path().endsWith("/hold") || route.path().endsWith("/release")) {
            m.put("holdTypes", "u");
        } else if (route.path().contains("/nodes/")) {
            m.put("note", "maintenance");
        } else if (route.path().endsWith("/spawn")) {
            m.put("attemptId", 1);
            m.put("token", "x");
            m.put("host", "node1");
            m.put("argv", new ArrayList<>(List.of("true")));
        }
        return m;
    }

    private static final List<Object> ODD_VALUES = List.of(-1, 0, Long.MAX_VALUE, Long.MIN_VALUE, 1e308, -1e-308,
            "", "\u0000", "\ud800", "💥", "x".repeat(5000), List.of(), List.of(1, "a", List.of()), Map.of(),
            Map.of("a", Map.of("b", 1)), true, false, "../../etc/passwd", "a\nb", "99999999999999999999");

    @SuppressWarnings("unchecked")
    private static Object mutateValue(Random r, Object v) {
        if (v instanceof Map<?, ?> map && !map.isEmpty() && r.nextBoolean()) {
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) map);
            List<String> keys = new ArrayList<>(copy.keySet());
            String key = keys.get(r.nextInt(keys.size()));
            switch (r.nextInt(4)) {
                case 0 -> copy.remove(key);
                case 1 -> copy.put(key, mutateValue(r, copy.get(key)));
                case 2 -> copy.put("unknown" + r.nextInt(3), 1);
                default -> copy.put(key, ODD_VALUES.get(r.nextInt(ODD_VALUES.size())));
            }
            return copy;
        }
        if (v instanceof List<?> list && !list.isEmpty() && r.nextBoolean()) {
            List<Object> copy = new ArrayList<>(list);
            int i = r.nextInt(copy.size());
            copy.set(i, r.nextBoolean() ? mutateValue(r, copy.get(i))
                    : SubmitGarbage.words(r));
            return copy;
        }
        if (v instanceof String s && r.nextBoolean()) {
            return SubmitGarbage.mutate(r, s);
        }
        return ODD_VALUES.get(r.nextInt(ODD_VALUES.size()));
    }

    /** A body: mutated JSON, or bytes that are no JSON (truncation, NULs, invalid UTF-8, deep nesting...). */
    private static byte[] body(Random r, Route route) {
        Map<String, Object> base = base(route, r);
        String json = Json.write(r.nextInt(5) == 0 ? base : mutateValue(r, base));
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        switch (r.nextInt(10)) {
            case 0 -> {
                return java.util.Arrays.copyOf(bytes, r.nextInt(bytes.length + 1));
            }
            case 1 -> {
                byte[] copy = bytes.clone();
                for (int k = 0; k < 1 + r.nextInt(4); k++) {
                    copy[r.nextInt(copy.length)] = (byte) r.nextInt(256);
                }
                return copy;
            }
            case 2 -> {
                int depth = 1 + r.nextInt(5000);
                String open = r.nextBoolean() ? "[" : "{\"a\":";
                String close = open.equals("[") ? "]" : "}";
                return (open.repeat(depth) + "1" + close.repeat(depth)).getBytes(StandardCharsets.UTF_8);
            }
            case 3 -> {
                // a duplicate key: the last one counts, or a refusal; never a 5xx
                String dup = json.startsWith("{\"") ? "{\"options\":[],\"options\":1," + json.substring(1) : json;
                return dup.getBytes(StandardCharsets.UTF_8);
            }
            case 4 -> {
                return new byte[] {(byte) 0xc3, (byte) 0x28, '{', '}'};
            }
            case 5 -> {
                return ("[" + json + "]").getBytes(StandardCharsets.UTF_8);
            }
            default -> {
                return bytes;
            }
        }
    }

    @Test
    void malformedBodiesGetA4xxAndChangeNothing() throws Exception {
        long seed = seed();
        System.out.println("ApiFuzzTest seed " + seed + " (repeat with -Dfuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        List<Route> routes = routes();
        String before = snapshot();
        int refused = 0;
        for (int i = 0; i < CASES; i++) {
            Route route = routes.get(random.nextInt(routes.size()));
            byte[] body = body(random, route);
            HttpResponse<String> r = send(route.method(), route.path(), body);
            int status = r.statusCode();
            String input = route.method() + " " + route.path() + " " + printable(body);
            if (status >= 500 || status < 200 || status >= 300 && status < 400) {
                fail("seed " + seed + ", case " + i + ": HTTP " + status + " " + r.body() + "\ninput: " + input);
            }
            if (status >= 400) {
                refused++;
                JsonFields error = Json.readObject(r.body());
                assertTrue(!error.string("code").isBlank() && !error.string("message").isBlank(),
                        "seed " + seed + ", case " + i + ": a refusal without code and message: " + r.body());
                String after = snapshot();
                if (!after.equals(before)) {
                    fail("seed " + seed + ", case " + i + ": a refused request (HTTP " + status + " " + r.body()
                            + ") changed the jobs\ninput: " + input);
                }
            } else {
                before = snapshot(); // an accepted request may change things
            }
        }
        assertTrue(refused > CASES / 4, "only " + refused + " of " + CASES + " requests were refused (seed " + seed + ")");
    }

    @Test
    void aBodyOverTheLimitIs413WithAMessage() throws Exception {
        byte[] huge = new byte[(int) head.service().config().maxBodyBytes() + 10];
        java.util.Arrays.fill(huge, (byte) ' ');
        HttpResponse<String> r = send("POST", "/api/v1/jobs", huge);
        assertEquals(413, r.statusCode(), r.body());
        assertEquals("TOO_LARGE", Json.readObject(r.body()).string("code"));
    }

    @Test
    void typeErrorsNameTheField() throws Exception {
        HttpResponse<String> r = send("POST", "/api/v1/jobs", Json.write(Map.of("script", 5, "submitDir", "/x"))
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("script"), r.body());
        HttpResponse<String> invalid = send("POST", "/api/v1/jobs", new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'});
        assertEquals(400, invalid.statusCode(), invalid.body());
        assertTrue(invalid.body().contains("UTF-8"), invalid.body());
    }

    private static long seed() {
        String given = System.getProperty("fuzz.seed", "");
        return given.isBlank() ? new Random().nextLong() : Long.parseLong(given);
    }

    private static String printable(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 600), StandardCharsets.ISO_8859_1);
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c < 0x20 || c >= 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return b + (body.length > 600 ? "... (" + body.length + " bytes)" : "");
    }

    /** Garbage for strings: truncation, odd characters, huge numbers, directives gone wrong. */
    static final class SubmitGarbage {
        private static final List<String> WORDS = List.of("-l", "nodes=99999999999", "walltime=-1", "-t", "1-9999999",
                "-p", "99999", "-N", "", "\u0000", "-v", "1A=2", "-o", "a\nb", "-q", "q\u0007", "#PBS -l", "-W",
                "depend=afterok:", "mem=9999999999tb", "ppn=0", "-j", "xx", "-h", "-I");

        static String words(Random r) {
            return WORDS.get(r.nextInt(WORDS.size()));
        }

        static String mutate(Random r, String s) {
            if (s.isEmpty()) {
                return words(r);
            }
            int at = r.nextInt(s.length() + 1);
            return switch (r.nextInt(4)) {
                case 0 -> s.substring(0, at);
                case 1 -> s.substring(0, at) + (char) r.nextInt(0x10000) + s.substring(at);
                case 2 -> s.substring(0, at) + "\n#PBS " + words(r) + " " + words(r) + "\n" + s.substring(at);
                default -> s.substring(0, at) + words(r) + s.substring(at);
            };
        }
    }
}
