package dev.hpc.head.gateway;

import dev.hpc.api.HpcException;
import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.wire.ClusterSecret;
import dev.hpc.api.wire.WireCodec;
import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage;
import dev.hpc.head.EffectSink;
import dev.hpc.head.HeadService;
import dev.hpc.head.RequestRejected;
import dev.hpc.head.link.SpawnHooks;
import dev.hpc.head.link.WorkerLinks;
import dev.hpc.head.replication.Witnesses;
import dev.hpc.head.state.Effect;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One WebSocket session per worker, keyed by node name once it has registered. A link must complete
 * its handshake (hello, then a registration with its proof) within the link handshake timeout, or it
 * is refused and closed: a link that never speaks would otherwise be held for ever (issue #15).
 */
public final class WorkerGateway implements EffectSink, WorkerLinks {
    private static final Logger LOG = Logger.getLogger(WorkerGateway.class.getName());
    public static final String PATH = WireCodec.LINK_PATH;
    /** WebSocket close code 1008: the worker broke the link's rules (here: did not prove the secret). */
    private static final short POLICY_VIOLATION = 1008;

    private final Vertx vertx;
    private final HeadService head;
    private final Witnesses witnesses;
    private final Clock clock;
    private final Map<String, ServerWebSocket> sessions = new ConcurrentHashMap<>();
    /**
     * Every open link whose worker proved the cluster secret (every open link when there is none),
     * registered or refused: a head that becomes active welcomes them all.
     */
    private final Set<ServerWebSocket> links = ConcurrentHashMap.newKeySet();
    /** Commands spawned into running attempts (docs/mpi.md); none until the head wires them. */
    private volatile SpawnHooks spawnHooks = SpawnHooks.NONE;
    /** Who takes the answers to output reads (hpc peek; OutputRoutes): node and answer. */
    private volatile BiConsumer<String, WireMessage.OutputChunk> outputAnswers = (n, c) -> { };

    public WorkerGateway(Vertx vertx, HeadService head, Witnesses witnesses, Clock clock) {
        this.vertx = vertx;
        this.head = head;
        this.witnesses = witnesses;
        this.clock = clock;
        head.onActivation(this::welcomeAll);
    }

    /**
     * A head that has just become active tells every connected worker its epoch; each answers by
     * registering again with what it runs and what it has finished, and is reconciled.
     */
    private void welcomeAll() {
        for (ServerWebSocket ws : links) {
            send(ws, new WireMessage.Welcome(head.epoch(), head.config().name(), head.config().heartbeatInterval()));
        }
    }

    @Override
    public void spawnHooks(SpawnHooks hooks) {
        this.spawnHooks = hooks;
    }

    /** Who takes the workers' answers to {@link WireMessage.ReadOutput}, called on the gateway's event loops. */
    public void outputAnswers(BiConsumer<String, WireMessage.OutputChunk> taker) {
        this.outputAnswers = taker;
    }

    @Override
    public boolean send(String node, WireMessage.FromHead message) {
        ServerWebSocket ws = sessions.get(node);
        if (ws == null) {
            return false;
        }
        send(ws, message);
        return true;
    }

    /**
     * The link is upgraded to a WebSocket by the HTTP server itself ({@link #accept}); the route answers
     * what reaches it without the upgrade.
     */
    public void mount(Router router) {
        router.get(PATH).handler(ctx -> ctx.fail(RequestRejected.badRequest("the worker link is a "
                + "WebSocket: connect with 'Connection: Upgrade' and 'Upgrade: websocket' (hpc worker does)")));
    }

    /** A new link, upgraded by the HTTP server at {@link #PATH}. */
    public void accept(ServerWebSocket ws) {
        Optional<ClusterSecret> secret = head.config().linkSecurity().clusterSecret();
        HeadHandshake handshake = new HeadHandshake(secret);
        if (secret.isEmpty()) {
            links.add(ws);
        }
        String[] node = {""};
        Duration limit = head.config().edge().linkHandshakeTimeout();
        long handshakeTimer = vertx.setTimer(limit.toMillis(), id -> {
            if (node[0].isEmpty() && !handshake.failed()) {
                handshake.fail();
                refuse(ws, "worker at " + ws.remoteAddress() + " did not complete the link's handshake (hello, "
                        + "then register with its proof) within " + limit.toMillis() + " ms");
            }
        });
        ws.textMessageHandler(text -> {
            try {
                FromWorker message = WireCodec.decodeFromWorker(text);
                if (admitted(ws, handshake, message)) {
                    node[0] = onMessage(ws, node[0], message);
                }
            } catch (HpcException e) {
                LOG.warning("bad message from worker " + node[0] + " at " + ws.remoteAddress() + ": "
                        + e.getMessage());
            }
        });
        ws.closeHandler(v -> {
            vertx.cancelTimer(handshakeTimer);
            if (handshake.abandoned()) {
                LOG.warning("a worker at " + ws.remoteAddress() + " closed its link before proving the cluster "
                        + "secret: it did not accept this head's proof; check cluster-secret-file on both");
            }
            links.remove(ws);
            if (!node[0].isEmpty() && sessions.remove(node[0], ws)) {
                spawnHooks.linkClosed(node[0]);
                String name = node[0];
                // no close frame: the connection ended under the worker (its process died, or the network
                // reset it); a worker that closes its link itself says goodbye first
                head.workerEvents().linkClosed(name, endedWithoutCloseFrame(ws), () -> sessions.containsKey(name));
            }
        });
        ws.exceptionHandler(e -> LOG.log(Level.FINE, "worker link " + node[0], e));
    }

    /** 1006, which no endpoint sends: the connection ended with no close frame (RFC 6455, 7.1.5). */
    private static final short ABNORMAL_CLOSURE = 1006;

    private static boolean endedWithoutCloseFrame(ServerWebSocket ws) {
        Short code = ws.closeStatusCode();
        return code == null || code == ABNORMAL_CLOSURE;
    }

    /**
     * Runs the handshake (docs/security.md): answers the hello, checks each registration's proof, and
     * closes a link whose worker fails it, before any other message of that link is looked at.
     */
    private boolean admitted(ServerWebSocket ws, HeadHandshake handshake, FromWorker message) {
        if (handshake.failed()) {
            return false; // refused and closing: the rest of its frames mean nothing
        }
        if (message instanceof WireMessage.Hello hello) {
            Optional<WireMessage.Challenge> challenge = handshake.challenge(hello, head.epoch(), head.config().name());
            if (challenge.isEmpty()) {
                handshake.fail();
                refuse(ws, "worker at " + ws.remoteAddress() + " said hello twice on one link");
            } else {
                send(ws, challenge.get());
            }
            return false;
        }
        Optional<String> failure = handshake.check(message);
        if (failure.isPresent()) {
            handshake.fail();
            refuse(ws, failure.get());
            return false;
        }
        if (handshake.proved()) {
            links.add(ws);
        }
        return true;
    }

    /** Tells the worker why, logs it, and closes the link; the node is never registered from it. */
    private void refuse(ServerWebSocket ws, String reason) {
        LOG.warning(reason + " (link from " + ws.remoteAddress() + " closed)");
        links.remove(ws);
        ws.writeTextMessage(WireCodec.encode(new WireMessage.Refused(head.epoch(), reason)))
                .eventually(() -> ws.close(POLICY_VIOLATION, closeReason(reason)));
    }

    /** A close frame's reason holds at most 123 bytes. */
    private static String closeReason(String reason) {
        byte[] b = reason.getBytes(StandardCharsets.UTF_8);
        return b.length <= 123 ? reason : new String(b, 0, 120, StandardCharsets.UTF_8);
    }

    private static String shortened(String name) {
        String printable = name.replaceAll("\\p{Cntrl}", "?");
        return printable.length() > 80 ? printable.substring(0, 80) + "..." : printable;
    }

    /** Handles one frame; returns the node name the session belongs to. */
    private String onMessage(ServerWebSocket ws, String node, FromWorker message) {
        if (message instanceof WireMessage.Register r && !NodeAccess.isNodeName(r.node())) {
            // a name the store cannot keep would fail the commit of the registration and stop the active head
            String why = "'" + shortened(r.node()) + "' is not a node name: 1 to 253 letters, digits, '.', '_' and "
                    + "'-', not starting with '.' or '-'; start the worker with another --name";
            LOG.warning("refused the registration of a worker from " + ws.remoteAddress() + ": " + why);
            send(ws, new WireMessage.Refused(head.epoch(), why));
            return node;
        }
        if (message instanceof WireMessage.Register r && !head.isActive()) {
            send(ws, new WireMessage.Refused(head.epoch(), "head " + head.config().name()
                    + " is a standby; register with the active head"));
            return r.node();
        }
        if (message instanceof WireMessage.Heartbeat h && !node.isEmpty()) {
            witnesses.heard(node, h.activeHead(), clock.instant());
        }
        if (message instanceof WireMessage.Register r) {
            ServerWebSocket previous = sessions.put(r.node(), ws);
            if (previous != null && previous != ws) {
                previous.close();
            }
            long epoch = head.epoch();
            head.workerEvents().registered(r, () -> send(ws, new WireMessage.Welcome(epoch, head.config().name(),
                    head.config().heartbeatInterval())), why -> send(ws, new WireMessage.Refused(epoch, why)));
            spawnHooks.registered(r.node(), r.host());
            LOG.info("worker " + r.node() + " registered from " + ws.remoteAddress() + " with " + r.cores()
                    + " cores, running " + r.running().size() + ", " + r.finished().size() + " results to report");
            return r.node();
        }
        if (node.isEmpty()) {
            send(ws, new WireMessage.Refused(head.epoch(), "register first"));
            return node;
        }
        if (message instanceof WireMessage.Heartbeat h) {
            head.workerEvents().heartbeat(node, h.health(), h.runningAttempts());
        } else if (message instanceof WireMessage.TaskFinished f) {
            head.workerEvents().finished(node, f.result());
        } else if (message instanceof WireMessage.TaskStarted s) {
            LOG.fine("attempt " + s.attemptId() + " started on " + node + " as pid " + s.pid());
        } else if (message instanceof WireMessage.SpawnOutput || message instanceof WireMessage.SpawnExited
                || message instanceof WireMessage.SpawnsRunning) {
            spawnHooks.fromWorker(node, message);
        } else if (message instanceof WireMessage.OutputChunk c) {
            outputAnswers.accept(node, c);
        } else if (message instanceof WireMessage.NewerEpoch e) {
            head.workerEvents().newerEpochSeen(node, e.epoch());
        }
        return node;
    }

    @Override
    public void deliver(Effect effect) {
        ServerWebSocket ws = sessions.get(effect.node());
        if (ws == null) {
            LOG.info("no link to " + effect.node() + "; dropping " + effect.getClass().getSimpleName()
                    + " (reconciled when it registers again)");
            return;
        }
        long epoch = head.epoch();
        WireMessage message;
        if (effect instanceof Effect.Launch l) {
            message = new WireMessage.Launch(epoch, spawnHooks.launching(l.order()));
        } else if (effect instanceof Effect.Kill k) {
            message = new WireMessage.Kill(epoch, k.attemptId(), k.reason());
        } else if (effect instanceof Effect.Signal sg) {
            message = new WireMessage.Signal(epoch, sg.attemptId(), sg.signal());
        } else if (effect instanceof Effect.AppendOutput ao) {
            message = new WireMessage.AppendOutput(epoch, ao.attemptId(), ao.stream().wireName(), ao.text());
        } else if (effect instanceof Effect.Ack a) {
            message = new WireMessage.ResultAck(epoch, a.attemptId());
        } else if (effect instanceof Effect.Shutdown sd) {
            message = new WireMessage.Shutdown(epoch, sd.reason());
        } else if (effect instanceof Effect.Reregister rr) {
            // the worker answers a refusal by registering again on the same link
            message = new WireMessage.Refused(epoch, rr.message());
        } else {
            throw new IllegalStateException("should never happen: unknown effect " + effect);
        }
        send(ws, message);
    }

    private static void send(ServerWebSocket ws, WireMessage message) {
        ws.writeTextMessage(WireCodec.encode(message)).onFailure(e ->
                LOG.fine("send to worker failed: " + e.getMessage()));
    }

    public int connectedWorkers() {
        return sessions.size();
    }
}
