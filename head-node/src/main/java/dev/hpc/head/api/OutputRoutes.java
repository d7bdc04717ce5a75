package dev.hpc.head.api;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobOutput;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.job.Task;
import dev.hpc.api.json.Json;
import dev.hpc.api.wire.WireMessage.OutputChunk;
import dev.hpc.api.wire.WireMessage.ReadOutput;
import dev.hpc.head.HeadService;
import dev.hpc.head.RequestRejected;
import dev.hpc.head.access.Caller;
import dev.hpc.head.access.JobAccess;
import dev.hpc.head.access.TokenRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

import static dev.hpc.head.api.RouteSupport.longParam;
import static dev.hpc.head.api.RouteSupport.param;

/**
 * {@code GET /api/v1/jobs/{id}/output}: a part of a task's standard output or error, read by the worker
 * that ran (or runs) the task's current or last attempt: the first node of its allocation, the one
 * that runs the script and holds its output files. The head asks it with a
 * {@link ReadOutput} on the worker link and answers with the text of its {@link OutputChunk}.
 *
 * <p>Refusals: {@code 403 FORBIDDEN} when the caller is neither the job's owner nor an operator, or
 * {@code 404 UNKNOWN_JOB} as for an unknown id when listings are private and the caller may not even
 * see the job ({@link dev.hpc.head.access.JobVisibility}); {@code 400} for a bad parameter or an array
 * job without a task; {@code 404 UNKNOWN_JOB};
 * {@code 409 NOT_ALLOWED} when the task has not started, its node is down or has no link to this head;
 * {@code 404 NO_OUTPUT} when the worker has no such file (forgotten, deleted); {@code 504 TIMEOUT} when
 * the worker does not answer in time. Nothing waits on the event loop: the pending reads are a map
 * with a timer each. A read waiting while its caller's token is revoked is answered {@code 401} at
 * once, not with the output (issue #15).
 */
public final class OutputRoutes {
    private static final Logger LOG = Logger.getLogger(OutputRoutes.class.getName());
    public static final String PATH = "/api/v1/jobs/:id/output";

    /** Sends a read to a node's worker; false when it has no link to this head. */
    @FunctionalInterface
    public interface Link {
        boolean send(String node, ReadOutput read);
    }

    /** What a read is about, found in the job table. */
    private record Target(Job job, Task task, Attempt attempt, String node) {
        String taskName() {
            return job.id().taskName(task.index());
        }

        boolean running() {
            return task.state() == JobState.RUNNING && attempt.isOpen();
        }
    }

    private record Pending(String node, Target target, JobOutput.Stream stream, RoutingContext ctx, Context context,
                           long timer, TokenRegistry.Hold hold) {
    }

    private final Vertx vertx;
    private final HeadService head;
    private final Link link;
    private final Duration timeout;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    /** @param timeout how long a worker may take to answer before the caller gets {@code 504} */
    public OutputRoutes(Vertx vertx, HeadService head, Link link, Duration timeout) {
        this.vertx = vertx;
        this.head = head;
        this.link = link;
        this.timeout = timeout;
    }

    public void mount(Router router) {
        router.get(PATH).handler(this::output);
    }

    /** Reads waiting for their worker's answer (for tests). */
    public int pendingReads() {
        return pending.size();
    }

    // ---- the route

    private void output(RoutingContext ctx) {
        JobId.JobRef ref = JobId.parse(ctx.pathParam("id"));
        JobOutput.Stream stream = JobOutput.Stream.parse(param(ctx, "stream").isEmpty() ? "stdout"
                : param(ctx, "stream"));
        Optional<Integer> index = taskIndex(ctx, ref);
        long offset = longParam(ctx, "offset", 0, Long.MIN_VALUE + 1, Long.MAX_VALUE);
        int limit = (int) longParam(ctx, "limit", JobOutput.DEFAULT_BYTES, 1, JobOutput.MAX_BYTES);
        Context context = vertx.getOrCreateContext();
        Caller caller = Authenticator.caller(ctx);
        head.reads().job(ref.number())
                .thenApply(found -> found.filter(j -> ref.inCluster(j.id().cluster()))
                        .orElseThrow(() -> RequestRejected.unknownJob(ref.toString())))
                .thenApply(job -> {
                    head.config().access().jobVisibility().requireVisible(caller, job.spec().owner(),
                            ref.toString());
                    JobAccess.check(caller, job.spec().owner(), job.id().toString(),
                            "read the output of");
                    return target(job, index);
                })
                .thenCompose(t -> head.reads().node(t.node()).thenApply(node -> checkNode(t, node)))
                .whenComplete((target, error) -> context.runOnContext(v -> {
                    if (error != null) {
                        ctx.fail(error instanceof CompletionException && error.getCause() != null ? error.getCause()
                                : error);
                    } else {
                        ask(ctx, context, target, stream, offset, limit);
                    }
                }));
    }

    private static Optional<Integer> taskIndex(RoutingContext ctx, JobId.JobRef ref) {
        String given = param(ctx, "task");
        if (given.isEmpty()) {
            return ref.arrayIndex();
        }
        int task = (int) longParam(ctx, "task", -1, -1, Integer.MAX_VALUE);
        if (ref.arrayIndex().isPresent() && ref.arrayIndex().get() != task) {
            throw new InvalidRequestException("the id names task " + ref.arrayIndex().get() + " and the parameter "
                    + "task names " + task + ": give one of them");
        }
        return Optional.of(task);
    }

