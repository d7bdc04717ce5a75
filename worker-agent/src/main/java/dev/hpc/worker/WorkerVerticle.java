package dev.hpc.worker;

import dev.hpc.api.EndReason;
import dev.hpc.api.Health;
import dev.hpc.api.WireMessage.FromHead;
import dev.hpc.api.WireMessage.FromWorker;
import dev.hpc.api.WireMessage.Heartbeat;
import dev.hpc.api.WireMessage.Kill;
import dev.hpc.api.WireMessage.Launch;
import dev.hpc.api.WireMessage.LaunchOrder;
import dev.hpc.api.WireMessage.Refused;
import dev.hpc.api.WireMessage.Register;
import dev.hpc.api.WireMessage.ResultAck;
import dev.hpc.api.WireMessage.RunningTask;
import dev.hpc.api.WireMessage.TaskFinished;
import dev.hpc.api.WireMessage.TaskResult;
import dev.hpc.api.WireMessage.TaskStarted;
import dev.hpc.api.WireMessage.Welcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The worker agent: one link per head, the epoch fence, the task table, the heartbeat timer.
 * Everything here runs on the verticle's event loop; launches, kills, health sampling and spool
 * clean-up run on other threads and come back through futures bound to this context.
 *
 * <p>The active link is the welcomed link with the highest epoch: TaskStarted and TaskFinished go
 * there. Heartbeats go to every link a head has answered, welcomed or refused, because workers
 * are the witnesses of every head. A stop kills every task (nothing outlives {@code hpc local down})
 * and reports nothing: the head sees the link close and the node go silent.
 */
public final class WorkerVerticle extends VerticleBase implements HeadLink.Listener {
    private static final Logger LOG = Logger.getLogger(WorkerVerticle.class.getName());
    private static final long STOP_POLL_MILLIS = 50;
    /** Time beyond the kill grace for the tasks' processes to vanish when the agent stops. */
    private static final Duration STOP_MARGIN = Duration.ofSeconds(5);

    private final WorkerConfig config;
    private final Clock clock;
    private final TaskTable tasks = new TaskTable();
    private final EpochFence fence = new EpochFence();
    private final List<HeadLink> links = new ArrayList<>();

    private TaskLauncher launcher;
    private HealthProbe probe;
    private WebSocketClient client;
    private Optional<HeadLink> active = Optional.empty();
    private Duration heartbeatInterval;
    private Optional<Long> heartbeatTimer = Optional.empty();
    private boolean sampling;
    private boolean stopping;

    public WorkerVerticle(WorkerConfig config) {
        this(config, Clock.systemUTC());
    }

    public WorkerVerticle(WorkerConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.heartbeatInterval = config.heartbeatInterval();
    }

    @Override
    public Future<?> start() {
        return vertx.executeBlocking(this::prepareSpool, false).map(v -> {
            launcher = TaskLauncher.create(config, clock);
            probe = new HealthProbe(config.spoolDir());
            client = vertx.createWebSocketClient(new WebSocketClientOptions()
                    .setMaxMessageSize(config.maxMessageBytes())
                    .setMaxFrameSize(Math.min(config.maxMessageBytes(), 1 << 20))
                    .setConnectTimeout((int) config.connectTimeout().toMillis()));
            for (HeadAddress a : config.heads()) {
                HeadLink link = new HeadLink(vertx, client, a, config, this);
                links.add(link);
                link.start();
            }
            scheduleHeartbeats();
            return null;
        });
    }

    @Override
    public Future<?> stop() {
        stopping = true;
        heartbeatTimer.ifPresent(vertx::cancelTimer);
        if (launcher == null) {
            return Future.succeededFuture(); // the start failed before anything ran
        }
        tasks.killAll(EndReason.NODE_FAILURE);
        Instant deadline = clock.instant().plus(config.killGrace()).plus(STOP_MARGIN);
        Promise<Void> idle = Promise.promise();
        awaitIdle(deadline, idle);
        return idle.future()
                .compose(v -> Future.join(links.stream().map(HeadLink::stop).toList()))
                .compose(v -> client.close())
                .onComplete(ar -> launcher.close());
    }

