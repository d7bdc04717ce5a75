package dev.hpc.worker.sim;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Health;
import dev.hpc.api.wire.ClusterSecret;
import dev.hpc.api.wire.WireCodec;
import dev.hpc.api.wire.WireMessage.FromHead;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.api.wire.WireMessage;
import dev.hpc.api.wire.WorkerHandshake;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * One simulated node: a link to each head, the attempts it "runs" (timers) and the results it keeps
 * until a head acknowledges them. Everything runs on one Vert.x event loop, so no locking.
 */
final class SimulatedNode {
    private static final String PATH = WireCodec.LINK_PATH;

    private final Vertx vertx;
    private final WebSocketClient client;
    private final String name;
    private final int cores;
    private final long memory;
    private final List<String> heads;
    private final SimulatorSettings settings;
    private final Random random;
    private final Map<String, WebSocket> links = new HashMap<>();
    private final Map<Long, Long> running = new LinkedHashMap<>();
    private final Map<Long, TaskResult> unacknowledged = new LinkedHashMap<>();
    private final Map<Long, String> taskNames = new HashMap<>();
    private long highestEpoch;
    private Optional<String> activeHead = Optional.empty();
    private String activeHeadName = "";
    private final SimulatorStats stats;
    private final Optional<ClusterSecret> secret;
    /** The handshake of each open link (docs/security.md): a head is obeyed only once it proved the secret. */
    private final Map<WebSocket, WorkerHandshake> handshakes = new HashMap<>();
    /**
     * Links that have registered: a head refuses a heartbeat on a link before its registration ("register first"),
     * as it does a real worker's, so the scale runs counted tens of thousands of refusals of their own making.
     */
    private final Set<WebSocket> registered = new HashSet<>();

    SimulatedNode(Vertx vertx, WebSocketClient client, String name, int cores, long memory, List<String> heads,
                  SimulatorSettings settings, long seed, SimulatorStats stats, Optional<ClusterSecret> secret) {
        this.secret = secret;
        this.vertx = vertx;
        this.client = client;
        this.name = name;
        this.cores = cores;
        this.memory = memory;
        this.heads = heads;
        this.settings = settings;
        this.random = new Random(seed);
        this.stats = stats;
    }

    void start() {
        for (String head : heads) {
            connect(head);
        }
        long beat = settings.heartbeat().toMillis();
        vertx.setPeriodic(beat / 2 + random.nextInt((int) Math.max(1, beat)), beat, id -> heartbeat());
    }

    private void connect(String head) {
        int colon = head.lastIndexOf(':');
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(head.substring(0, colon))
                .setPort(Integer.parseInt(head.substring(colon + 1))).setURI(PATH).setConnectTimeout(5000);
        client.connect(options).onComplete(ar -> {
            if (ar.failed()) {
                vertx.setTimer(500 + random.nextInt(1500), id -> connect(head));
                return;
            }
            WebSocket ws = ar.result();
            links.put(head, ws);
            WorkerHandshake handshake = new WorkerHandshake(secret);
            handshakes.put(ws, handshake);
            ws.textMessageHandler(text -> {
                FromHead message = WireCodec.decodeFromHead(text);
                if (message instanceof WireMessage.Challenge c) {
                    Optional<String> failure = handshake.check(c);
                    if (failure.isPresent()) {
                        System.err.println(name + ": " + failure.get() + "; closing the link to " + head);
                        ws.close((short) 1008, "the head did not prove the cluster secret");
                    } else {
                        register(ws);
                    }
                } else if (handshake.trusted()) {
                    onMessage(head, ws, message);
                } else {
                    System.err.println(name + ": head " + head + " sent " + message.getClass().getSimpleName()
                            + " before proving the cluster secret; closing the link");
                    ws.close((short) 1008, "the head did not prove the cluster secret");
                }
            });
            ws.closeHandler(v -> {
                handshakes.remove(ws);
                registered.remove(ws);
                links.remove(head, ws);
                if (activeHead.filter(head::equals).isPresent()) {
                    activeHead = Optional.empty();
                    activeHeadName = "";
                }
                vertx.setTimer(200 + random.nextInt(800), id -> connect(head));
            });
            handshake.hello().ifPresentOrElse(hello -> send(ws, hello), () -> register(ws));
        });
    }

