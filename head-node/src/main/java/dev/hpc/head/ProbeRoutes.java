package dev.hpc.head;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /livez}, {@code /readyz} and {@code /healthz}, for load balancers, service managers and
 * Kubernetes-style probes (docs/failover.md). Unauthenticated, a few bytes of text, answered on the
 * event loop from fields the head keeps anyway: a probe polled every second never queues work on the
 * state thread, nor waits for it.
 *
 * <ul>
 * <li>{@code /livez}: 200 while the process serves HTTP.
 * <li>{@code /readyz}: 200 only on the head that leads now (active and within its lease), else 503; a
 * load balancer that sends clients to ready heads sends them to the active one.
 * <li>{@code /healthz}: 200 on a standby and on a leading head; 503 on a head that was active but is not
 * leading (its lease lapsed or it is stopping), which a supervisor may restart.
 * </ul>
 */
final class ProbeRoutes {
    private final HeadService head;

    ProbeRoutes(HeadService head) {
        this.head = head;
    }

    void mount(Router router) {
        router.get("/livez").handler(ctx -> answer(ctx, 200, "ok"));
        router.get("/readyz").handler(this::ready);
        router.get("/healthz").handler(this::healthy);
    }

    private void ready(RoutingContext ctx) {
        if (head.isLeading()) {
            answer(ctx, 200, "ok: active");
        } else {
            answer(ctx, 503, "not ready: " + (head.isActive() ? "active but outside its lease" : "standby"));
        }
    }

    private void healthy(RoutingContext ctx) {
        if (head.isLeading()) {
            answer(ctx, 200, "ok: active");
        } else if (!head.isActive()) {
            answer(ctx, 200, "ok: standby");
        } else {
            answer(ctx, 503, "unhealthy: active but outside its lease or stopping");
        }
    }

    private static void answer(RoutingContext ctx, int status, String text) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8")
                .putHeader("Cache-Control", "no-store").end(text + "\n");
    }
}