    private void awaitIdle(Instant deadline, Promise<Void> idle) {
        if (tasks.idle()) {
            idle.complete();
        } else if (!clock.instant().isBefore(deadline)) {
            LOG.warning(() -> "stopping with attempts " + tasks.runningIds() + " not confirmed dead");
            idle.complete();
        } else {
            vertx.setTimer(STOP_POLL_MILLIS, id -> awaitIdle(deadline, idle));
        }
    }

    private Void prepareSpool() {
        try {
            Files.createDirectories(config.spoolDir());
        } catch (IOException e) {
            throw new WorkerConfigException("cannot create the spool directory " + config.spoolDir() + " ("
                    + e.getMessage() + "): give a writable one with --spool-dir");
        }
        if (!Files.isWritable(config.spoolDir())) {
            throw new WorkerConfigException("the spool directory " + config.spoolDir()
                    + " is not writable: give a writable one with --spool-dir");
        }
        return null;
    }

    // ---- what the links ask and tell

    @Override
    public Register registration() {
        return new Register(config.nodeName(), config.hostName(), config.cores(), config.memoryBytes(), Map.of(), "",
                tasks.running(), tasks.unacknowledged());
    }

    @Override
    public void onMessage(HeadLink link, FromHead message) {
        if (message instanceof Welcome w) {
            onWelcome(link, w);
        } else if (message instanceof Refused) {
            if (active.filter(a -> a == link).isPresent()) {
                active = Optional.empty();
                LOG.warning(() -> "the active head " + link.headName() + " refused this worker: no head to obey now");
            }
        } else if (message instanceof Launch l) {
            if (admitted(link, l.epoch(), "launch of attempt " + l.order().attemptId())) {
                onLaunch(l.order());
            }
        } else if (message instanceof Kill k) {
            if (admitted(link, k.epoch(), "kill of attempt " + k.attemptId())) {
                onKill(k);
            }
        } else if (message instanceof ResultAck a) {
            if (admitted(link, a.epoch(), "acknowledgement of attempt " + a.attemptId())) {
                onAck(a.attemptId());
            }
        }
    }

    @Override
    public void onClosed(HeadLink link) {
        if (active.filter(a -> a == link).isEmpty()) {
            return;
        }
        active = Optional.empty();
        // another link to a head of the same epoch (the same head under another address) takes over
        long epoch = link.welcomeEpoch();
        links.stream().filter(l -> l != link && l.welcomed() && l.welcomeEpoch() == epoch).findFirst()
                .ifPresent(l -> {
                    active = Optional.of(l);
                    LOG.info(() -> "active head is now " + l.headName() + ", epoch " + epoch);
                    tasks.unacknowledged().forEach(r -> l.send(new TaskFinished(r)));
                });
        if (active.isEmpty()) {
            LOG.warning(() -> "lost the link to the active head " + link.headName()
                    + "; tasks keep running and results wait for a head");
        }
    }

    private void onWelcome(HeadLink link, Welcome w) {
        switch (fence.observe(w.epoch())) {
            case NEWER -> makeActive(link, w);
            case SAME -> {
                if (active.filter(HeadLink::welcomed).isEmpty() || active.get() == link) {
                    makeActive(link, w);
                }
            }
            case STALE -> LOG.warning(() -> "head " + link.headName() + " welcomed this worker with epoch " + w.epoch()
                    + ", older than epoch " + fence.highest().getAsLong()
                    + " already seen: it is not obeyed, only told heartbeats");
        }
    }

    private void makeActive(HeadLink link, Welcome w) {
        boolean changed = active.filter(a -> a == link).isEmpty();
        active = Optional.of(link);
        if (changed) {
            LOG.info(() -> "active head is " + link.headName() + ", epoch " + w.epoch());
        }
        if (!w.heartbeatInterval().isZero() && !w.heartbeatInterval().isNegative()
                && !w.heartbeatInterval().equals(heartbeatInterval)) {
            heartbeatInterval = w.heartbeatInterval();
            scheduleHeartbeats();
        }
        // what happened between the registration and this welcome reaches the head now
        for (RunningTask t : tasks.running()) {
            if (t.pid() > 0 && !link.registeredWithPid(t.attemptId())) {
                link.send(new TaskStarted(t.attemptId(), t.pid()));
            }
        }
        for (TaskResult r : tasks.unacknowledged()) {
            if (!link.registeredResult(r.attemptId())) {
                link.send(new TaskFinished(r));
            }
        }
    }

