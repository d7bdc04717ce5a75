package dev.hpc.worker;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Health;
import dev.hpc.api.job.JobOutput;
import dev.hpc.api.wire.WireMessage.FromHead;
import dev.hpc.api.wire.WireMessage.Heartbeat;
import dev.hpc.api.wire.WireMessage.Kill;
import dev.hpc.api.wire.WireMessage.Launch;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import dev.hpc.api.wire.WireMessage.Refused;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.ResultAck;
import dev.hpc.api.wire.WireMessage.TaskFinished;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.api.wire.WireMessage.TaskStarted;
import dev.hpc.api.wire.WireMessage.Welcome;
import dev.hpc.api.wire.WireMessage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.net.PemTrustOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The worker agent: one link per head, the active head ({@link ActiveHead}, by the epoch fence), the task
 * table, the heartbeat timer and the health checks ({@link HealthChecks}).
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
    /** The file in the spool that keeps the highest epoch obeyed. */
    static final String EPOCH_FILE = "epoch";
    /** Time beyond the kill grace for the tasks' processes to vanish when the agent stops. */
    private static final Duration STOP_MARGIN = Duration.ofSeconds(5);

    private final WorkerConfig config;
    private final Clock clock;
    private final TaskTable tasks = new TaskTable();
    private final List<HeadLink> links = new ArrayList<>();
    /** The head obeyed, by the epoch fence kept in the spool. */
    private final ActiveHead heads = new ActiveHead(links, tasks, this::heartbeatAsked);

    private TaskLauncher launcher;
    /** Commands spawned here into running attempts (MPI, hpc dsh; docs/mpi.md). */
    private SpawnSupervisor spawns;
    /** Where the sessions asked for find their attempt's script, once it has started. */
    private final WaitingSessions sessions = new WaitingSessions(tasks);
    /** Made once the spool is ready. */
    private HealthChecks health;
    private WebSocketClient client;
    private Duration heartbeatInterval;
    private Optional<Long> heartbeatTimer = Optional.empty();
    private boolean sampling;
    private boolean stopping;
    private Runnable shutdownAction = () -> vertx.undeploy(deploymentID());

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
        return vertx.executeBlocking(this::prepareSpool, false).compose(v -> checkHealthFirst()).map(v -> {
            launcher = TaskLauncher.create(config, clock);
            spawns = new SpawnSupervisor(config.nodeName(), config.spoolDir(), config.killGrace(), System.getenv(),
                    message -> context.runOnContext(ignored -> heads.send(message)), launcher.runAs())
                    .withGpuDevices(config.gpus());
            WebSocketClientOptions options = new WebSocketClientOptions()
                    .setMaxMessageSize(config.maxMessageBytes())
                    .setMaxFrameSize(Math.min(config.maxMessageBytes(), 1 << 20))
                    .setConnectTimeout((int) config.connectTimeout().toMillis());
            if (config.linkTrust().tls()) {
                options.setSsl(true).setVerifyHost(true);
                config.linkTrust().tlsCa().ifPresent(ca -> options.setTrustOptions(new PemTrustOptions()
                        .addCertPath(ca.toString())));
            }
            client = vertx.createWebSocketClient(options);
            for (HeadAddress a : config.heads()) {
                HeadLink link = new HeadLink(vertx, client, a, config, this);
                links.add(link);
                link.start();
            }
            scheduleHeartbeats();
            health.schedule();
            return null;
        });
    }

    @Override
    public Future<?> stop() {
        stopping = true;
        heartbeatTimer.ifPresent(vertx::cancelTimer);
        if (health != null) {
            health.cancel();
        }
        if (launcher == null) {
            return Future.succeededFuture(); // the start failed before anything ran
        }
        tasks.killAll(EndReason.NODE_FAILURE);
        spawns.killAll();
        Instant deadline = clock.instant().plus(config.killGrace()).plus(STOP_MARGIN);
        Promise<Void> idle = Promise.promise();
        awaitIdle(deadline, idle);
        return idle.future()
                .compose(v -> Future.join(links.stream().map(HeadLink::stop).toList()))
                .compose(v -> client.close())
                .onComplete(ar -> {
                    launcher.close();
                    spawns.close();
                });
    }

    private void awaitIdle(Instant deadline, Promise<Void> idle) {
        if (tasks.idle() && spawns.idle()) {
            idle.complete();
        } else if (!clock.instant().isBefore(deadline)) {
            LOG.warning(() -> "stopping with attempts " + tasks.runningIds() + " not confirmed dead");
            idle.complete();
        } else {
            vertx.setTimer(STOP_POLL_MILLIS, id -> awaitIdle(deadline, idle));
        }
    }

    private Void prepareSpool() {
        SpoolDir.prepare(config.spoolDir(), RunAs.processUid());
        EpochFence fence = EpochFence.keptIn(config.spoolDir().resolve(EPOCH_FILE));
        heads.keep(fence);
        fence.highest().ifPresent(e -> LOG.info(() -> "obeys no head below epoch " + e + " (" + EPOCH_FILE + ")"));
        if (RunAs.processUid() == 0) {
            SpoolDir.closedToOthers(config.spoolDir()).ifPresent(closed -> LOG.warning("the spool "
                    + config.spoolDir() + " is under " + closed + ", which other users may not enter: only root's "
                    + "jobs can start here; give --spool-dir in a directory others may enter, such as /var/spool/hpc"));
        }
        return null;
    }

    // ---- what the links ask and tell

    @Override
    public Register registration() {
        return new Register(config.nodeName(), config.hostName(), config.cores(), config.memoryBytes(),
                config.generic(), "",
                tasks.running(), tasks.unacknowledged(), health.probe().latest(), config.traits());
    }

    @Override
    public void onMessage(HeadLink link, FromHead message) {
        if (message instanceof Welcome w) {
            heads.welcomed(link, w);
        } else if (message instanceof Refused) {
            heads.refused(link);
        } else if (message instanceof Launch l) {
            if (heads.admitted(link, l.epoch(), "launch of attempt " + l.order().attemptId())) {
                onLaunch(l.order());
            }
        } else if (message instanceof WireMessage.Spawn sp) {
            if (heads.admitted(link, sp.epoch(), "spawn " + sp.spawnId() + " in attempt " + sp.attemptId())
                    && !stopping) {
                spawns.start(sp);
            }
        } else if (message instanceof WireMessage.OpenSession os) {
            if (heads.admitted(link, os.epoch(), "session " + os.spawnId() + " in attempt " + os.attemptId())
                    && !stopping) {
                spawns.startSession(os, sessions.setup(os.attemptId()), status -> context.runOnContext(v ->
                        sessionEnded(os.attemptId(), status)));
            }
        } else if (message instanceof WireMessage.SessionInput si) {
            if (heads.admitted(link, si.epoch(), "input of session " + si.spawnId())) {
                spawns.input(si.spawnId(), si.data(), si.end());
            }
        } else if (message instanceof WireMessage.SessionResize sr) {
            if (heads.admitted(link, sr.epoch(), "resize of session " + sr.spawnId())) {
                spawns.resize(sr.spawnId(), sr.rows(), sr.cols());
            }
        } else if (message instanceof WireMessage.KillSpawn ks) {
            if (heads.admitted(link, ks.epoch(), "kill of spawn " + ks.spawnId())) {
                spawns.kill(ks.spawnId());
            }
        } else if (message instanceof Kill k) {
            if (heads.admitted(link, k.epoch(), "kill of attempt " + k.attemptId())) {
                onKill(k);
            }
        } else if (message instanceof WireMessage.Signal sg) {
            if (heads.admitted(link, sg.epoch(), "signal to attempt " + sg.attemptId())) {
                onSignal(sg);
            }
        } else if (message instanceof WireMessage.AppendOutput ao) {
            if (heads.admitted(link, ao.epoch(), "message to attempt " + ao.attemptId())) {
                onAppendOutput(ao);
            }
        } else if (message instanceof ResultAck a) {
            if (heads.admitted(link, a.epoch(), "acknowledgement of attempt " + a.attemptId())) {
                onAck(a.attemptId());
            }
        } else if (message instanceof WireMessage.Shutdown sd) {
            if (heads.admitted(link, sd.epoch(), "shutdown")) {
                onShutdown(link, sd);
            }
        } else if (message instanceof WireMessage.ReadOutput ro) {
            onReadOutput(link, ro);
        }
    }

    /**
     * A head reads an attempt's output (hpc peek): off the event loop, answered on the link that asked.
     * Reading changes nothing, so it needs a welcome but not the highest epoch.
     */
    private void onReadOutput(HeadLink link, WireMessage.ReadOutput ro) {
        if (!link.welcomed()) {
            LOG.warning(() -> "ignored a read of attempt " + ro.attemptId() + "'s output from head " + link.headName()
                    + ": it has not welcomed this worker");
            return;
        }
        vertx.executeBlocking(() -> launcher.outputFiles().read(ro), false).onComplete(ar -> link.send(
                ar.succeeded() ? ar.result() : new WireMessage.OutputChunk(ro.requestId(), 0, new byte[0],
                        0, "", "the worker could not read it: " + ar.cause())));
    }

    @Override
    public void onClosed(HeadLink link) {
        heads.closed(link);
    }

    /** A welcome that made its link the active one asks for heartbeats at its interval (none: the default). */
    private void heartbeatAsked(Duration asked) {
        if (!asked.isZero() && !asked.isNegative() && !asked.equals(heartbeatInterval)) {
            heartbeatInterval = asked;
            scheduleHeartbeats();
        }
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
                finished(launcher.launchFailed(order, ar.cause().getMessage()));
            }
        });
    }

    private void started(TaskProcess task) {
        Optional<EndReason> pendingKill = tasks.started(task.attemptId(), task);
        sessions.settled(task.attemptId());
        heads.send(new TaskStarted(task.attemptId(), task.pid()));
        pendingKill.ifPresent(task::kill);
        if (stopping) {
            task.kill(EndReason.NODE_FAILURE);
        }
        Future.fromCompletionStage(task.result(), context).onSuccess(this::finished);
    }

    private void finished(TaskResult result) {
        tasks.finished(result);
        sessions.settled(result.attemptId()); // refused: the attempt does not run here any more
        spawns.killAttempt(result.attemptId());
        if (!stopping) {
            heads.send(new TaskFinished(result));
        }
    }

    /** The shell of an interactive session ended: the attempt, whose script only waits for it, ends with it. */
    private void sessionEnded(long attemptId, int status) {
        tasks.process(attemptId).ifPresent(t -> {
            LOG.info(() -> "the session's shell of attempt " + attemptId + " ended with " + status
                    + ": ending the attempt with that status");
            t.endSession(status);
        });
    }

    private void onKill(Kill k) {
        TaskTable.KillOutcome outcome = tasks.kill(k.attemptId(), k.reason());
        spawns.killAttempt(k.attemptId());
        LOG.info(() -> "kill of attempt " + k.attemptId() + " (" + k.reason() + "): " + switch (outcome) {
            case KILLING -> "killing its processes";
            case PENDING -> "it is killed as soon as it has started";
            case NOT_RUNNING -> "its script does not run here (commands spawned into it here, if any, are killed)";
        });
    }

    /** {@code qsig}: to the script's processes if it runs here, and to what was spawned into the attempt here. */
    private void onSignal(WireMessage.Signal sg) {
        Optional<RunningAttempt> attempt = tasks.runningAttempt(sg.attemptId());
        attempt.ifPresent(a -> a.signal(sg.signal()));
        int spawned = spawns.signalAttempt(sg.attemptId(), sg.signal());
        if (attempt.isEmpty() && spawned == 0) {
            LOG.info(() -> "SIG" + sg.signal() + " for attempt " + sg.attemptId() + ": nothing of it runs here");
        }
    }

    /** {@code qmsg}: written as the owner, off the event loop; a failure is logged, the head has answered. */
    private void onAppendOutput(WireMessage.AppendOutput ao) {
        Optional<RunningAttempt> attempt = tasks.runningAttempt(ao.attemptId());
        if (attempt.isEmpty()) {
            LOG.info(() -> "message for attempt " + ao.attemptId() + " dropped: its script does not run here");
            return;
        }
        String owner = attempt.get().owner();
        vertx.executeBlocking(() -> launcher.appendMessage(ao.attemptId(), owner,
                JobOutput.Stream.parse(ao.stream()), ao.text()), false).onComplete(ar -> {
                    Optional<String> failed = ar.succeeded() ? ar.result() : Optional.of(String.valueOf(ar.cause()));
                    failed.ifPresent(why -> LOG.warning("cannot write the message for attempt " + ao.attemptId()
                            + " into its " + ao.stream() + ": " + why));
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
        vertx.executeBlocking(health.probe()::sample, false).onComplete(ar -> {
            sampling = false;
            Health sampled = ar.succeeded() ? ar.result() : Health.UNKNOWN;
            if (ar.failed()) {
                LOG.log(Level.FINE, "cannot sample health", ar.cause());
            }
            Heartbeat hb = new Heartbeat(sampled, tasks.runningIds(), heads.welcomedBy());
            links.stream().filter(HeadLink::answered).forEach(l -> l.send(hb));
            if (!spawns.idle()) {
                heads.send(new WireMessage.SpawnsRunning(spawns.running()));
            }
        });
    }

    // ---- health checks and shutdown

    /**
     * What to do when the head tells this worker to shut down ({@code hpc worker stop}); by default the
     * verticle undeploys itself. The daemon exits the JVM, whose shutdown hook stops the agent.
     */
    public WorkerVerticle onShutdown(Runnable action) {
        this.shutdownAction = action;
        return this;
    }

    private void onShutdown(HeadLink link, WireMessage.Shutdown sd) {
        if (stopping) {
            return;
        }
        LOG.warning(() -> "head " + link.headName() + " told this worker to shut down (" + sd.reason() + "): "
                + (tasks.idle() ? "nothing runs" : "killing attempts " + tasks.runningIds()) + ", stopping");
        shutdownAction.run();
    }

    /** The first run of the health check happens before the worker registers, so its verdict comes along. */
    private Future<Void> checkHealthFirst() {
        health = new HealthChecks(vertx, config, () -> stopping, this::beat);
        return health.first();
    }
}
