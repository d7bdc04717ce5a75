package dev.hpc.head.api;

import dev.hpc.api.HpcException;
import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.pbs.SubmitDefaults;
import dev.hpc.api.pbs.SubmitParser;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.head.HeadService;
import dev.hpc.head.RequestRejected;
import dev.hpc.head.access.Caller;
import dev.hpc.head.access.JobAccess;
import dev.hpc.head.access.Role;
import dev.hpc.head.state.JobFilter;
import dev.hpc.head.state.Rejection;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;

import static dev.hpc.head.api.RouteSupport.error;
import static dev.hpc.head.api.RouteSupport.intParam;
import static dev.hpc.head.api.RouteSupport.json;
import static dev.hpc.head.api.RouteSupport.param;
import static dev.hpc.head.api.RouteSupport.reply;

/** The routes of the REST API and their handlers. */
public final class ApiRoutes {
    private static final Logger LOG = Logger.getLogger(ApiRoutes.class.getName());
    private static final int DEFAULT_LIMIT = 1000;
    private static final int MAX_LIMIT = 10_000;
    /** The header of a submission's idempotency key (the IETF httpapi draft's name). */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** The most submissions one batch may hold: one commit, and job numbers the voters reserve at once. */
    static final int MAX_BATCH = 1000;
    private static final Set<String> SUBMIT_FIELDS = Set.of("script", "options", "user", "submitHost", "submitDir",
            "environment", "job");

    private final Vertx vertx;
    private final HeadService head;

    public ApiRoutes(Vertx vertx, HeadService head) {
        this.vertx = vertx;
        this.head = head;
    }

    public void mount(Router router) {
        router.route("/api/v1/*").handler(BodyHandler.create(false).setBodyLimit(head.config().maxBodyBytes()));
        new Authenticator(head.tokens(), head.config().cluster()).mount(router);
        new TokenRoutes(vertx, head.tokens()).mount(router);
        router.post("/api/v1/jobs").handler(this::submit);
        router.post("/api/v1/jobs/batch").handler(this::submitBatch);
        router.get("/api/v1/jobs").handler(this::listJobs);
        router.get("/api/v1/jobs/:id").handler(this::showJob);
        router.post("/api/v1/jobs/:id/cancel").handler(this::cancel);
        router.delete("/api/v1/jobs/:id").handler(this::cancel);
        new SchedulingRoutes(head).mount(router);
        new ReportRoutes(vertx, head, head.clock()).mount(router);
        router.get("/api/v1/nodes").handler(this::listNodes);
        router.get("/api/v1/nodes/:name").handler(this::showNode);
        new EventStream(vertx, head).mount(router);
        new NodeAdminRoutes(head).mount(router);
        new ApiDescription().mount(router);
        router.route("/api/v1/*").last().handler(ctx -> error(ctx, 404, "NOT_FOUND",
                "no such API route: " + ctx.request().method() + " " + ctx.request().path()
                        + "; see docs/rest-api.md"));
        router.route("/api/v1/*").failureHandler(this::failure);
    }

    // ------------------------------------------------------------------ jobs