    /** A command counts only on a welcomed link and at the highest epoch seen. */
    private boolean admitted(HeadLink link, long epoch, String what) {
        if (!link.welcomed()) {
            LOG.warning(() -> "ignored the " + what + " from head " + link.headName() + ": it has not welcomed this worker");
            return false;
        }
        if (!fence.admits(epoch)) {
            LOG.warning(() -> "ignored the " + what + " from head " + link.headName() + ": its epoch " + epoch
                    + " is older than epoch " + fence.highest().getAsLong());
            return false;
        }
        if (fence.observe(epoch) == EpochFence.Verdict.NEWER) {
            active = Optional.of(link);
            LOG.info(() -> "head " + link.headName() + " raised the epoch to " + epoch + ": it is the active head");
        }
        return true;
    }

    // ---- tasks

    private void onLaunch(LaunchOrder order) {
        if (stopping) {
            LOG.warning(() -> "ignored the launch of attempt " + order.attemptId() + ": the worker is stopping");
            return;
        }
        if (!tasks.beginLaunch(order.attemptId(), order.taskName())) {
            LOG.info(() -> "ignored a repeated launch of attempt " + order.attemptId() + " (" + order.taskName() + ")");
            return;
        }
        vertx.executeBlocking(() -> launcher.launch(order), false).onComplete(ar -> {
            if (ar.succeeded()) {
                started(ar.result());
            } else {
                LOG.warning(() -> "attempt " + order.attemptId() + " (" + order.taskName() + ") failed to launch: "
                        + ar.cause().getMessage());
                finished(launcher.launchFailed(order));
            }
        });
    }

    private void started(TaskProcess task) {
        Optional<EndReason> pendingKill = tasks.started(task.attemptId(), task);
        sendToActive(new TaskStarted(task.attemptId(), task.pid()));
        pendingKill.ifPresent(task::kill);
        if (stopping) {
            task.kill(EndReason.NODE_FAILURE);
        }
        Future.fromCompletionStage(task.result(), context).onSuccess(this::finished);
    }

    private void finished(TaskResult result) {
        tasks.finished(result);
        if (!stopping) {
            sendToActive(new TaskFinished(result));
        }
    }

    private void onKill(Kill k) {
        TaskTable.KillOutcome outcome = tasks.kill(k.attemptId(), k.reason());
        LOG.info(() -> "kill of attempt " + k.attemptId() + " (" + k.reason() + "): " + switch (outcome) {
            case KILLING -> "killing its processes";
            case PENDING -> "it is killed as soon as it has started";
            case NOT_RUNNING -> "not running here; ignored";
        });
    }

    private void onAck(long attemptId) {
        if (tasks.acknowledge(attemptId)) {
            vertx.executeBlocking(() -> {
                launcher.cleanUp(attemptId);
                return null;
            }, false);
        }
    }

    private void sendToActive(FromWorker message) {
        active.filter(HeadLink::welcomed).ifPresent(link -> link.send(message));
    }

    // ---- heartbeats

    private void scheduleHeartbeats() {
        heartbeatTimer.ifPresent(vertx::cancelTimer);
        if (stopping) {
            return;
        }
        long ms = Math.max(1, heartbeatInterval.toMillis());
        heartbeatTimer = Optional.of(vertx.setPeriodic(ms, ms, id -> beat()));
    }

    private void beat() {
        if (sampling || links.stream().noneMatch(HeadLink::answered)) {
            return;
        }
        sampling = true;
        vertx.executeBlocking(probe::sample, false).onComplete(ar -> {
            sampling = false;
            Health health = ar.succeeded() ? ar.result() : Health.UNKNOWN;
            if (ar.failed()) {
                LOG.log(Level.FINE, "cannot sample health", ar.cause());
            }
            String activeHead = active.filter(HeadLink::welcomed).map(HeadLink::welcomedBy).orElse("");
            Heartbeat hb = new Heartbeat(health, tasks.runningIds(), activeHead);
            links.stream().filter(HeadLink::answered).forEach(l -> l.send(hb));
        });
    }
}
