package dev.hpc.head.replication;

import dev.hpc.head.HeadService;
import dev.hpc.head.access.TokenRegistry;
import dev.hpc.head.lease.LeaseHolder;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.store.JobStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Decides whether this head is active or standby, and carries out takeovers and step-downs. All
 * decisions run on one thread, on membership changes and on a short tick.
 *
 * <p>At start, a head alone in the cluster is active and loads its own store (a cold start); one
 * that joins others is standby and mirrors the replicated state into its store. A standby takes
 * over when the head it knew as active has left the cluster, it is now the oldest member, and the
 * workers agree the active head is gone. An active head that finds a higher epoch steps down.
 */
public final class Leadership implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Leadership.class.getName());

    private final HeadCluster cluster;
    private final HeadService service;
    private final JobStore store;
    private final Witnesses witnesses;
    private final Clock clock;
    private final Duration tick;
    private final ScheduledExecutorService decisions;
    /** The renewal thread: renews the lease of the active head, apart from the decisions. */
    private final LeaseRenewal renewal;
    private final HeadRegistry registry;
    private final StandbyMirror mirror;
    private final List<TakeoverListener> takeoverListeners = new CopyOnWriteArrayList<>();
    private final Optional<LeaseHolder> lease;
    /** With a lease: whether this head, while active, may hold the only copy of what it acknowledged. */
    private final Optional<SoleCopy> copies;
    private final CopyMender mender;
    private final ReplicaState replica;
    private final StandbyCopy standbyCopy;
    private final LeaseRounds rounds = new LeaseRounds();
    private final boolean forceStaleStart;
    /**
     * Set while this head, starting with no running head to copy from, waits for the head that led last: that
     * head's store may hold jobs this one lacks, so this one must not serve its own older copy.
     */
    private volatile Optional<String> waitingFor = Optional.empty();
    /** Job numbers a head reserves ahead of the next one at least (docs/failover.md, "Job numbers"). */
    static final long NUMBERS_AHEAD = 100;
    private volatile String knownActive = "";
    private volatile Instant activeLostAt = Instant.EPOCH;
    private boolean mirroring;
    private long recordedEpoch;

    /** Told of each takeover this head makes: the head it replaces, the new epoch and how long it took. */
    public interface TakeoverListener {
        void tookOver(String previousActive, long epoch, Duration sinceLoss);
    }

    public Leadership(HeadCluster cluster, HeadService service, Witnesses witnesses, Clock clock, Duration tick) {
        this(cluster, service, witnesses, clock, tick, Optional.empty());
    }

    /**
     * With a lease, this head leads only while a majority of the voters grant it (docs/failover.md): it takes
     * over only with their grant, and steps down, before it answers anything, as soon as its lease has run out.
     */
    public Leadership(HeadCluster cluster, HeadService service, Witnesses witnesses, Clock clock, Duration tick,
                      Optional<LeaseHolder> lease) {
        this(cluster, service, witnesses, clock, tick, lease, false);
    }

    /**
     * @param forceStaleStart start from this head's own store even when another head led last and may hold
     *                        jobs this one lacks: the operator's decision when that head is gone for good
     */
    public Leadership(HeadCluster cluster, HeadService service, Witnesses witnesses, Clock clock, Duration tick,
                      Optional<LeaseHolder> lease, boolean forceStaleStart) {
        this.forceStaleStart = forceStaleStart;
        this.lease = lease;
        lease.ifPresent(l -> service.term().leaseGuard(l::holds));
        lease.ifPresent(l -> service.term().numberGuard(l::numbersReserved));
        this.cluster = cluster;
        this.service = service;
        this.store = service.store();
        this.witnesses = witnesses;
        this.clock = clock;
        this.tick = tick;
        this.mirror = new StandbyMirror(cluster, store, service.tokens());
        this.copies = lease.map(l -> new SoleCopy(cluster, l, service.config().name()));
        this.mender = new CopyMender(cluster, service);
        this.replica = new ReplicaState(cluster, service, clock);
        this.standbyCopy = new StandbyCopy(cluster, service.config().name());
        this.decisions = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "leadership"));
        this.registry = new HeadRegistry(cluster, service, witnesses, clock);
        this.renewal = new LeaseRenewal(service, cluster, registry, rounds, tick,
                r -> decisions.execute(() -> step(r)), this::stepDown, this::check, () -> waitingFor.isPresent());
    }

    static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public void onTakeover(TakeoverListener listener) {
        takeoverListeners.add(listener);
    }

    public void start() {
        cluster.onMembershipChange(removed -> decisions.execute(() -> step(() -> membershipChanged(removed))));
        decisions.execute(() -> step(this::decideAtStart));
        decisions.scheduleWithFixedDelay(() -> step(this::check), tick.toMillis(), tick.toMillis(),
                TimeUnit.MILLISECONDS);
        lease.ifPresent(renewal::start);
    }

    /** Loops never die: a failed decision is logged and the next tick decides again. */
    static void step(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "leadership decision failed", e);
        }
    }

    private void decideAtStart() {
        if (lease.isPresent()) {
            becomeStandby(); // the first tick asks the voters; only their grant makes this head active
            return;
        }
        if (cluster.members().size() == 1) {
            long epoch = cluster.raiseEpoch(store.epoch());
            store.recordEpoch(epoch);
            ClusterState state = service.term().stateFromStore(epoch);
            replica.seed(state);
            becomeActive(state, "cold start");
        } else {
            becomeStandby();
        }
    }

    private void membershipChanged(String removedHead) {
        if (!removedHead.isEmpty() && removedHead.equals(knownActive)) {
            activeLostAt = clock.instant();
            LOG.warning("the active head " + removedHead + " left the head cluster");
        }
        check();
    }

    private void check() {
        publishSelf();
        if (service.isActive() && lease.isPresent() && !lease.get().holds()) {
            stepDown("its lease at epoch " + service.epoch() + " ran out before a majority of the voters renewed "
                    + "it");
            return;
        }
        if (service.isActive() && copies.isPresent()) {
            mender.makeCopiesWhole(copies.get());
        }
        if (service.isActive()) {
            long replicated = cluster.epoch();
            if (replicated > service.epoch()) {
                LOG.warning("found epoch " + replicated + " above this head's " + service.epoch() + ": stepping down");
                service.term().deactivate();
                store.replicateTo(JobStore.Replica.NONE);
                service.tokens().replicateTo(TokenRegistry.Replica.NONE);
                becomeStandby();
            }
            return;
        }
        rememberEpoch();
        String active = registry.activeHeadName();
        if (!active.isEmpty()) {
            knownActive = active;
            activeLostAt = Instant.EPOCH;
            waitingFor = Optional.empty(); // someone leads: a standby again
            if (standbyCopy.noteComplete()) {
                publishSelf();
            }
            return;
        }
        if (lease.isPresent()) {
            tryToLead(lease.get());
            return;
        }
        if (!cluster.isOldest()) {
            return;
        }
        Instant since = activeLostAt.equals(Instant.EPOCH) ? clock.instant() : activeLostAt;
        if (activeLostAt.equals(Instant.EPOCH)) {
            activeLostAt = since;
        }
        if (witnesses.agreeNoActiveHead(since, clock.instant())) {
            takeOver(since);
        }
    }

    /**
     * A standby keeps the replicated epoch in its own store, so that after every head was stopped,
     * whichever starts first raises the epoch above any the workers have seen.
     */
    private void rememberEpoch() {
        long replicated = cluster.epoch();
        if (replicated > recordedEpoch) {
            store.recordEpoch(replicated);
            recordedEpoch = replicated;
        }
    }

    private void stepDown(String why) {
        LOG.warning("head " + service.config().name() + " steps down: " + why);
        lease.ifPresent(LeaseHolder::release);
        service.term().deactivate();
        store.replicateTo(JobStore.Replica.NONE);
        service.tokens().replicateTo(TokenRegistry.Replica.NONE);
        becomeStandby();
    }

    /**
     * No head is seen active: ask the voters for the lease at an epoch above every epoch known. They grant it
     * only once the last holder's lease has run out with them, so a head that is merely cut off from this one
     * keeps leading, and this one does not take over.
     */
    private void tryToLead(LeaseHolder l) {
        if (waitingFor.isPresent()) {
            return; // only the head awaited (or an operator's --force-stale-start) can lead now
        }
        if (!rounds.askDue(l) && !l.holds()) {
            return; // a lease held (granted as the last head was deposed) is used at once
        }
        rounds.asking();
        long epoch = Math.max(Math.max(cluster.epoch(), store.epoch()), rounds.highestEpochSeen()) + 1;
        LeaseHolder.Round round = l.ask(epoch);
        rounds.note(round);
        if (!round.majority()) {
            LOG.fine(() -> "no lease at epoch " + epoch + ": " + round.refusals());
            return;
        }
        String me = service.config().name();
        String last = round.lastActiveHead();
        boolean ledLast = last.equals(me);
        boolean cold = noHeadEverLed();
        Optional<String> lacking = standbyCopy.mustWaitFor(round, ledLast, cold);
        if (lacking.isPresent() && !forceStaleStart) {
            waitingFor = lacking;
            l.release();
            LOG.warning("head " + me + " does not lead: it waits for " + waitingFor.get());
            publishSelf();
            return;
        }
        if (lacking.isPresent()) {
            LOG.warning("head " + me + " leads from its own copy although " + last + " led last (epoch "
                    + round.lastActiveEpoch() + "): --force-stale-start");
        }
        Instant since = activeLostAt.equals(Instant.EPOCH) ? clock.instant() : activeLostAt;
        takeOver(since, epoch, ledLast && !cold, round.numberedUpTo());
    }

    private void takeOver(Instant lostAt) {
        takeOver(lostAt, 0, false, 0);
    }

    /**
     * Whether no head has led since the head cluster formed: the maps hold nothing, and a head has only its own
     * store. Judged also by what this head has seen, not by one read of the replicated epoch alone, which
     * came back 0 once while the partitions of a frozen member moved.
     */
    private boolean noHeadEverLed() {
        return recordedEpoch == 0 && knownActive.isEmpty() && cluster.epoch() == 0;
    }

    /**
     * @param leasedEpoch  the epoch the voters granted, or 0 without a lease (the next epoch is raised here)
     * @param fromOwnStore lead from this head's own store and put it into the maps, which may be older: this
     *                     head led last and is back
     * @param numberedBefore the highest job number the voters reserved for the heads before this one: this head
     *                       gives out numbers above it only
     */
    private void takeOver(Instant lostAt, long leasedEpoch, boolean fromOwnStore, long numberedBefore) {
        // Heads that all started together find no epoch yet: nobody was active, so the maps hold
        // nothing and the newest state is in this head's own store.
        boolean coldStart = noHeadEverLed() || fromOwnStore;
        long epoch = cluster.raiseEpoch(Math.max(store.epoch(), leasedEpoch - 1));
        if (leasedEpoch > 0 && epoch != leasedEpoch) {
            LOG.severe("the replicated epoch went to " + epoch + ", not to the leased " + leasedEpoch
                    + ": another head raised it without the lease; not taking over");
            lease.ifPresent(LeaseHolder::release);
            rounds.sawEpoch(epoch);
            return;
        }
        if (lease.isPresent()) {
            // the voters learn that this head leads before it acts: a later cold start of another head then
            // knows to wait for this one's store; the same round reserves its first job numbers
            lease.get().reserveNumbers(numberedBefore + NUMBERS_AHEAD);
            LeaseHolder.Round told = lease.get().ask(epoch, true);
            if (!told.majority()) {
                LOG.warning("head " + service.config().name() + " lost the lease at epoch " + epoch
                        + " before it became active: " + told.refusals());
                lease.get().release();
                return;
            }
            copies.ifPresent(SoleCopy::tookOver);
        }
        store.recordEpoch(epoch);
        mirror.close();
        mirroring = false;
        ClusterState state;
        if (coldStart) {
            state = service.term().stateFromStore(epoch);
            replica.seed(state);
        } else {
            state = replica.fromReplica(epoch);
        }
        state.skipJobNumbersBelow(numberedBefore + 1);
        String previous = knownActive.isEmpty() ? "an unknown head" : knownActive;
        if (lease.isPresent() && !lease.get().holds()) {
            LOG.warning("head " + service.config().name() + " lost the lease at epoch " + epoch + " while it built "
                    + "its state; it stays standby and asks again");
            becomeStandby();
            return;
        }
        becomeActive(state, (coldStart ? "cold start after " : "takeover from ") + previous);
        Duration took = Duration.between(lostAt, clock.instant());
        for (TakeoverListener l : takeoverListeners) {
            l.tookOver(previous, epoch, took);
        }
    }

    private void becomeActive(ClusterState state, String why) {
        mender.reset();
        store.replicateTo(new ActiveReplica(cluster, service, lease, copies));
        service.tokens().replicateTo(ActiveReplica.tokens(cluster));
        service.term().activate(state);
        recordedEpoch = Math.max(recordedEpoch, state.epoch());
        knownActive = service.config().name();
        publishSelf();
        LOG.info("head " + service.config().name() + " is ACTIVE (" + why + "), epoch " + state.epoch());
    }

    private void becomeStandby() {
        if (!mirroring) {
            mirror.start();
            mirroring = true;
        }
        String active = registry.activeHeadName();
        String me = service.config().name();
        if (active.equals(me) || active.isEmpty() && knownActive.equals(me)) {
            knownActive = ""; // this head stepped down: no other head is known to lead yet
        } else if (!active.isEmpty()) {
            knownActive = active;
        }
        publishSelf();
        LOG.info("head " + me + " is STANDBY" + (knownActive.isEmpty() ? "" : "; the active head is " + knownActive));
    }

    /** Writes this head's line in the replicated head registry ({@link HeadRegistry#publish}). */
    private void publishSelf() {
        Optional<String> waiting = waitingFor;
        String nowRole = service.isActive() ? "ACTIVE" : waiting.isPresent() ? "WAITING" : "STANDBY";
        String nowCopies = service.isActive() ? copies.map(c -> c.inDoubt() ? "SOLE" : "REPLICATED").orElse("")
                : "STANDBY".equals(nowRole) ? (standbyCopy.isComplete() ? "COMPLETE" : "INCOMPLETE") : "";
        registry.publish(nowRole, nowCopies, waiting);
    }

    /** The registry entries of every head, with role DOWN for those no longer in the cluster. */
    public List<Map<String, Object>> heads() {
        return registry.heads();
    }

    /** The API address of the active head, if a current member is active. */
    public Optional<String> activeApiAddress() {
        return registry.activeApiAddress();
    }

    /**
     * This head's side of the leadership lease, for {@code hpc cluster status}: whether it holds it, until
     * when, and what the voters answered last time they were asked.
     */
    public Optional<Map<String, Object>> leaseStatus() {
        return lease.map(l -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("held", l.holds());
            m.put("epoch", l.epoch());
            if (service.isActive()) {
                m.put("soleCopy", l.declaresSoleCopy());
            } else {
                m.put("completeCopy", standbyCopy.isComplete());
            }
            m.put("validForMillis", l.holds() ? Math.max(0, (l.validUntilNanos() - System.nanoTime()) / 1_000_000) : 0);
            m.put("votersBacking", l.holds() ? l.grantsStanding() : 0);
            m.put("voters", l.voterCount());
            waitingFor.ifPresent(w -> m.put("waitingFor", w));
            rounds.lastRound().ifPresent(r -> m.put("lastRound", r));
            return m;
        });
    }

    /** Whether this head holds the lease but is not active yet, and waits for no other head: it is taking over. */
    public boolean takingOver() {
        return !service.isActive() && waitingFor.isEmpty() && lease.map(LeaseHolder::holds).orElse(false);
    }

    /** STARTING until this head has decided, then ACTIVE or STANDBY. */
    public String role() {
        return registry.role();
    }

    @Override
    public void close() {
        decisions.shutdownNow();
        renewal.close();
        registry.close();
        mirror.close();
    }

}