    private void submit(RoutingContext ctx) {
        JsonFields body = Json.readObject(bodyText(ctx)).allowOnly(SUBMIT_FIELDS);
        Caller caller = Authenticator.caller(ctx);
        JobAccess.checkActAs(caller, body.string("user", ""));
        if (!withinSubmitRate(ctx, caller, 1)) {
            return;
        }
        JobSpec spec = parsed(ctx, body, caller).withSubmitKey(submitKey(ctx));
        boolean minimal = prefersMinimal(ctx);
        reply(ctx, head.submit(spec, caller.role() == Role.USER), job -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", job.id().toString());
            if (minimal) {
                ctx.response().putHeader("Preference-Applied", "return=minimal");
            } else {
                m.put("job", shown(caller, job));
            }
            // who acknowledged, in which term: a fault test checks that no two heads acknowledge at once
            m.put("head", head.config().name());
            m.put("epoch", head.epoch());
            return m;
        }, 201);
    }

    /**
     * Whether the caller asked for the new job's id without the job ({@code Prefer: return=minimal}, RFC 7240), as
     * {@code qsub} does: it prints the id alone, and the whole job's JSON is most of a submission's answer.
     */
    static boolean prefersMinimal(RoutingContext ctx) {
        for (String prefer : ctx.request().headers().getAll("Prefer")) {
            for (String token : prefer.split(",")) {
                if (token.trim().equalsIgnoreCase("return=minimal")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * {@code POST /api/v1/jobs/batch}: up to {@link #MAX_BATCH} submissions of the single form, accepted all or none
     * in one commit; a bad one is refused naming its place in the list, and nothing is created.
     */
    private void submitBatch(RoutingContext ctx) {
        JsonFields body = Json.readObject(bodyText(ctx)).allowOnly(Set.of("submissions"));
        Caller caller = Authenticator.caller(ctx);
        List<JsonFields> submissions = body.objects("submissions");
        if (submissions.isEmpty() || submissions.size() > MAX_BATCH) {
            throw new InvalidRequestException("field 'submissions' must list 1 to " + MAX_BATCH + " submissions, got "
                    + submissions.size() + "; send more in further batches");
        }
        if (caller.role() == Role.USER && submissions.size() > head.submitLimiter().burst()) {
            throw new InvalidRequestException("a batch of " + submissions.size() + " is more than the "
                    + head.submitLimiter().burst() + " submissions you may make at once (the head's submit-burst); "
                    + "send smaller batches");
        }
        if (!withinSubmitRate(ctx, caller, submissions.size())) {
            return;
        }
        String key = submitKey(ctx);
        List<JobSpec> specs = new ArrayList<>(submissions.size());
        for (int i = 0; i < submissions.size(); i++) {
            try {
                JobSpec spec = parsed(ctx, submissions.get(i), caller);
                specs.add(key.isEmpty() ? spec : spec.withSubmitKey(key + "/" + i));
            } catch (InvalidRequestException e) {
                throw new InvalidRequestException("submissions[" + i + "]: " + e.getMessage());
            } catch (RequestRejected e) {
                throw new RequestRejected(e.status(), e.code(), "submissions[" + i + "]: " + e.getMessage());
            }
        }
        reply(ctx, head.submitAll(specs, caller.role() == Role.USER), jobs -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ids", jobs.stream().map(j -> j.id().toString()).toList());
            m.put("head", head.config().name());
            m.put("epoch", head.epoch());
            return m;
        }, 201);
    }

    /** One submission of the single form, parsed and checked for who may submit it. */
    private JobSpec parsed(RoutingContext ctx, JsonFields body, Caller caller) {
        body.allowOnly(SUBMIT_FIELDS);
        JobAccess.checkActAs(caller, body.string("user", ""));
        String user = body.string("user", "").isEmpty() ? caller.user() : body.string("user");
        SubmitRequest request = new SubmitRequest(body.string("script"), body.strings("options"), user,
                body.string("submitHost", ctx.request().remoteAddress().host()),
                body.string("submitDir", "/tmp"), body.stringMap("environment"));
        Optional<JsonFields> jsonJob = body.has("job") ? Optional.of(body.object("job")) : Optional.empty();
        JobSpec parsed = SubmitParser.parse(request, jsonJob, new SubmitDefaults(head.clusterAdmin().defaultQueue(),
                true), head.clock());
        JobAccess.checkRunAs(caller, parsed.owner(), user);
        return parsed;
    }

    /** Takes {@code count} submissions from a user's rate; false, with the 429 sent, when they exceed it. */
    private boolean withinSubmitRate(RoutingContext ctx, Caller caller, int count) {
        if (caller.role() != Role.USER) {
            return true;
        }
        Optional<Duration> wait = head.submitLimiter().take(caller.user(), count);
        if (wait.isEmpty()) {
            return true;
        }
        long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
        ctx.response().putHeader("Retry-After", String.valueOf(seconds));
        error(ctx, 429, "TOO_MANY_SUBMISSIONS", caller.user() + " submits faster than the limit of "
                + head.config().access().submitRate() + " jobs per second (bursts of "
                + head.config().access().submitBurst() + "); retry in " + seconds + " s");
        return false;
    }

    /**
     * The client's {@code Idempotency-Key} header ("" without one): a retry with the same key is answered with
     * the job of the first request (docs/rest-api.md).
     */
    private static String submitKey(RoutingContext ctx) {
        List<String> keys = ctx.request().headers().getAll(IDEMPOTENCY_KEY);
        if (keys.size() > 1) {
            throw new InvalidRequestException("send one " + IDEMPOTENCY_KEY + " header, not " + keys.size());
        }
        return keys.isEmpty() ? "" : keys.get(0).strip();
    }

    private void listJobs(RoutingContext ctx) {
        List<JobState> states = new ArrayList<>();
        for (String s : param(ctx, "state").split(",")) {
            if (!s.isBlank()) {
                try {
                    states.add(JobState.valueOf(s.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new InvalidRequestException("state '" + s + "' is not one of "
                            + Arrays.toString(JobState.values()));
                }
            }
        }
        Caller caller = Authenticator.caller(ctx);
        String queue = param(ctx, "queue");
        boolean sealedCounted = switch (param(ctx, "tasks")) {
            case "", "all" -> false;
            case "summary" -> true;
            default -> throw new InvalidRequestException("tasks='" + param(ctx, "tasks") + "': give all (every task "
                    + "of each job, the default) or summary (an array's sealed ended tasks counted, not listed)");
        };
        int limit = intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        long after = intParam(ctx, "after", 0, 0, Integer.MAX_VALUE);
        Optional<String> listed = head.config().access().jobVisibility().listedOwner(caller,
                param(ctx, "user"));
        if (listed.isEmpty()) {
            // another user's jobs, which this caller may not see: as if that user had none
            json(ctx, 200, jobPage(caller, List.of(), 0, -1, sealedCounted));
            return;
        }
        String user = listed.get();
        if ("true".equals(param(ctx, "history"))) {
            Future<List<Job>> page = vertx.executeBlocking(() -> head.store().history(user, queue, states, after,
                    limit + 1));
            page.onSuccess(jobs -> {
                boolean more = jobs.size() > limit;
                List<Job> shown = more ? jobs.subList(0, limit) : jobs;
                json(ctx, 200, jobPage(caller, shown, shown.size(),
                        more ? shown.get(shown.size() - 1).id().number() : -1, sealedCounted));
            }).onFailure(ctx::fail);
            return;
        }
        reply(ctx, head.reads().jobs(new JobFilter(user, queue, Set.copyOf(states)), after,
                limit), p -> jobPage(caller, p.jobs(), p.total(), p.next(), sealedCounted), 200);
    }

    /** Each job as the caller may see it; the owner filter has left out those the caller may not see. */
    private Map<String, Object> jobPage(Caller caller, List<Job> jobs, int total, long next, boolean sealedCounted) {
        List<Object> list = new ArrayList<>(jobs.size());
        for (Job j : jobs) {
            list.add(shown(caller, j, sealedCounted));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jobs", list);
        m.put("total", total);
        m.put("next", next < 0 ? null : String.valueOf(next));
        return m;
    }

    private void showJob(RoutingContext ctx) {
        JobId.JobRef ref = JobId.parse(ctx.pathParam("id"));
        CompletableFuture<Job> found = head.reads().job(ref.number()).thenApply(j -> j.filter(job -> matches(job, ref))
                .orElseThrow(() -> RequestRejected.unknownJob(ref.toString())));
        Caller caller = Authenticator.caller(ctx);
        reply(ctx, found, job -> head.config().access().jobVisibility().detail(caller, job, ref.toString()), 200);
    }

    /** A job in a listing or the answer to a command, as {@link dev.hpc.head.access.JobVisibility} says. */
    private Map<String, Object> shown(Caller caller, Job job) {
        return shown(caller, job, false);
    }

    private Map<String, Object> shown(Caller caller, Job job, boolean sealedCounted) {
        return head.config().access().jobVisibility().summary(caller, job, sealedCounted).orElseThrow(() ->
                new IllegalStateException("should never happen: job " + job.id() + " of " + job.spec().owner()
                        + " reached a listing or answer for " + caller.user() + ", who may not see it"));
    }

    private boolean matches(Job job, JobId.JobRef ref) {
        boolean indexOk = ref.arrayIndex().map(i -> job.task(i).isPresent()).orElse(true);
        return ref.inCluster(job.id().cluster()) && indexOk;
    }

    private void cancel(RoutingContext ctx) {
        Caller caller = Authenticator.caller(ctx);
        reply(ctx, head.jobCommands().cancel(JobId.parse(ctx.pathParam("id")), caller), j -> shown(caller, j), 200);
    }

    // ------------------------------------------------------------------ nodes and cluster

    private void listNodes(RoutingContext ctx) {
        reply(ctx, head.reads().nodes(), nodes -> {
            List<Object> list = new ArrayList<>();
            for (NodeInfo n : nodes) {
                list.add(Codec.toMap(n));
            }
            return Map.of("nodes", list);
        }, 200);
    }

    private void showNode(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        reply(ctx, head.reads().node(name).thenApply(n -> n.orElseThrow(() -> new RequestRejected(404, "UNKNOWN_NODE",
                "Unknown node " + name))), Codec::toMap, 200);
    }

    // ------------------------------------------------------------------ plumbing

    private static String bodyText(RoutingContext ctx) {
        if (ctx.body() == null || ctx.body().buffer() == null || ctx.body().length() == 0) {
            throw new InvalidRequestException("the request needs a JSON body");
        }
        return Json.utf8(ctx.body().buffer().getBytes());
    }

    private void failure(RoutingContext ctx) {
        Throwable t = ctx.failure();
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof Rejection refused) {
            t = RequestRejected.from(refused);
        }
        if (t instanceof RequestRejected r) {
            error(ctx, r.status(), r.code(), r.getMessage());
        } else if (t instanceof InvalidRequestException) {
            error(ctx, 400, "BAD_REQUEST", t.getMessage());
        } else if (ctx.statusCode() == 413) {
            error(ctx, 413, "TOO_LARGE", "the request body is larger than " + head.config().maxBodyBytes()
                    + " bytes");
        } else if (t == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
            error(ctx, ctx.statusCode(), "BAD_REQUEST", "the request was refused (HTTP " + ctx.statusCode() + ")");
        } else {
            LOG.log(Level.SEVERE, "internal error on " + ctx.request().method() + " " + ctx.request().path(), t);
            error(ctx, 500, "INTERNAL", "internal error: " + (t == null ? "unknown" : t.getClass().getSimpleName()
                    + (t instanceof HpcException ? ": " + t.getMessage() : "")) + "; see the head's log");
        }
    }
}
