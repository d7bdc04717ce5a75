package dev.hpc.head.spawn;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.wire.SpawnProtocol;
import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import dev.hpc.api.wire.WireMessage;
import dev.hpc.head.HeadService;
import dev.hpc.head.RequestRejected;
import dev.hpc.head.link.SpawnHooks;
import dev.hpc.head.link.WorkerLinks;
import dev.hpc.head.state.SpawnTarget;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * {@code POST /api/v1/jobs/{id}/spawn}: starts a command on a node of a running attempt's allocation
 * through that node's worker, and streams its output and exit status back to the caller in the frames
 * of {@link SpawnProtocol}. This is what {@code hpc-rsh} (the agent MPI runs instead of ssh) and
 * {@code hpc dsh} call.
 *
 * <p>Checks, in this order: the token is the attempt's ({@code 403 FORBIDDEN}); the attempt is the
 * current, running attempt of the job named in the path and no cancel is under way
 * ({@code 409 NOT_ALLOWED}); the host is a node of its allocation ({@code 400 BAD_REQUEST}); the node's
 * worker has a link to this head ({@code 503 UNAVAILABLE}). Then the answer is {@code 200} and the
 * command runs.
 *
 * <p>The command dies when its caller goes away (the connection closes: {@link WireMessage.KillSpawn}),
 * and with its attempt on the worker. When the link to the node's worker closes, the caller gets a
 * note and exit status 255, as ssh gives for a lost connection. Output flows without back-pressure:
 * the commands MPI spawns (its daemons) write little; a flood is buffered here.
 */
