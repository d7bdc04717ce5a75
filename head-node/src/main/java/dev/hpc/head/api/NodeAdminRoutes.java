package dev.hpc.head.api;

import dev.hpc.api.job.Alert;
import dev.hpc.api.job.JobId;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.pbs.SubmitLimits;
import dev.hpc.head.HeadService;
import dev.hpc.head.access.JobAccess;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.hpc.head.api.RouteSupport.intParam;
import static dev.hpc.head.api.RouteSupport.reply;

/**
 * The node administration routes ({@code pbsnodes -o/-c}, drain, {@code hpc worker stop}) and the event
 * log of alerts. Errors go to the failure handler of {@link ApiRoutes}, which answers in the API's
 * error form; an unknown node is {@code 404 UNKNOWN_NODE}. The changes need an operator (403 otherwise). See docs/nodes.md.
 */
public final class NodeAdminRoutes {
    public static final String EVENT_LOG_PATH = "/api/v1/events/log";
    private static final int DEFAULT_EVENTS = 100;
    private static final int MAX_EVENTS = 10_000;
    private static final Set<String> NOTE_FIELDS = Set.of("note", "user");
    private static final Set<String> STOP_FIELDS = Set.of("drain", "user");

    private final HeadService head;

    public NodeAdminRoutes(HeadService head) {
        this.head = head;
    }

    public void mount(Router router) {
        router.post("/api/v1/nodes/:name/offline").handler(this::offline);
        router.post("/api/v1/nodes/:name/clear").handler(this::clear);
        router.post("/api/v1/nodes/:name/drain").handler(this::drain);
        router.post("/api/v1/nodes/:name/stop").handler(this::stop);
        router.get(EVENT_LOG_PATH).handler(this::eventLog);
    }

    private void offline(RoutingContext ctx) {
        JobAccess.requireOperator(Authenticator.caller(ctx), "take nodes offline");
        JsonFields body = OptionalBody.read(ctx, NOTE_FIELDS);
        reply(ctx, head.clusterAdmin().setOffline(ctx.pathParam("name"), note(body), who(ctx)), Codec::toMap);
    }

    private void clear(RoutingContext ctx) {
        JobAccess.requireOperator(Authenticator.caller(ctx), "clear nodes");
        JsonFields body = OptionalBody.read(ctx, NOTE_FIELDS);
        reply(ctx, head.clusterAdmin().clearNode(ctx.pathParam("name"), who(ctx)), Codec::toMap);
    }

    private void drain(RoutingContext ctx) {
        JobAccess.requireOperator(Authenticator.caller(ctx), "drain nodes");
        JsonFields body = OptionalBody.read(ctx, NOTE_FIELDS);
        reply(ctx, head.clusterAdmin().drainNode(ctx.pathParam("name"), note(body), who(ctx)), Codec::toMap);
    }

    private void stop(RoutingContext ctx) {
        JobAccess.requireOperator(Authenticator.caller(ctx), "stop workers");
        JsonFields body = OptionalBody.read(ctx, STOP_FIELDS);
        reply(ctx, head.clusterAdmin().stopNode(ctx.pathParam("name"), body.bool("drain", false), who(ctx)), Codec::toMap);
    }

    private void eventLog(RoutingContext ctx) {
        int limit = intParam(ctx, "limit", DEFAULT_EVENTS, 1, MAX_EVENTS);
        String job = ctx.request().getParam("job");
        // any caller reads the whole log already; the filter only spares tracejob a scan of it
        reply(ctx, job == null ? head.alerts().eventLog(limit) : head.alerts().jobEventLog(JobId.parse(job).number(), limit),
                events -> {
            List<Object> list = new ArrayList<>(events.size());
            for (Alert a : events) {
                list.add(Codec.toMap(a));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("events", list);
            return m;
        });
    }

    // ------------------------------------------------------------------ plumbing

    /** The operator's note: one line (it goes into pbsnodes, the event log and alerts), at most 1024 characters. */
    private static String note(JsonFields body) {
        String note = body.string("note", "");
        SubmitLimits.text("the note", note, SubmitLimits.MAX_FIELD_CHARS);
        return note;
    }

    /** Who asks, for the node's note and the alert: the token's user. */
    private static String who(RoutingContext ctx) {
        return Authenticator.caller(ctx).user();
    }
}
