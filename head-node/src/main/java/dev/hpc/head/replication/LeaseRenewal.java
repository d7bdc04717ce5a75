package dev.hpc.head.replication;

import dev.hpc.head.HeadService;
import dev.hpc.head.lease.LeaseHolder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The renewal thread of {@link Leadership}: the active head renews its lease there, and gives it up when its own
 * work has stalled; a standby asks there to depose an active head that stopped renewing its own. Apart from the
 * decisions: those touch the head cluster's maps, which wait for a frozen member until it is dropped (seconds),
 * and a renewal must not wait behind them. This thread reads no map; what it decides it hands to the decision
 * thread ({@code decisions}).
 */
final class LeaseRenewal implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Leadership.class.getName());

    private final HeadService service;
    private final HeadCluster cluster;
    private final HeadRegistry registry;
    private final LeaseRounds rounds;
    private final Duration tick;
    /** Runs a step on the decision thread, after those queued before it. */
    private final Executor decisions;
    /** Steps this head down; called on the decision thread only. */
    private final Consumer<String> stepDown;
    /** Decides again; called on the decision thread only. */
    private final Runnable check;
    /** Whether this head waits for the head that led last, and so may not lead. */
    private final BooleanSupplier waiting;
    private final ScheduledExecutorService renewals;
    private long numbersMark;
    private long numbersMarkNanos = System.nanoTime();
    private long numbersPerSecond;
    /** When a standby may next ask for the lease of an active head that may have stopped renewing it. */
    private volatile long nextDeposeAskNanos = Long.MIN_VALUE / 2;

    LeaseRenewal(HeadService service, HeadCluster cluster, HeadRegistry registry, LeaseRounds rounds, Duration tick,
                 Executor decisions, Consumer<String> stepDown, Runnable check, BooleanSupplier waiting) {
        this.service = service;
        this.cluster = cluster;
        this.registry = registry;
        this.rounds = rounds;
        this.tick = tick;
        this.decisions = decisions;
        this.stepDown = stepDown;
        this.check = check;
        this.waiting = waiting;
        this.renewals = Executors.newSingleThreadScheduledExecutor(r -> Leadership.daemon(r, "lease-renewal"));
    }

    void start(LeaseHolder l) {
        renewals.scheduleWithFixedDelay(() -> Leadership.step(() -> keepLease(l)), tick.toMillis(),
                tick.toMillis(), TimeUnit.MILLISECONDS);
        // a voter ended the active head's grant as its bond closed (its process ended): ask now, not at the tick
        // (or, when the head cluster no longer names an active head, at the next tick's check)
        l.onReleased(() -> renewals.execute(() -> Leadership.step(() -> {
            nextDeposeAskNanos = System.nanoTime();
            rounds.askAtOnce();
            keepLease(l);
        })));
    }

    /**
     * The active head renews its lease; one that could not before it ran out steps down. Renews a lease held,
     * also while this head is taking over with it: building the state from the maps can take longer than a lease
     * when the old head's partitions are still moving, and a lease that ran out meanwhile made the new head's
     * first commit fail (the fault suite saw it stop so).
     */
    private void keepLease(LeaseHolder l) {
        // A state thread or a commit that waits, using no processor, for 0.6 of the lease (1.5 s by default) is
        // hung: given up then, the lease passes within 3 s. One that works on a long step is given four leases,
        // and so is a commit that waits for the standby's backups: that is the head cluster's wait, not this
        // head's, and a silent standby is dropped within about a second.
        Duration stall = l.length().multipliedBy(3).dividedBy(5);
        Duration busy = l.length().multipliedBy(4);
        if (l.holds() && service.isActive() && service.term().replicationWaiting(l.length().dividedBy(5))) {
            dropSilentStandbys(l);
        }
        if (l.holds() && service.isActive() && !service.term().progressing(stall, busy)) {
            rounds.asking();
            LOG.severe("head " + service.config().name() + ": its state thread or its store's writer has made no "
                    + "progress for " + stall.toMillis() + " ms while idle (or " + busy.toMillis() + " ms while busy); "
                    + "it gives up its lease, so that another head takes over now");
            rounds.note(l.resign());
        } else if (l.holds() && (rounds.askDue(l) || service.isActive() && numbersRunLow(l))) {
            rounds.asking();
            rounds.note(l.ask(l.epoch()));
        }
        if (!l.holds() && !service.isActive()) {
            askToDepose(l);
        }
        if (!l.holds() && service.isActive()) {
            // every answer and effect already waits on the lease; the step-down itself is a decision
            decisions.execute(() -> {
                if (service.isActive() && !l.holds()) {
                    stepDown.accept("its lease at epoch " + service.epoch() + " ran out before a majority of the "
                            + "voters renewed it");
                }
            });
        }
    }

    /**
     * The active head's commits wait for the standby's backups, so a frozen standby stalls them until the head
     * cluster drops it, after {@code --head-timeout}: long enough for this head to count its own work as hung
     * and give up. When the commits stall, a standby whose voter leaves this head's requests unanswered is
     * dropped at once (a fresh round asks it first); the commits go on without it, and it rejoins through the
     * head cluster's merge when it wakes. A standby that answers is left alone: then this head is the stuck one.
     */
    private void dropSilentStandbys(LeaseHolder l) {
        Duration silence = l.length().dividedBy(10);
        if (rounds.sinceAskedNanos() >= silence.toNanos()) {
            rounds.asking();
            rounds.note(l.ask(l.epoch()));
        }
        List<String> silent = l.silentVoters(silence);
        for (HeadCluster.HeadMember m : cluster.members()) {
            if (!m.local() && silent.contains(m.apiAddress())) {
                String why = "its commits wait for the backups of head " + m.name() + ", whose voter has not "
                        + "answered for " + silence.toMillis() + " ms";
                if (cluster.evict(m.name(), why)) {
                    LOG.warning("head " + service.config().name() + " drops head " + m.name()
                            + " from the head cluster: " + why);
                }
            }
        }
    }

    /**
     * A standby asks the voters for the lease at the next epoch each time the active head's grant would run out
     * with them. They grant it only once that head has not renewed it for a whole lease: it is frozen, hung, or
     * its own work has stalled ({@link #keepLease}), and by its own clock it has stopped acting. Hazelcast would
     * notice a frozen member only after {@code --head-timeout}, counted in whole seconds, and a member whose state
     * thread hangs never: the lease decides, and the head cluster follows it, as this head drops the deposed
     * member at once so that its partitions, and every read of them, come here. Runs on the renewal thread, which
     * reads no map: the decision thread may be waiting on the frozen member's partitions meanwhile.
     */
    private void askToDepose(LeaseHolder l) {
        String active = registry.activeHeadName();
        if (active.isEmpty() || active.equals(service.config().name()) || waiting.getAsBoolean()
                || System.nanoTime() - nextDeposeAskNanos < 0) {
            return;
        }
        long epoch = Math.max(rounds.highestEpochSeen(), registry.registryEpoch(active)) + 1;
        rounds.asking();
        LeaseHolder.Round round = l.ask(epoch);
        rounds.note(round);
        if (!round.majority()) {
            // asked again at least every tenth of the lease: a head whose own work stalled gives its lease up
            // early, and the takeover should not wait for the grant it gave up
            long waitMillis = Math.min(Math.max(round.refusedForMillis() + 10, 50), l.length().toMillis() / 10);
            nextDeposeAskNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
            return;
        }
        String why = "head " + active + " lost its lease (its process ended, or it did not renew the lease for "
                + l.length().toMillis() + " ms); head " + service.config().name() + " holds it at epoch " + epoch;
        LOG.warning(why + " and drops " + active + " from the head cluster");
        cluster.evict(active, why);
        decisions.execute(check);
    }

    /**
     * Whether the job numbers reserved for this head run low: fewer than half of what two seconds of recent
     * submissions (at least {@link Leadership#NUMBERS_AHEAD}) would take are left, or a batch of submissions waits
     * for more than were asked. Then it asks for more at once, in a renewal, so that submissions seldom wait for a
     * reservation; the unused rest is the gap in job numbers a takeover leaves.
     */
    private boolean numbersRunLow(LeaseHolder l) {
        long next = service.term().nextJobNumber();
        long now = System.nanoTime();
        if (now - numbersMarkNanos >= TimeUnit.SECONDS.toNanos(1)) {
            numbersPerSecond = Math.max(0, next - numbersMark) * 1_000_000_000L / Math.max(1, now - numbersMarkNanos);
            numbersMark = next;
            numbersMarkNanos = now;
        }
        long ahead = Math.max(Leadership.NUMBERS_AHEAD, 2 * numbersPerSecond);
        // a batch larger than what is left waits for its numbers: ask for all of them, and the usual lead beyond
        long wanted = service.term().numbersWanted();
        boolean batchWaits = wanted > l.numbersAsked();
        if (!batchWaits && l.numbersAsked() - next >= ahead / 2) {
            return false;
        }
        l.reserveNumbers(batchWaits ? wanted + ahead : next + ahead);
        return true;
    }

    @Override
    public void close() {
        renewals.shutdownNow();
    }
}