public final class SpawnRelay implements SpawnHooks {
    private static final Logger LOG = Logger.getLogger(SpawnRelay.class.getName());
    public static final String PATH = "/api/v1/jobs/:id/spawn";
    private static final Set<String> FIELDS = Set.of("attemptId", "token", "host", "argv", "environment", "workDir",
            "spawnId", "resume");
    /** A caller's own spawn id: a UUID, or any short name of these characters. */
    private static final Pattern SPAWN_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    /**
     * For this long after a head became active it keeps the commands its workers run that no caller follows
     * yet, and their output and ends: the callers of the previous head come back to follow them (issue 16).
     */
    public static final Duration ADOPTION_GRACE = Duration.ofSeconds(60);
    /** The output of one command kept for a caller that has not come back yet. */
    private static final int MAX_KEPT_BYTES = 1 << 20;
    /** Local names a caller may use for the node it runs on. */
    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "::1");

    private final Vertx vertx;
    private final HeadService head;
    private final WorkerLinks gateway;
    private final SpawnKeys keys;
    private final Duration keepalive;
    private final Map<String, OpenSpawn> open = new ConcurrentHashMap<>();
    /** Commands the workers run, or ran, that no caller follows yet, since this head became active. */
    private final Map<String, Unfollowed> unfollowed = new ConcurrentHashMap<>();
    private final Duration adoptionGrace;
    private volatile long epochSeen;
    private volatile long activeSinceNanos = System.nanoTime();
    /** The machine each node's worker runs on, from its registration. */
    private final Map<String, String> hosts = new ConcurrentHashMap<>();

    /** A command no caller follows yet: its output so far (up to {@link #MAX_KEPT_BYTES}) and, once ended, its end. */
    private static final class Unfollowed {
        final List<byte[]> frames = new ArrayList<>();
        int bytes;
        Optional<WireMessage.SpawnExited> end = Optional.empty();

        synchronized void keep(byte[] frame) {
            if (bytes + frame.length <= MAX_KEPT_BYTES) {
                frames.add(frame);
                bytes += frame.length;
            }
        }
    }

    /** Where the frames of a followed command go: a chunked HTTP answer, or a session's WebSocket. */
    interface Sink {
        /** Writes one frame; never blocks. */
        void write(byte[] frame);

        /** Writes these frames last and ends; never blocks. */
        void end(byte[]... frames);
    }

    /** The chunked answer of the spawn route. */
    private record HttpSink(Context context, HttpServerResponse response) implements Sink {
        @Override
        public void write(byte[] frame) {
            context.runOnContext(v -> {
                if (!response.ended() && !response.closed()) {
                    response.write(Buffer.buffer(frame));
                }
            });
        }

        @Override
        public void end(byte[]... frames) {
            context.runOnContext(v -> {
                if (!response.ended() && !response.closed()) {
                    for (byte[] f : frames) {
                        response.write(Buffer.buffer(f));
                    }
                    response.end();
                }
            });
        }
    }

    /** A spawned command (or an interactive session's shell) whose caller is still connected. */
    private record OpenSpawn(String spawnId, String node, long attemptId, Sink sink, boolean session) {
        void write(byte[] frame) {
            sink.write(frame);
        }

        void end(byte[]... frames) {
            sink.end(frames);
        }
    }

    public SpawnRelay(Vertx vertx, HeadService head, WorkerLinks gateway, SpawnKeys keys, Duration keepalive) {
        this(vertx, head, gateway, keys, keepalive, ADOPTION_GRACE);
    }

    public SpawnRelay(Vertx vertx, HeadService head, WorkerLinks gateway, SpawnKeys keys, Duration keepalive,
                      Duration adoptionGrace) {
        this.adoptionGrace = adoptionGrace;
        this.vertx = vertx;
        this.head = head;
        this.gateway = gateway;
        this.keys = keys;
        this.keepalive = keepalive;
    }

    /** Serves the route and takes the gateway's spawn messages; mount after the API's body handler. */
    public void mount(Router router) {
        router.post(PATH).handler(this::spawn);
        gateway.spawnHooks(this);
        long ms = Math.max(100, keepalive.toMillis());
        vertx.setPeriodic(ms, ms, id -> {
            if (!head.isActive()) {
                // the workers report to another head now: what they run can no longer be followed from here
                endAll("head " + head.config().name() + " is no longer the active head");
                return;
            }
            byte[] frame = SpawnProtocol.frame(SpawnProtocol.KEEPALIVE, new byte[0]);
            open.values().forEach(s -> s.write(frame));
        });
    }

    /** How many spawned commands have a caller connected (for tests and the log). */
    public int openSpawns() {
        return open.size();
    }

    // ---- the route

    private void spawn(RoutingContext ctx) {
        if (ctx.body() == null || ctx.body().buffer() == null || ctx.body().length() == 0) {
            throw new InvalidRequestException("the request needs a JSON body: attemptId, token, host, argv");
        }
        JsonFields body = Json.readObject(Json.utf8(ctx.body().buffer().getBytes())).allowOnly(FIELDS);
        JobId.JobRef job = JobId.parse(ctx.pathParam("id"));
        long attemptId = body.longValue("attemptId");
        String token = body.string("token");
        String host = body.string("host").strip();
        List<String> argv = body.strings("argv");
        if (argv.isEmpty() || argv.stream().allMatch(String::isBlank)) {
            throw new InvalidRequestException("field 'argv' must name a command to run");
        }
        Map<String, String> environment = body.has("environment") ? body.stringMap("environment") : Map.of();
        String workDir = body.string("workDir", "");
        String spawnId = body.string("spawnId", UUID.randomUUID().toString());
        if (!SPAWN_ID.matcher(spawnId).matches()) {
            throw new InvalidRequestException("field 'spawnId' must be 1 to 64 letters, digits and '_.:-' (a UUID)");
        }
        boolean resume = body.bool("resume", false);
        if (!keys.verify(attemptId, token)) {
            throw new RequestRejected(403, "FORBIDDEN", "the spawn token is not that of attempt " + attemptId
                    + ": only the job itself may start commands in its allocation ($"
                    + SpawnProtocol.ENV_SPAWN_TOKEN + " of the job's environment; a head that took over since the "
                    + "job started does not know it)");
        }
        Context context = vertx.getOrCreateContext();
        head.reads().spawnTarget(attemptId).whenComplete((found, error) -> context.runOnContext(v -> {
            try {
                if (error != null) {
                    throw error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                }
                SpawnTarget target = check(found, job, attemptId, host);
                start(ctx, context, target, resolveNode(target, host), argv, environment, workDir, spawnId, resume);
            } catch (Throwable t) {
                ctx.fail(t);
            }
        }));
    }

    private SpawnTarget check(Optional<SpawnTarget> found, JobId.JobRef job, long attemptId, String host) {
        SpawnTarget target = found.orElseThrow(() -> RequestRejected.notAllowed("attempt " + attemptId
                + " is not running (it ended, or was cancelled or requeued): nothing can be started in its "
                + "allocation any more"));
        if (target.jobNumber() != job.number()) {
            throw RequestRejected.badRequest("attempt " + attemptId + " belongs to job " + target.taskName()
                    + ", not to " + job + ": use $" + SpawnProtocol.ENV_JOB_ID + " and $"
                    + SpawnProtocol.ENV_ATTEMPT_ID + " of the same job");
        }
        if (resolveNode(target, host).isEmpty()) {
            throw RequestRejected.badRequest("host '" + host + "' is not a node of the allocation of "
                    + target.taskName() + " (" + target.nodes().stream().map(NodeSlot::node).toList()
                    + "): name the nodes as $PBS_NODEFILE and $" + SpawnProtocol.ENV_HOSTFILE + " do");
        }
        return target;
    }

    /**
     * The node a caller means by {@code host}: a node name of the allocation; else the machine name of
     * exactly one of its nodes. Loopback names are refused here: {@code hpc-rsh} turns them into the
     * node it runs on.
     */
    private String resolveNode(SpawnTarget target, String host) {
        if (target.nodeIndex(host) >= 0) {
            return host;
        }
        if (LOOPBACK.contains(host)) {
            return "";
        }
        List<String> onHost = new ArrayList<>();
        for (NodeSlot s : target.nodes()) {
            if (host.equals(hosts.get(s.node()))) {
                onHost.add(s.node());
            }
        }
        return onHost.size() == 1 ? onHost.get(0) : "";
    }

    private void start(RoutingContext ctx, Context context, SpawnTarget target, String node, List<String> argv,
                       Map<String, String> environment, String workDir, String spawnId, boolean resume) {
        noteEpoch();
        HttpServerResponse response = ctx.response();
        Map<String, String> env = target.environmentOn(node, environment);
        OpenSpawn spawn = new OpenSpawn(spawnId, node, target.attemptId(), new HttpSink(context, response), false);
        response.setStatusCode(200).setChunked(true).putHeader("Content-Type", SpawnProtocol.MEDIA_TYPE)
                .putHeader("X-Hpc-Spawn-Id", spawnId).putHeader("Cache-Control", "no-store");
        response.closeHandler(v -> callerGone(spawnId, spawn));
        OpenSpawn before = open.put(spawnId, spawn);
        if (before != null) {
            before.end(SpawnProtocol.noteFrame("another connection follows this command now"));
        }
        response.write(Buffer.buffer()); // the status and headers go out now
        Unfollowed kept = unfollowed.remove(spawnId);
        if (kept != null) {
            synchronized (kept) {
                kept.frames.forEach(spawn::write);
                if (kept.end.isPresent()) {
                    open.remove(spawnId, spawn);
                    endWith(spawn, kept.end.get());
                    return;
                }
            }
        }
        boolean sent = gateway.send(node, new WireMessage.Spawn(head.epoch(), target.attemptId(), spawnId, argv, env,
                workDir, target.owner(), resume, target.limits()));
        if (!sent) {
            open.remove(spawnId, spawn);
            if (resume) {
                // no exit status: the caller comes back and finds the command once the node's link is back
                spawn.end(SpawnProtocol.noteFrame("node " + node + " has no link to head " + head.config().name()
                        + " now"));
            } else {
                spawn.end(SpawnProtocol.noteFrame("node " + node + " has no link to head " + head.config().name()
                        + " now; try again in a moment"), SpawnProtocol.exitFrame(SpawnProtocol.LOST));
            }
            return;
        }
        LOG.fine(() -> "spawn " + spawnId + " of attempt " + target.attemptId() + " (" + target.taskName() + ") on "
                + node + ": " + String.join(" ", argv));
    }

    private void callerGone(String spawnId, OpenSpawn which) {
        OpenSpawn s = open.remove(spawnId, which) ? which : null;
        if (s != null) {
            LOG.fine(() -> "the caller of spawn " + spawnId + " on " + s.node() + " went away: killing it");
            gateway.send(s.node(), new WireMessage.KillSpawn(head.epoch(), spawnId));
        }
    }

    // ---- interactive sessions (SessionRoute)

    /** Whether a caller follows this spawn id now. */
    boolean following(String spawnId) {
        return open.containsKey(spawnId);
    }

    /**
     * Follows an interactive session's shell on {@code node} into {@code sink} and sends {@code start} to the
     * node's worker; false (and nothing followed) when the node has no link to this head. The returned key
     * ends the following with {@link #leave}.
     */
    Optional<Object> followSession(String spawnId, String node, long attemptId, Sink sink,
                                   WireMessage.FromHead start) {
        noteEpoch();
        OpenSpawn s = new OpenSpawn(spawnId, node, attemptId, sink, true);
        if (open.putIfAbsent(spawnId, s) != null) {
            return Optional.empty();
        }
        if (!gateway.send(node, start)) {
            open.remove(spawnId, s);
            return Optional.empty();
        }
        return Optional.of(s);
    }

    /** Sends a session's input or size to its node; false when the link is gone. */
    boolean toWorker(String node, WireMessage.FromHead message) {
        return gateway.send(node, message);
    }

    /** The caller of a session went away: its shell is killed (and its attempt ends with it). */
    void leave(String spawnId, Object key) {
        if (key instanceof OpenSpawn s) {
            callerGone(spawnId, s);
        }
    }

    // ---- what the gateway tells

    @Override
    public void registered(String node, String host) {
        hosts.put(node, host);
    }

    /** A takeover is seen as a new epoch here: from then on, the grace for the previous head's callers runs. */
    private void noteEpoch() {
        long epoch = head.epoch();
        if (epoch != epochSeen) {
            epochSeen = epoch;
            activeSinceNanos = System.nanoTime();
        }
    }

    /** Whether commands no caller follows are still kept for callers of the previous head. */
    private boolean adopting() {
        noteEpoch();
        return System.nanoTime() - activeSinceNanos < adoptionGrace.toNanos();
    }

    private static void endWith(OpenSpawn s, WireMessage.SpawnExited x) {
        if (x.message().isBlank()) {
            s.end(SpawnProtocol.exitFrame(x.exitStatus()));
        } else {
            s.end(SpawnProtocol.noteFrame(x.message()), SpawnProtocol.exitFrame(x.exitStatus()));
        }
    }

    @Override
    public void fromWorker(String node, FromWorker message) {
        if (message instanceof WireMessage.SpawnOutput o) {
            OpenSpawn s = open.get(o.spawnId());
            byte kind = o.stream() == 2 ? SpawnProtocol.STDERR : SpawnProtocol.STDOUT;
            if (s == null) {
                if (adopting()) {
                    unfollowed.computeIfAbsent(o.spawnId(), id -> new Unfollowed())
                            .keep(SpawnProtocol.frame(kind, o.data()));
                } else {
                    gateway.send(node, new WireMessage.KillSpawn(head.epoch(), o.spawnId()));
                }
                return;
            }
            s.write(SpawnProtocol.frame(kind, o.data()));
        } else if (message instanceof WireMessage.SpawnExited x) {
            OpenSpawn s = open.remove(x.spawnId());
            if (s == null) {
                if (adopting()) {
                    Unfollowed u = unfollowed.computeIfAbsent(x.spawnId(), id -> new Unfollowed());
                    synchronized (u) {
                        u.end = Optional.of(x);
                    }
                }
                return;
            }
            endWith(s, x);
        } else if (message instanceof WireMessage.SpawnsRunning r) {
            if (adopting()) {
                return; // callers of the previous head may still come back to follow these
            }
            unfollowed.clear();
            for (WireMessage.SpawnRef ref : r.spawns()) {
                OpenSpawn s = open.get(ref.spawnId());
                if (s == null || !s.node().equals(node)) {
                    LOG.info(() -> "node " + node + " runs spawn " + ref.spawnId() + " of attempt " + ref.attemptId()
                            + ", whose caller is gone: killing it");
                    gateway.send(node, new WireMessage.KillSpawn(head.epoch(), ref.spawnId()));
                }
            }
        }
    }

    /**
     * Ends every stream without an exit status: the commands go on on their nodes, and their callers follow
     * them through the head that is active now.
     */
    private void endAll(String why) {
        unfollowed.clear();
        for (OpenSpawn s : List.copyOf(open.values())) {
            if (open.remove(s.spawnId(), s)) {
                s.end(SpawnProtocol.noteFrame(why + (s.session() ? "" : "; follow the command on " + s.node()
                        + " through the active head")));
            }
        }
    }

    @Override
    public void linkClosed(String node) {
        for (OpenSpawn s : List.copyOf(open.values())) {
            if (s.node().equals(node) && open.remove(s.spawnId(), s)) {
                s.end(SpawnProtocol.noteFrame("lost the link to the worker of node " + node + "; the command's end "
                        + "is unknown"), SpawnProtocol.exitFrame(SpawnProtocol.LOST));
            }
        }
    }

    @Override
    public LaunchOrder launching(LaunchOrder order) {
        Map<String, String> env = new LinkedHashMap<>(order.environment());
        env.put(SpawnProtocol.ENV_SPAWN_TOKEN, keys.token(order.attemptId()));
        List<String> nodeHosts = new ArrayList<>();
        for (NodeSlot s : order.nodes()) {
            nodeHosts.add(s.node() + "=" + hosts.getOrDefault(s.node(), ""));
        }
        env.put(SpawnProtocol.ENV_NODE_HOSTS, String.join(",", nodeHosts));
        // a copy field by field lost the -F arguments added later (issue 18); this keeps whatever an order holds
        return order.withEnvironment(env);
    }
}
