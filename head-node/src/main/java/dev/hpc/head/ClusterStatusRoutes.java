package dev.hpc.head;

import dev.hpc.api.json.Json;
import dev.hpc.head.replication.Leadership;
import dev.hpc.head.replication.Witnesses;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The routes every head answers itself, whatever its role: the cluster status, and in front of the
 * rest of the API a filter that sends a standby's callers to the active head (307, so a POST stays
 * a POST), or, while no head is active, holds them while this head takes over ({@link TakeoverHold})
 * and answers 503 otherwise, which clients retry.
 */
final class ClusterStatusRoutes {
    private final HeadService head;
    private final Optional<Leadership> leadership;
    private final Witnesses witnesses;
    private final Clock clock;
    private final TakeoverHold takeover;
    /** Marks a request held once already: after the hold it is answered, never held again. */
    private static final String HELD = "hpc.takeover-held";

    ClusterStatusRoutes(HeadService head, Optional<Leadership> leadership, Witnesses witnesses, Clock clock) {
        this.head = head;
        this.leadership = leadership;
        this.witnesses = witnesses;
        this.clock = clock;
        this.takeover = new TakeoverHold(() -> head.isActive() || !takingOver()
                || leadership.flatMap(Leadership::activeApiAddress).isPresent(), TakeoverHold.HOLD, TakeoverHold.POLL);
    }

    void mount(Router router) {
        router.get("/api/v1/cluster").handler(this::status);
        router.route("/api/v1/*").handler(this::toActiveHead);
    }

    private void toActiveHead(RoutingContext ctx) {
        if (head.isActive() || ctx.request().path().startsWith("/api/v1/workers/")) {
            ctx.next();
            return;
        }
        boolean held = ctx.get(HELD) != null;
        if (held) {
            // answered here after a hold: the rest of its body is read and dropped, and the connection goes on
            ctx.request().resume();
        }
        Optional<String> active = leadership.flatMap(Leadership::activeApiAddress);
        if (active.isPresent()) {
            ctx.response().setStatusCode(307).putHeader("Location", (head.config().linkSecurity().tls() ? "https://" : "http://")
                            + active.get() + ctx.request().uri())
                    .putHeader("Content-Type", "application/json; charset=utf-8")
                    .end(Json.write(Map.of("code", "REDIRECT", "message", "head " + head.config().name()
                            + " is a standby; the active head is at " + active.get())));
            return;
        }
        // only a head that holds the lease is about to lead: a standby cut off from a head that still leads, or one
        // that waits for another (WAITING), would hold its callers for nothing
        if (!held && takingOver()) {
            ctx.put(HELD, true);
            if (takeover.hold(ctx, () -> toActiveHead(ctx))) {
                return;
            }
        }
        noActiveHead(ctx);
    }

    private boolean takingOver() {
        return leadership.map(Leadership::takingOver).orElse(false);
    }

    private static void noActiveHead(RoutingContext ctx) {
        ctx.response().setStatusCode(503).putHeader("Content-Type", "application/json; charset=utf-8")
                .putHeader("Retry-After", "1")
                .end(Json.write(Map.of("code", "UNAVAILABLE", "message", "no head is active right now (a "
                        + "takeover may be under way); retry in a moment")));
    }

    private void status(RoutingContext ctx) {
        Map<String, Object> self = new LinkedHashMap<>();
        self.put("name", head.config().name());
        self.put("address", head.config().bindHost() + ":" + ctx.request().localAddress().port());
        self.put("pid", ProcessHandle.current().pid());
        self.put("role", head.isLeading() ? "ACTIVE" : leadership.map(Leadership::role)
                .filter(r -> !r.equals("ACTIVE")).orElse("STANDBY"));
        leadership.flatMap(Leadership::leaseStatus).ifPresent(l -> self.put("lease", l));
        self.put("epoch", head.epoch());
        self.put("startedAt", head.startedAt().toString());
        self.put("lastChange", head.store().lastCommit().toString());
        self.put("lastHeartbeat", witnesses.lastHeard().toString());
        List<Map<String, Object>> heads = leadership.map(Leadership::heads).orElse(List.of(self));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cluster", head.config().cluster());
        m.put("head", self);
        m.put("heads", heads);
        m.put("now", clock.instant().toString());
        if (!head.isActive()) {
            m.put("workers", Map.of("up", witnesses.count(clock.instant()), "total", witnesses.count(clock.instant())));
            json(ctx, m);
            return;
        }
        head.reads().summary().whenComplete((s, error) -> {
            if (error == null) {
                Map<String, Object> jobs = new LinkedHashMap<>();
                s.jobs().forEach((state, count) -> jobs.put(state.name(), count));
                m.put("workers", Map.of("up", s.nodesUp(), "total", s.nodesTotal()));
                m.put("cores", Map.of("total", s.cores(), "used", s.coresUsed()));
                m.put("jobs", jobs);
                m.put("scheduler", head.figures().cycleFigures());
            }
            json(ctx, m);
        });
    }

    private static void json(RoutingContext ctx, Object body) {
        ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(Json.write(body));
    }
}
