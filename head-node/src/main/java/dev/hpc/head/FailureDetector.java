package dev.hpc.head;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Health;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.state.Command;
import dev.hpc.head.state.Effect;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Tells live workers and attempts from lost ones, from what the workers say and what they stop saying: a worker
 * that registers is up again, its attempts reconciled with the state's; a node silent past the node timeout is
 * down; a node whose link closed and that is not back within the link-loss grace is down; an attempt a worker's
 * heartbeats stop listing has vanished; an attempt a worker runs that is not the current one is killed. Every
 * judgement runs on the state thread, after every heartbeat that came before it.
 */
final class FailureDetector {
    private static final Logger LOG = Logger.getLogger(FailureDetector.class.getName());

    private final HeadConfig config;
    private final Clock clock;
    private final StateThread stateThread;
    private final LoopRunner loops;
    private final CommitPipeline commits;
    private final LaunchesInFlight launchesInFlight;
    /** The latest heartbeat of each node not yet applied; drained by one state step at a time. */
    private final Map<String, Beat> beats = new ConcurrentHashMap<>();
    private final AtomicBoolean drainQueued = new AtomicBoolean();

    private record Beat(Health health, List<Long> runningAttempts) {
    }

    FailureDetector(HeadConfig config, Clock clock, StateThread stateThread, LoopRunner loops, CommitPipeline commits,
                    LaunchesInFlight launchesInFlight) {
        this.config = config;
        this.clock = clock;
        this.stateThread = stateThread;
        this.loops = loops;
        this.commits = commits;
        this.launchesInFlight = launchesInFlight;
    }

    /** Looks for silent nodes twice per heartbeat interval (at most ten times a second). */
    void start() {
        Duration tick = Duration.ofMillis(Math.max(100, config.heartbeatInterval().toMillis() / 2));
        loops.every("failure detector", tick, tick, () -> {
            // Silence is judged at the time the check is asked for, not when the state thread gets to
            // it: every heartbeat that arrived before then is applied first (the thread runs in order),
            // so a state thread held up by a long step no longer marks healthy nodes down.
            Instant asked = clock.instant();
            stateThread.whileActive("failure detector", () -> loseSilentNodes(asked));
        });
    }

    private ClusterState state() {
        return stateThread.state();
    }

    private void loseSilentNodes(Instant asked) {
        Instant now = clock.instant();
        long timeoutMs = config.nodeTimeout().toMillis();
        for (String node : state().silentNodes(asked.minus(config.nodeTimeout()))) {
            if (!stateThread.leading()) {
                return; // a step that left the state half-applied stopped the head: it changes nothing more
            }
            // one node at a time: a node that cannot be marked down leaves the others to be
            loops.step("failure detector, node " + node, () -> {
                LOG.warning("node " + node + " silent for more than " + timeoutMs + " ms: marking it down");
                commits.apply(new Command.LoseNode(node, "no heartbeat for " + timeoutMs + " ms",
                        EndReason.NODE_FAILURE, now));
            });
        }
    }

    /**
     * A worker registers. While this head leads, {@code welcome} runs on the state thread right before the
     * registration is applied, so the welcome reaches the worker ahead of every effect of it (acknowledgements,
     * kills). Otherwise {@code refuse} is told why and the worker offers its registration again later. A
     * registration is never dropped behind a welcome: the worker would count itself registered while the head
     * kept its node down, with its attempts RUNNING and their results unacknowledged for ever (ChaosIT seed
     * 10330642155178245: a registration that reached a head renewing its lease late).
     */
    void registered(Register registration, Runnable welcome, Consumer<String> refuse) {
        String node = registration.node();
        stateThread.execute(() -> {
            if (!stateThread.leading()) {
                refuse.accept("head " + config.name() + " is not leading right now (it is taking over, stepping "
                        + "down or renewing its lease); register again in a moment");
                return;
            }
            loops.step("registration of " + node, () -> {
                welcome.run();
                commits.apply(new Command.RegisterNode(registration, clock.instant()));
            });
        });
    }

