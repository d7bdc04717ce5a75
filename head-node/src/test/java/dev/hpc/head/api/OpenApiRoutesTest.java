package dev.hpc.head.api;

import dev.hpc.api.json.Json;
import dev.hpc.head.web.RunningHead;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The routes a real head serves under /api/v1 and the ones openapi.json describes are the same. */
class OpenApiRoutesTest {
    private static final String API = "/api/v1/";
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch",
            "trace");
    private static final Pattern PARAM = Pattern.compile(":([A-Za-z_][A-Za-z0-9_]*)");

    @TempDir
    static Path dir;
    private static RunningHead head;

    @BeforeAll
    static void start() {
        head = RunningHead.start(dir, "test");
    }

    @AfterAll
    static void stop() {
        if (head != null) {
            head.close();
        }
    }

    /**
     * "GET /api/v1/jobs/{id}" for every endpoint of the router. Catch-all routes (/api/v1/*: body handler,
     * not-found, failure handler) are plumbing; a route with parameters has a path and a pattern.
     */
    static Set<String> served(Router router) {
        Set<String> out = new TreeSet<>();
        for (Route r : router.getRoutes()) {
            String path = r.getPath();
            if (path == null || !r.isExactPath() || !path.startsWith(API)) {
                continue;
            }
            String openApiPath = PARAM.matcher(path).replaceAll("{$1}");
            Set<HttpMethod> methods = r.methods();
            if (methods == null || methods.isEmpty()) {
                out.add("ANY " + openApiPath);
                continue;
            }
            for (HttpMethod m : methods) {
                out.add(m.name().toUpperCase(Locale.ROOT) + " " + openApiPath);
            }
        }
        return out;
    }

    static Set<String> described(Map<?, ?> openApi) {
        Set<String> out = new TreeSet<>();
        Map<?, ?> paths = (Map<?, ?>) openApi.get("paths");
        for (Map.Entry<?, ?> p : paths.entrySet()) {
            for (Object method : ((Map<?, ?>) p.getValue()).keySet()) {
                if (HTTP_METHODS.contains(String.valueOf(method))) {
                    out.add(String.valueOf(method).toUpperCase(Locale.ROOT) + " " + p.getKey());
                }
            }
        }
        return out;
    }

    private static Map<?, ?> document() {
        return (Map<?, ?>) Json.readAny(new String(ApiDescription.load(), StandardCharsets.UTF_8));
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.removeAll(b);
        return out;
    }

    @Test
    void everyRouteUnderTheApiIsDescribedAndEveryDescriptionIsServed() {
        Set<String> served = served(head.verticle().router());
        Set<String> described = described(document());
        assertTrue(served.contains("GET /api/v1/jobs/{id}"), "the router was read: " + served);
        assertEquals(Set.of(), minus(served, described),
                "routes without a description in head-node/src/main/resources/openapi.json: add them");
        assertEquals(Set.of(), minus(described, served), "openapi.json describes routes the head does not serve");
    }

    @Test
    void aRouteAddedWithoutItsDescriptionIsCaught() {
        Router router = head.verticle().router();
        Route extra = router.post("/api/v1/jobs/:id/undescribed").handler(ctx -> ctx.response().end());
        try {
            assertEquals(Set.of("POST /api/v1/jobs/{id}/undescribed"), minus(served(router), described(document())));
        } finally {
            extra.remove();
        }
    }

    @Test
    void everyPathParameterIsDeclared() {
        Map<?, ?> doc = document();
        Map<?, ?> parameters = (Map<?, ?>) ((Map<?, ?>) doc.get("components")).get("parameters");
        Map<?, ?> paths = (Map<?, ?>) doc.get("paths");
        Pattern braces = Pattern.compile("\\{([^}]+)}");
        for (Map.Entry<?, ?> p : paths.entrySet()) {
            Matcher m = braces.matcher(String.valueOf(p.getKey()));
            while (m.find()) {
                String name = m.group(1);
                for (Map.Entry<?, ?> op : ((Map<?, ?>) p.getValue()).entrySet()) {
                    Object params = ((Map<?, ?>) op.getValue()).get("parameters");
                    String text = Json.write(params == null ? java.util.List.of() : params);
                    boolean inline = text.contains("\"name\":\"" + name + "\"");
                    boolean byRef = parameters.values().stream().anyMatch(v -> name.equals(((Map<?, ?>) v).get("name"))
                            && "path".equals(((Map<?, ?>) v).get("in")))
                            && text.contains("#/components/parameters/");
                    assertTrue(inline || byRef, op.getKey() + " " + p.getKey() + " does not declare {" + name + "}");
                }
            }
        }
    }

    @Test
    void theHeadServesItsDescription() throws Exception {
        HttpResponse<String> r = head.get("/api/v1/openapi.json");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        Map<?, ?> served = (Map<?, ?>) Json.readAny(r.body());
        assertEquals("3.0.3", served.get("openapi"));
        assertEquals(described(document()), described(served));
    }
}