    private void register(WebSocket ws) {
        List<WireMessage.RunningTask> now = new ArrayList<>();
        running.forEach((attempt, timer) -> now.add(new WireMessage.RunningTask(attempt,
                taskNames.getOrDefault(attempt, ""), 0)));
        WireMessage.Register r = new WireMessage.Register(name, "sim", cores, memory, Map.of(), "", now,
                new ArrayList<>(unacknowledged.values()), Health.UNKNOWN, settings.traits());
        WorkerHandshake handshake = handshakes.get(ws);
        send(ws, handshake == null ? r : handshake.prove(r));
        registered.add(ws);
    }

    private void onMessage(String head, WebSocket ws, FromHead message) {
        if (message instanceof WireMessage.Welcome w) {
            if (w.epoch() < highestEpoch) {
                return;
            }
            boolean newer = w.epoch() > highestEpoch || activeHead.filter(head::equals).isEmpty();
            highestEpoch = w.epoch();
            if (newer && activeHead.filter(head::equals).isPresent()) {
                return;
            }
            boolean wasElsewhere = activeHead.isPresent() && !activeHead.get().equals(head);
            activeHead = Optional.of(head);
            activeHeadName = w.headName();
            if (wasElsewhere || !unacknowledged.isEmpty()) {
                register(ws);
            }
            return;
        }
        if (message instanceof WireMessage.Refused) {
            // A refusal from the head this node obeys means it marked the node down (a stall, a storm of
            // registrations): like the real worker, stop obeying it and offer the registration again.
            // Ignoring it left such nodes down for good.
            if (activeHead.filter(head::equals).isPresent()) {
                activeHead = Optional.empty();
                activeHeadName = "";
            }
            vertx.setTimer(1000 + random.nextInt(1000), id -> {
                if (!ws.isClosed() && activeHead.isEmpty()) {
                    register(ws);
                }
            });
            return;
        }
        if (message.epoch() < highestEpoch || activeHead.filter(head::equals).isEmpty()) {
            return;
        }
        if (message instanceof WireMessage.Launch l) {
            launch(l.order());
        } else if (message instanceof WireMessage.Kill k) {
            Long timer = running.remove(k.attemptId());
            if (timer != null) {
                vertx.cancelTimer(timer);
                finish(k.attemptId(), 256 + 15, k.reason());
            }
        } else if (message instanceof WireMessage.ResultAck a) {
            unacknowledged.remove(a.attemptId());
            taskNames.remove(a.attemptId());
        }
    }

    private void launch(WireMessage.LaunchOrder order) {
        long attempt = order.attemptId();
        if (running.containsKey(attempt) || unacknowledged.containsKey(attempt)) {
            return;
        }
        taskNames.put(attempt, order.taskName());
        Duration d = settings.durationFor(order.walltime(), random);
        long timer = vertx.setTimer(Math.max(1, d.toMillis()), id -> {
            if (running.remove(attempt) != null) {
                finish(attempt, 0, EndReason.EXITED);
            }
        });
        running.put(attempt, timer);
        stats.started();
        activeLink().ifPresent(ws -> send(ws, new WireMessage.TaskStarted(attempt, 0)));
    }

    private void finish(long attempt, int status, EndReason reason) {
        TaskResult result = new TaskResult(attempt, taskNames.getOrDefault(attempt, ""), status, reason,
                Instant.now());
        unacknowledged.put(attempt, result);
        stats.finished();
        activeLink().ifPresent(ws -> send(ws, new WireMessage.TaskFinished(result)));
    }

    private Optional<WebSocket> activeLink() {
        return activeHead.map(links::get);
    }

    private void heartbeat() {
        WireMessage.Heartbeat hb = new WireMessage.Heartbeat(new Health(0.5, memory / 2, 1L << 40, true, ""),
                new ArrayList<>(running.keySet()), activeHeadName);
        String text = WireCodec.encode(hb);
        for (WebSocket ws : links.values()) {
            if (!ws.isClosed() && registered.contains(ws)) {
                ws.writeTextMessage(text);
            }
        }
    }

    private static void send(WebSocket ws, WireMessage message) {
        if (!ws.isClosed()) {
            ws.writeTextMessage(WireCodec.encode(message));
        }
    }
}
