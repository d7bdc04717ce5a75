package dev.hpc.head.metrics;

import dev.hpc.head.access.Role;
import dev.hpc.head.access.TokenRecord;
import dev.hpc.head.access.TokenRegistry;
import dev.hpc.head.access.Tokens;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code GET /metrics} on every head, active or standby (docs/monitoring.md). Behind a token unless the settings
 * open it: the figures name queues, nodes' counts and, when allowed, users. The scrape runs off the event loop.
 */
public final class MetricsRoutes {
    private static final Logger LOG = Logger.getLogger(MetricsRoutes.class.getName());
    public static final String PATH = "/metrics";

    private final HeadMetrics metrics;
    private final TokenRegistry tokens;
    private final MetricsSettings settings;

    public MetricsRoutes(HeadMetrics metrics, TokenRegistry tokens, MetricsSettings settings) {
        this.metrics = metrics;
        this.tokens = tokens;
        this.settings = settings;
    }

    public void mount(Router router) {
        router.get(PATH).handler(this::scrape);
    }

    private void scrape(RoutingContext ctx) {
        Optional<Refusal> refused = refusal(ctx);
        if (refused.isPresent()) {
            var response = ctx.response().setStatusCode(refused.get().status())
                    .putHeader("Content-Type", "text/plain; charset=utf-8");
            if (refused.get().status() == 401) {
                response.putHeader("WWW-Authenticate", "Bearer realm=\"hpc\"");
            }
            response.end(refused.get().message() + "\n");
            return;
        }
        metrics.scrape().whenComplete((text, error) -> {
            if (error != null) {
                LOG.log(Level.WARNING, "a scrape of /metrics failed", error);
                ctx.response().setStatusCode(500).putHeader("Content-Type", "text/plain; charset=utf-8")
                        .end("the metrics could not be read: " + error + "\n");
                return;
            }
            ctx.response().putHeader("Content-Type", HeadMetrics.contentType()).putHeader("Cache-Control", "no-store")
                    .end(text);
        });
    }

    /** An answer that refuses a request: 401 without a valid token, 403 for a token whose role is too low. */
    private record Refusal(int status, String message) {
    }

    /** Why this request may not read the metrics; empty when it may. */
    private Optional<Refusal> refusal(RoutingContext ctx) {
        if (settings.access() == MetricsSettings.Access.OPEN) {
            return Optional.empty();
        }
        String token = Tokens.fromBearerHeader(ctx.request().getHeader("Authorization"));
        if (token.isEmpty()) {
            return Optional.of(new Refusal(401, "/metrics needs a token: send 'Authorization: Bearer TOKEN' (in "
                    + "Prometheus: authorization: credentials_file: ...); an admin makes one with hpc admin token "
                    + "create prometheus" + (operatorsOnly() ? " --role operator" : "")));
        }
        Optional<TokenRecord> record = tokens.find(token);
        if (record.isEmpty()) {
            return Optional.of(new Refusal(401, "the token is not valid on this cluster (unknown or revoked); ask an "
                    + "admin for one"));
        }
        if (operatorsOnly() && !record.get().caller().role().atLeast(Role.OPERATOR)) {
            return Optional.of(new Refusal(403, "this token's role is " + record.get().caller().role().word()
                    + "; this head's metrics-access is operator: use a token with role operator or admin"));
        }
        return Optional.empty();
    }

    private boolean operatorsOnly() {
        return settings.access() == MetricsSettings.Access.OPERATOR;
    }
}
