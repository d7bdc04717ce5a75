package dev.hpc.head.metrics;

import dev.hpc.api.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/v1/cluster/history}: the samples of {@link ClusterHistory}, oldest first (docs/rest-api.md).
 * Mounted behind the API's authenticator: any valid token may read it, as it may read the cluster's counts.
 */
public final class ClusterHistoryRoutes {
    public static final String PATH = "/api/v1/cluster/history";
    private final ClusterHistory history;

    public ClusterHistoryRoutes(ClusterHistory history) {
        this.history = history;
    }

    public void mount(Router router) {
        router.get(PATH).handler(this::history);
    }

    private void history(RoutingContext ctx) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("everySeconds", history.every().toSeconds());
        m.put("samples", history.samples().stream().map(ClusterHistory.Sample::toJson).toList());
        ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(Json.write(m));
    }
}