    private static Target target(Job job, Optional<Integer> index) {
        Task task;
        if (index.isPresent()) {
            int i = index.get();
            task = job.task(i).or(() -> i == -1 && job.tasks().size() == 1 ? Optional.of(job.tasks().get(0))
                    : Optional.empty()).orElseThrow(() -> new RequestRejected(404, "UNKNOWN_JOB", "job " + job.id()
                            + " has no task " + i));
        } else if (job.tasks().size() == 1) {
            task = job.tasks().get(0);
        } else {
            throw RequestRejected.badRequest("job " + job.id() + " is an array job of " + job.tasks().size()
                    + " tasks: name one, with task=INDEX or as " + job.id().number() + "[INDEX]");
        }
        String name = job.id().taskName(task.index());
        if (task.attempts().isEmpty()) {
            throw RequestRejected.notAllowed(name + " has not started yet (" + task.state().name().toLowerCase(
                    Locale.ROOT) + "): it has no output");
        }
        Attempt attempt = task.attempts().get(task.attempts().size() - 1);
        if (attempt.nodes().isEmpty()) {
            throw new IllegalStateException("should never happen: attempt " + attempt.id() + " of " + name
                    + " has no node");
        }
        return new Target(job, task, attempt, attempt.nodes().get(0).node());
    }

    private static Target checkNode(Target t, Optional<NodeInfo> node) {
        if (node.isEmpty()) {
            throw RequestRejected.notAllowed("the node that ran " + t.taskName() + " is down: " + t.node()
                    + " is no longer known to the cluster; its output is on that node's disk");
        }
        if (node.get().state() == NodeState.DOWN) {
            String reason = node.get().reason().isBlank() ? "" : " (" + node.get().reason() + ")";
            throw RequestRejected.notAllowed("the node that ran " + t.taskName() + " is down: " + t.node() + reason
                    + "; its output can be read when the node is back");
        }
        return t;
    }

    private void ask(RoutingContext ctx, Context context, Target target, JobOutput.Stream stream, long offset,
                     int limit) {
        String requestId = UUID.randomUUID().toString();
        long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> timedOut(requestId));
        TokenRegistry.Hold hold = head.tokens().whileValid(Authenticator.token(ctx), why -> revoked(requestId, why));
        pending.put(requestId, new Pending(target.node(), target, stream, ctx, context, timer, hold));
        boolean sent = link.send(target.node(), new ReadOutput(head.epoch(), requestId, target.attempt().id(),
                stream.wireName(), offset, limit));
        if (!sent && pending.remove(requestId) != null) {
            vertx.cancelTimer(timer);
            hold.release();
            ctx.fail(RequestRejected.notAllowed("node " + target.node() + ", which ran " + target.taskName()
                    + ", has no link to head " + head.config().name() + " now; try again in a moment"));
        }
    }

    private void revoked(String requestId, String why) {
        Pending p = pending.remove(requestId);
        if (p != null) {
            p.context().runOnContext(v -> {
                vertx.cancelTimer(p.timer());
                p.ctx().fail(new RequestRejected(401, "UNAUTHENTICATED", why + " while the output of "
                        + p.target().taskName() + " was being read; sign in with a valid token"));
            });
        }
    }

    private void timedOut(String requestId) {
        Pending p = pending.remove(requestId);
        if (p != null) {
            p.hold().release();
            p.context().runOnContext(v -> p.ctx().fail(new RequestRejected(504, "TIMEOUT", "node " + p.node()
                    + ", which ran " + p.target().taskName() + ", did not answer within " + timeout.toMillis()
                    + " ms; it may be overloaded: try again")));
        }
    }

    // ---- the worker's answer

    /** A worker answered a read; called on the gateway's event loops. */
    public void answer(String node, OutputChunk chunk) {
        Pending p = pending.get(chunk.requestId());
        if (p == null || !p.node().equals(node)) {
            LOG.fine(() -> "an answer from " + node + " to read " + chunk.requestId() + " that nobody waits for");
            return;
        }
        if (!pending.remove(chunk.requestId(), p)) {
            return;
        }
        p.hold().release();
        p.context().runOnContext(v -> {
            vertx.cancelTimer(p.timer());
            respond(p, chunk);
        });
    }

    private static void respond(Pending p, OutputChunk chunk) {
        RoutingContext ctx = p.ctx();
        if (!chunk.error().isEmpty()) {
            ctx.fail(new RequestRejected(404, "NO_OUTPUT", chunk.error()));
            return;
        }
        Target t = p.target();
        byte[] data = chunk.data();
        boolean more = chunk.offset() + data.length < chunk.size() || t.running();
        OutputText.Piece piece = OutputText.decode(data, chunk.offset(), more);
        JobOutput out = new JobOutput(t.taskName(), p.stream(), piece.text(), piece.offset(), piece.next(),
                chunk.size(), piece.next() >= chunk.size(), t.running(), t.task().state(), t.node(), chunk.path());
        if (!ctx.response().ended() && !ctx.response().closed()) {
            ctx.response().setStatusCode(200).putHeader("Content-Type", RouteSupport.JSON_TYPE)
                    .putHeader("Cache-Control", "no-store").end(Json.write(out.toMap()));
        }
    }
}
