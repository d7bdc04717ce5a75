package dev.hpc.head;

import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.QueueInfo;
import dev.hpc.head.access.Caller;
import dev.hpc.head.sched.Reservation;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.state.Command;
import dev.hpc.head.state.Outcome;
import dev.hpc.head.state.Rejection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The cluster's queues, reservations and nodes as commands change them: {@code qmgr}, {@code qstat -Q}, {@code
 * pbs_rsub}, {@code pbs_ralter}, {@code pbs_rdel}, {@code pbs_rstat}, {@code pbsnodes -o|-c}, drain and {@code
 * hpc worker stop}. Each change is committed before it is answered.
 */
public final class ClusterAdmin {
    private final HeadConfig config;
    private final Clock clock;
    private final StateThread stateThread;
    private final CommitPipeline commits;
    /** The active state; read on the state thread only. */
    private final Supplier<ClusterState> state;
    /** The default queue as the last committed change left it; null until the head is first active. */
    private volatile String defaultQueue;

    ClusterAdmin(HeadConfig config, Clock clock, StateThread stateThread, CommitPipeline commits,
                 Supplier<ClusterState> state) {
        this.config = config;
        this.clock = clock;
        this.stateThread = stateThread;
        this.commits = commits;
        this.state = state;
    }

    /** At activation: the default queue of the state this head now leads. */
    void activated(ClusterState loaded) {
        defaultQueue = loaded.defaultQueue();
    }

    /** {@code pbs_rsub}: a reservation, confirmed or refused with why; any user may make one for themselves. */
    public CompletableFuture<Reservation> reserve(String name, Instant start, Instant end, int nodes,
                                                  int coresPerNode, Set<String> users, List<String> hosts,
                                                  String recurrence, ZoneId zone, Caller caller) {
        return commits.applyThenAnswer(() -> new Command.Reserve(name, caller.user(), start, end, nodes,
                coresPerNode, users, clock.instant(), hosts, caller.isAdmin(), recurrence, zone),
                out -> out.reservationAnswer().orElseThrow());
    }

    /** {@code pbs_ralter}: the reservation with its new window, or refused with why and left as it was. */
    public CompletableFuture<Reservation> alterReservation(long number, Optional<Instant> start,
                                                           Optional<Instant> end, Optional<Duration> duration,
                                                           Caller caller) {
        return commits.applyThenAnswer(() -> new Command.AlterReservation(number, caller.user(), caller.isAdmin(),
                start, end, duration, clock.instant()), out -> out.reservationAnswer().orElseThrow());
    }

    /** {@code pbs_rdel}: the reservation goes with its queue and its jobs. */
    public CompletableFuture<Void> unreserve(long number, Caller caller) {
        return commits.applyThenAnswer(() -> new Command.Unreserve(number, caller.user(), caller.isAdmin(),
                clock.instant()), out -> null);
    }

    /** {@code pbs_rstat}: the reservations not yet ended. */
    public CompletableFuture<List<Reservation>> reservations() {
        return stateThread.onState(() -> state.get().reservations());
    }

    /** {@code qmgr}: a queue created, changed or deleted, or made the default; only administrators. */
    public CompletableFuture<Void> changeQueue(Command.ChangeQueue change, Caller caller) {
        if (!caller.isAdmin()) {
            return CompletableFuture.failedFuture(Rejection.forbidden("only an administrator may "
                    + "change queues; " + caller.user() + " has role " + caller.role().word()));
        }
        return stateThread.onStateCommitted(() -> {
            Outcome out = state.get().apply(change);
            String next = state.get().defaultQueue();
            // submissions read it off the state thread: only once the change is durable and replicated
            return commits.publish(out).thenRun(() -> defaultQueue = next);
        });
    }

    /**
     * The queue of a submission that names none, as the active state has it: the configuration's, or the one
     * {@code qmgr} made the default (read by the routes, off the state thread).
     */
    public String defaultQueue() {
        String current = defaultQueue;
        return current != null ? current : config.defaultQueue();
    }

    /** The queues and their job counts ({@code qstat -Q}). */
    public CompletableFuture<List<QueueInfo>> queues() {
        return stateThread.onState(() -> state.get().queueInfos(clock.instant()));
    }

    /** {@code pbsnodes -o}: no new work on the node; what runs goes on. */
    public CompletableFuture<NodeInfo> setOffline(String node, String note, String by) {
        return nodeCommand(new Command.SetOffline(node, note, by, clock.instant()));
    }

    /** {@code pbsnodes -c}: the node takes work again (clears offline and drain). */
    public CompletableFuture<NodeInfo> clearNode(String node, String by) {
        return nodeCommand(new Command.ClearNode(node, by, clock.instant()));
    }

    /** Drains the node: no new work starts there, what runs finishes. */
    public CompletableFuture<NodeInfo> drainNode(String node, String note, String by) {
        return nodeCommand(new Command.Drain(node, note, by, clock.instant()));
    }

    /** {@code hpc worker stop}: the worker is told to exit, at once or once its tasks have ended. */
    public CompletableFuture<NodeInfo> stopNode(String node, boolean drain, String by) {
        return nodeCommand(new Command.StopNode(node, drain, by, clock.instant()));
    }

    private CompletableFuture<NodeInfo> nodeCommand(Command command) {
        return commits.applyThenAnswer(() -> command, out -> out.nodeAnswer().orElseThrow());
    }
}