    /**
     * A worker's heartbeat. Those that arrive while the state thread is busy are applied together in one step, the
     * latest of each node only: at 10,000 nodes a second, one step per heartbeat kept the state thread behind its
     * own failure detector (docs/performance.md). Every step queued after a heartbeat arrived (a silence check, a
     * closed link, a registration) still runs after it is applied: a drain is queued ahead of it, or runs already
     * and reads it. The reverse may happen: a heartbeat can be applied ahead of a step queued just before it
     * arrived (a worker's result, its registration). What a heartbeat feeds allows for that: an attempt it does
     * not list is requeued only after a whole node timeout unlisted, and a heartbeat of a node that is down here
     * only asks the worker to register again.
     */
    void heartbeat(String node, Health health, List<Long> runningAttempts) {
        beats.put(node, new Beat(health, runningAttempts));
        if (drainQueued.compareAndSet(false, true)) {
            stateThread.execute(() -> {
                drainQueued.set(false);
                if (!stateThread.leading()) {
                    beats.clear(); // a head that does not lead judges no node; the workers beat again
                    return;
                }
                for (String beating : beats.keySet()) {
                    Beat beat = beats.remove(beating);
                    if (beat != null && stateThread.leading()) {
                        loops.step("heartbeat of " + beating, () -> applyHeartbeat(beating, beat));
                    }
                }
            });
        }
    }

    private void applyHeartbeat(String node, Beat beat) {
        commits.apply(new Command.Heartbeat(node, beat.health(), clock.instant()));
        Instant now = clock.instant();
        commits.apply(new Command.CheckRunning(node, launchesInFlight.withUnheard(node, beat.runningAttempts(), now,
                config.nodeTimeout()), config.nodeTimeout(), now));
        for (Effect kill : state().staleAttempts(node, beat.runningAttempts())) {
            commits.send(kill);
        }
    }

    /**
     * The link of a registered worker to this head closed. A killed worker's link closes at once (the
     * kernel resets its connection), long before its silence reaches the node timeout; a live worker
     * reconnects and registers again within the link-loss grace. So a node that was not heard from
     * again (no registration, no heartbeat) by the end of the grace, and has no link by then, is down,
     * exactly as if it had been silent past the timeout. A standby ignores closes: the witness rule of
     * takeover counts heartbeats, not links; a head that is no longer active when the grace ends does
     * nothing either. Silent nodes whose link never closes (a cut cable) still wait for the timeout.
     *
     * @param abrupt      the link ended without the worker's close frame, as when its process died (the kernel
     *                    closes a dead process's connections) or a network device reset it
     * @param linkedAgain whether the node has a link to this head again (asked when the grace ends)
     */
    void linkClosed(String node, boolean abrupt, BooleanSupplier linkedAgain) {
        Duration configured = config.linkLossGrace();
        if (configured.isZero()) {
            return;
        }
        // A dead worker's tasks are lost either way (a restarted worker registers without them): a link that
        // ended without the worker's close frame gets time for a live worker's first reconnections only
        Duration grace = abrupt && configured.compareTo(WorkerEvents.ABRUPT_LINK_GRACE) > 0
                ? WorkerEvents.ABRUPT_LINK_GRACE : configured;
        // Taken on the state thread, after every heartbeat that came on the closed link: whatever is
        // heard from the node later came on a new link.
        stateThread.whileActive("closed link of " + node, () -> {
            Instant closedAt = clock.instant();
            loops.after(grace, "closed link of " + node, () -> stateThread.whileActive("closed link of " + node,
                    () -> loseIfGone(node, closedAt, linkedAgain, grace, abrupt)));
        });
    }

    private void loseIfGone(String node, Instant closedAt, BooleanSupplier linkedAgain, Duration grace,
                            boolean abrupt) {
        if (linkedAgain.getAsBoolean() || !state().unheardSince(node, closedAt)) {
            return;
        }
        long graceMs = grace.toMillis();
        String how = abrupt ? "link ended without a goodbye" : "link closed";
        LOG.warning("node " + node + ": " + how + ", not back within " + graceMs + " ms: marking it down");
        commits.apply(new Command.LoseNode(node, how + ", not back within " + graceMs + " ms",
                EndReason.NODE_FAILURE, clock.instant()));
    }
}
