package dev.hpc.head.api;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.json.Json;
import dev.hpc.head.HeadService;
import dev.hpc.head.RequestRejected;
import dev.hpc.head.access.Caller;
import dev.hpc.head.accounting.PbsRecords;
import dev.hpc.head.accounting.UsageReport;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static dev.hpc.head.api.RouteSupport.param;

/**
 * {@code GET /api/v1/report} ({@code hpc report}, docs/accounting.md): usage over a period from the job records of
 * this head's store, read off the event loop. A user's report covers only their own jobs; operators and admins
 * see everyone's, or one user's with {@code user=}. Reading changes nothing, so it goes through no command.
 */
public final class ReportRoutes {
    private final Vertx vertx;
    private final HeadService head;
    private final Clock clock;

    public ReportRoutes(Vertx vertx, HeadService head, Clock clock) {
        this.vertx = vertx;
        this.head = head;
        this.clock = clock;
    }

    public void mount(Router router) {
        router.get("/api/v1/report").handler(this::report);
        router.get("/api/v1/report/records").handler(this::records);
    }

    /** The user whose jobs the caller may count: the one asked for, or the caller alone for a plain user. */
    private static String user(RoutingContext ctx, Caller caller) {
        String user = param(ctx, "user");
        if (caller.isOperator()) {
            return user;
        }
        if (!user.isEmpty() && !user.equals(caller.user())) {
            throw new RequestRejected(403, "FORBIDDEN", "only an operator or an admin may see "
                    + "another user's usage; " + caller.user() + " has role " + caller.role().word()
                    + ": leave out user= (or -u) to see your own");
        }
        return caller.user();
    }

    /** The period and the filter a request asks for, and when it was asked. */
    private record Query(Instant start, Instant end, Instant now, UsageReport.Filter filter) {
        /** The report of this query; its constructor refuses a period it cannot cover. */
        UsageReport report() {
            return new UsageReport(start, end, now, filter);
        }
    }

    /** Reads {@code start}, {@code end} and the filter; {@code length} is the period when no start is given. */
    private Query query(RoutingContext ctx, Duration length) {
        Caller caller = Authenticator.caller(ctx);
        Instant now = clock.instant();
        Instant end = instant(ctx, "end", now);
        Instant start = instant(ctx, "start", end.minus(length));
        String owner = user(ctx, caller);
        return new Query(start, end, now, new UsageReport.Filter(owner, param(ctx, "account"), param(ctx, "queue")));
    }

    private void report(RoutingContext ctx) {
        Query q = query(ctx, Duration.ofDays(30));
        UsageReport report = q.report();
        answer(ctx, () -> {
            head.store().forEachJobIn(q.start(), q.end(), q.filter().user(), report::add);
            return Json.write(report.toMap(head.config().cluster()));
        });
    }

    /** PBS accounting records of the period ({@code hpc report --pbs-records}), in time order. */
    private void records(RoutingContext ctx) {
        Query q = query(ctx, Duration.ofDays(1));
        q.report(); // the same checks of the period as the report's
        Instant start = q.start();
        Instant end = q.end();
        answer(ctx, () -> {
            List<PbsRecords.Line> lines = new ArrayList<>();
            head.store().forEachJobIn(start, end, q.filter().user(), job -> {
                if (q.filter().keeps(job)) {
                    lines.addAll(PbsRecords.of(job, start, end));
                }
            });
            lines.sort(PbsRecords.ORDER);
            List<Object> out = new ArrayList<>(lines.size());
            lines.forEach(l -> out.add(l.toMap()));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cluster", head.config().cluster());
            m.put("start", start.toString());
            m.put("end", end.toString());
            m.put("records", out);
            return Json.write(m);
        });
    }

    private void answer(RoutingContext ctx, Callable<String> work) {
        vertx.executeBlocking(work, false).onSuccess(body -> {
            if (!ctx.response().ended()) {
                ctx.response().setStatusCode(200).putHeader("Content-Type", RouteSupport.JSON_TYPE)
                        .end(body);
            }
        }).onFailure(ctx::fail);
    }

    private static Instant instant(RoutingContext ctx, String name, Instant fallback) {
        String v = param(ctx, name);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException(name + " '" + v + "' is not an instant: give it as 2026-12-01T00:00:00Z");
        }
    }
}
