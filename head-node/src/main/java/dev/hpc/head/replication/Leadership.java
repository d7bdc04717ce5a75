package dev.hpc.head.replication;

import dev.hpc.api.Codec;
import dev.hpc.api.Job;
import dev.hpc.api.Json;
import dev.hpc.api.JsonFields;
import dev.hpc.api.NodeInfo;
import dev.hpc.head.HeadService;
import dev.hpc.head.SettingKeys;
import dev.hpc.head.Term;
import dev.hpc.head.access.TokenRecord;
import dev.hpc.head.access.TokenRegistry;
import dev.hpc.head.lease.LeaseHolder;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.store.JobStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    /**
     * Renews the lease of the active head, apart from the decisions: those touch the head cluster's maps, which
     * wait for a frozen member until it is dropped (seconds), and a renewal must not wait behind them.
     */
    private final ScheduledExecutorService renewals;
    /** Writes this head's registry line, which also waits for a frozen member, off the decision thread. */
    private final java.util.concurrent.ExecutorService registryWriter;
    private final java.util.concurrent.atomic.AtomicReference<String> registryLine =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final StandbyMirror mirror;
    private final List<TakeoverListener> takeoverListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Optional<LeaseHolder> lease;
    /** With a lease: whether this head, while active, may hold the only copy of what it acknowledged. */
    private final Optional<SoleCopy> copies;
    /** A recommit of everything under way to make the copies whole again, and when the last one ended. */
    private Recommit recommit;
    private long lastRecommitEndNanos = Long.MIN_VALUE / 2;
    private final boolean forceStaleStart;
    /**
     * Set while this head, starting with no running head to copy from, waits for the head that led last: that
     * head's store may hold jobs this one lacks, so this one must not serve its own older copy.
     */
    private volatile Optional<String> waitingFor = Optional.empty();
    /** The highest epoch any voter has promised, as heard in their answers. */
    private long highestEpochSeen;
    private volatile long lastLeaseAskNanos = Long.MIN_VALUE / 2;
    /** Job numbers a head reserves ahead of the next one at least (docs/failover.md, "Job numbers"). */
    static final long NUMBERS_AHEAD = 100;
    private long numbersMark;
    private long numbersMarkNanos = System.nanoTime();
    private long numbersPerSecond;
    /** When a standby may next ask for the lease of an active head that may have stopped renewing it. */
    private volatile long nextDeposeAskNanos = Long.MIN_VALUE / 2;
    private volatile LeaseHolder.Round lastRound;
    /** How many times the voters were asked, for status: a test can wait for a head to have asked again. */
    private long rounds;
    private volatile String knownActive = "";
    private volatile Instant activeLostAt = Instant.EPOCH;
    private boolean mirroring;
    private long recordedEpoch;
    private volatile String role = "STARTING";
    /**
     * The merge count at which this head, as a standby, found it held every partition in step with the active head
     * ({@link HeadCluster#holdsEveryPartition}), or -1: until then its maps may lack what the active head committed
     * before this head joined, whatever the voters say of that head's copies (docs/failover.md, "A standby's copy").
     */
    private volatile long completeCopyAtMerges = -1;
    private String publishedCopies = "";
    private Instant lastPublished = Instant.EPOCH;

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
        this.decisions = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "leadership"));
        this.renewals = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "lease-renewal"));
        this.registryWriter = Executors.newSingleThreadExecutor(r -> daemon(r, "head-registry"));
    }

    private static Thread daemon(Runnable r, String name) {
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
        lease.ifPresent(l -> renewals.scheduleWithFixedDelay(() -> step(() -> keepLease(l)), tick.toMillis(),
                tick.toMillis(), TimeUnit.MILLISECONDS));
        // a voter ended the active head's grant as its bond closed (its process ended): ask now, not at the tick
        // (or, when the head cluster no longer names an active head, at the next tick's check)
        lease.ifPresent(l -> l.onReleased(() -> renewals.execute(() -> step(() -> {
            nextDeposeAskNanos = System.nanoTime();
            lastLeaseAskNanos = Long.MIN_VALUE / 2;
            keepLease(l);
        }))));
    }

    /** Loops never die: a failed decision is logged and the next tick decides again. */
    private void step(Runnable r) {
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
            seedReplica(state);
            becomeActive(state, "cold start");
        } else {
            becomeStandby();
        }
    }

    /** A head that starts alone holds the only copy: put it into the maps for the standbys to come. */
    private void seedReplica(ClusterState state) {
        Map<Long, String> jobs = new LinkedHashMap<>();
        Map<String, String> segments = new LinkedHashMap<>();
        long after = 0;
        while (true) {
            ClusterState.Page page = state.jobs(dev.hpc.head.state.JobFilter.ALL, after, 1000);
            for (Job j : page.jobs()) {
                jobs.put(j.id().number(), Json.write(Codec.toStoredMap(j)));
                for (dev.hpc.api.TaskSegment seg : j.segments()) {
                    segments.put(seg.key(), Json.write(Codec.toMap(seg)));
                }
            }
            if (page.next() < 0) {
                break;
            }
            after = page.next();
        }
        Map<String, String> nodes = new LinkedHashMap<>();
        for (NodeInfo n : state.nodes()) {
            nodes.put(n.name(), Json.write(Codec.toMap(n)));
        }
        cluster.segments().putAll(segments);
        state.committedQueues().ifPresent(q -> cluster.settings().put(SettingKeys.QUEUES, q));
        state.committedReservations().ifPresent(r -> cluster.settings().put(SettingKeys.RESERVATIONS, r));
        cluster.jobs().putAll(jobs);
        cluster.nodes().putAll(nodes);
        Map<String, String> tokens = new LinkedHashMap<>();
        for (TokenRecord t : service.tokens().list()) {
            tokens.put(t.id(), Json.write(t.replicaMap()));
        }
        cluster.tokens().putAll(tokens);
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
            makeCopiesWhole(copies.get());
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
        String active = activeHeadName();
        if (!active.isEmpty()) {
            knownActive = active;
            activeLostAt = Instant.EPOCH;
            waitingFor = Optional.empty(); // someone leads: a standby again
            noteCompleteCopy();
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
     * A standby that holds every partition in step while the active head is a member has every change that head
     * committed with a backup; from then on each of its commits waits for this member's backup, or the voters
     * hear that the active head may hold the only copy. A merge into another head cluster replaces the maps, so
     * the copy counts only at the merge count at which it was found complete.
     */
    private void noteCompleteCopy() {
        if (hasCompleteCopy() || cluster.members().size() < 2 || !cluster.holdsEveryPartition()) {
            return;
        }
        completeCopyAtMerges = cluster.merges();
        LOG.info("head " + service.config().name() + " holds a complete copy of the replicated state: it can take "
                + "over from it");
        publishSelf();
    }

    private boolean hasCompleteCopy() {
        return completeCopyAtMerges >= 0 && completeCopyAtMerges == cluster.merges();
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

    /**
     * The current member that says it is active, with the highest epoch when two do (for a moment
     * after a split heals), or "". Reads only local data: safe on any thread.
     */
    private String activeHeadName() {
        List<String> present = new ArrayList<>();
        for (HeadCluster.HeadMember m : cluster.members()) {
            present.add(m.name());
        }
        String best = "";
        long bestEpoch = -1;
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(cluster.heads()).entrySet()) {
            JsonFields f = Json.readObject(e.getValue());
            long epoch = f.longValue("epoch", 0);
            if (present.contains(e.getKey()) && "ACTIVE".equals(f.string("role", "")) && epoch > bestEpoch) {
                best = e.getKey();
                bestEpoch = epoch;
            }
        }
        return best;
    }

    /** Whether a third of the lease has passed since the voters were last asked. */
    private boolean leaseAskDue(LeaseHolder l) {
        return System.nanoTime() - lastLeaseAskNanos >= l.length().toNanos() / 3;
    }

    /** The active head renews its lease; one that could not before it ran out steps down. */
    /**
     * Renews a lease held, also while this head is taking over with it: building the state from the maps can take
     * longer than a lease when the old head's partitions are still moving, and a lease that ran out meanwhile
     * made the new head's first commit fail (the fault suite saw it stop so).
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
            lastLeaseAskNanos = System.nanoTime();
            LOG.severe("head " + service.config().name() + ": its state thread or its store's writer has made no "
                    + "progress for " + stall.toMillis() + " ms while idle (or " + busy.toMillis() + " ms while busy); "
                    + "it gives up its lease, so that another head takes over now");
            noteRound(l.resign());
        } else if (l.holds() && (leaseAskDue(l) || service.isActive() && numbersRunLow(l))) {
            lastLeaseAskNanos = System.nanoTime();
            noteRound(l.ask(l.epoch()));
        }
        if (!l.holds() && !service.isActive()) {
            askToDepose(l);
        }
        if (!l.holds() && service.isActive()) {
            // every answer and effect already waits on the lease; the step-down itself is a decision
            decisions.execute(() -> step(() -> {
                if (service.isActive() && !l.holds()) {
                    stepDown("its lease at epoch " + service.epoch() + " ran out before a majority of the voters "
                            + "renewed it");
                }
            }));
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
        if (System.nanoTime() - lastLeaseAskNanos >= silence.toNanos()) {
            lastLeaseAskNanos = System.nanoTime();
            noteRound(l.ask(l.epoch()));
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
        String active = activeHeadName();
        if (active.isEmpty() || active.equals(service.config().name()) || waitingFor.isPresent()
                || System.nanoTime() - nextDeposeAskNanos < 0) {
            return;
        }
        long epoch = Math.max(highestEpochSeen(), registryEpoch(active)) + 1;
        lastLeaseAskNanos = System.nanoTime();
        LeaseHolder.Round round = l.ask(epoch);
        noteRound(round);
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
        decisions.execute(() -> step(this::check));
    }

    /** The epoch a head's registry line gives (a local read), or 0. */
    private long registryEpoch(String head) {
        String line = cluster.heads().get(head);
        return line == null ? 0 : Json.readObject(line).longValue("epoch", 0);
    }

    /**
     * Whether the job numbers reserved for this head run low: fewer than half of what two seconds of recent
     * submissions (at least {@link #NUMBERS_AHEAD}) would take are left. Then it asks for more at once, in a
     * renewal, so that submissions seldom wait for a reservation; the unused rest is the gap in job numbers a
     * takeover leaves.
     */
    private boolean numbersRunLow(LeaseHolder l) {
        long next = service.term().nextJobNumber();
        long now = System.nanoTime();
        if (now - numbersMarkNanos >= TimeUnit.SECONDS.toNanos(1)) {
            numbersPerSecond = Math.max(0, next - numbersMark) * 1_000_000_000L / Math.max(1, now - numbersMarkNanos);
            numbersMark = next;
            numbersMarkNanos = now;
        }
        long ahead = Math.max(NUMBERS_AHEAD, 2 * numbersPerSecond);
        if (l.numbersAsked() - next >= ahead / 2) {
            return false;
        }
        l.reserveNumbers(next + ahead);
        return true;
    }

    private synchronized void noteRound(LeaseHolder.Round round) {
        lastRound = round;
        rounds++;
        highestEpochSeen = Math.max(highestEpochSeen, round.highestEpochSeen());
    }

    private synchronized long highestEpochSeen() {
        return highestEpochSeen;
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
        if (!leaseAskDue(l) && !l.holds()) {
            return; // a lease held (granted as the last head was deposed) is used at once
        }
        lastLeaseAskNanos = System.nanoTime();
        long epoch = Math.max(Math.max(cluster.epoch(), store.epoch()), highestEpochSeen()) + 1;
        LeaseHolder.Round round = l.ask(epoch);
        noteRound(round);
        if (!round.majority()) {
            LOG.fine(() -> "no lease at epoch " + epoch + ": " + round.refusals());
            return;
        }
        String me = service.config().name();
        String last = round.lastActiveHead();
        boolean ledLast = last.equals(me);
        boolean cold = noHeadEverLed();
        // Whose copy is complete: the head that led last committed every change it acknowledged to its own
        // store, so it leads from that store, also over maps a standby kept meanwhile. With no maps at all
        // another head has only its own store, which may be older: it waits for the one that led last.
        // A head that told the voters it held the only copy of some changes (its standby was away) is awaited
        // the same way: the maps lack those changes.
        // A standby that joined the head cluster but never held every partition in step may lack changes the
        // head that led last acknowledged with their backup on the standby before this one: the voters' word on
        // that head's copies was about that standby. (Seen in the fault suite: a restarted standby took over from
        // maps half moved to it, and a result acknowledged there was lost.)
        boolean partial = !last.isEmpty() && !ledLast && !cold && !hasCompleteCopy();
        boolean sole = !last.isEmpty() && !ledLast && round.lastActiveSole();
        boolean mayLack = !last.isEmpty() && !ledLast && cold || sole || partial;
        if (mayLack && !forceStaleStart) {
            waitingFor = Optional.of(sole ? last + ", which led last (epoch " + round.lastActiveEpoch() + ") and "
                    + "held the only copy of changes it acknowledged while this head was away; start it, or restart "
                    + "this head with --force-stale-start to lead from what was replicated (those changes are lost)"
                    : partial ? last + ", which led last (epoch " + round.lastActiveEpoch() + "): this head never "
                    + "held a complete copy of the replicated state (it joined while " + last + " led, and the "
                    + "partitions were still moving to it); start " + last + ", or restart this head with "
                    + "--force-stale-start to lead from what it has (changes it lacks are lost)"
                    : last + ", which led last (epoch " + round.lastActiveEpoch() + ") and may hold "
                    + "jobs this head's store lacks; start it, or restart this head with --force-stale-start to "
                    + "serve this head's own copy");
            l.release();
            LOG.warning("head " + me + " does not lead: it waits for " + waitingFor.get());
            publishSelf();
            return;
        }
        if (mayLack) {
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
            synchronized (this) {
                highestEpochSeen = Math.max(highestEpochSeen, epoch);
            }
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
            seedReplica(state);
        } else {
            state = stateFromReplica(epoch);
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

    /** Builds the state from the replicated maps; history older than the keep time comes from the store. */
    private ClusterState stateFromReplica(long epoch) {
        Instant now = clock.instant();
        Instant keepSince = now.minus(service.config().keepCompleted());
        ClusterState state = new ClusterState(service.config().cluster(), epoch, 1, service.config().maxRequeues());
        store.loadOutcomes(keepSince, state::restoreOutcome);
        List<Job> jobs = new ArrayList<>();
        for (String body : cluster.jobs().values()) {
            jobs.add(Codec.readJob(Json.readObject(body), cluster::segments));
        }
        jobs.sort((a, b) -> Long.compare(a.id().number(), b.id().number()));
        for (Job j : jobs) {
            if (j.state().isTerminal() && j.ended().isBefore(keepSince)) {
                state.restoreOutcome(j.id().number(), j.state(), j.exitStatus());
            } else {
                state.restore(j);
            }
        }
        for (String body : cluster.nodes().values()) {
            state.restore(Codec.readNode(Json.readObject(body)), now);
        }
        String queues = cluster.settings().get(SettingKeys.QUEUES);
        if (queues != null) {
            state.restoreQueues(queues);
        }
        String reservations = cluster.settings().get(SettingKeys.RESERVATIONS);
        if (reservations != null) {
            state.restoreReservations(reservations);
        }
        return state;
    }

    private void becomeActive(ClusterState state, String why) {
        recommit = null;
        store.replicateTo(new JobStore.Replica() {
            @Override
            public void put(Map<Long, String> jobs, Map<String, String> nodes, Map<String, String> segments,
                            Map<String, String> settings) {
                if (lease.isPresent() && !lease.get().holds()) {
                    // the commit cannot know whether another head leads by now: it fails, and this head stops
                    throw new dev.hpc.api.HpcException("the lease of head " + service.config().name()
                            + " ran out before this commit was replicated");
                }
                if (copies.isPresent()) {
                    putKnowingCopies(copies.get(), jobs, nodes, segments, settings);
                    return;
                }
                long mergesBefore = cluster.merges();
                if (!segments.isEmpty()) {
                    HeadCluster.putAwaitingBackups(cluster.segments(), segments);
                }
                if (!settings.isEmpty()) {
                    HeadCluster.putAwaitingBackups(cluster.settings(), settings);
                }
                if (!jobs.isEmpty()) {
                    HeadCluster.putNewerAwaitingBackups(cluster.jobs(), jobs);
                }
                if (!nodes.isEmpty()) {
                    HeadCluster.putNewerAwaitingBackups(cluster.nodes(), nodes);
                }
                if (cluster.merges() != mergesBefore) {
                    throw new dev.hpc.api.HpcException("head " + service.config().name() + " began to merge into "
                            + "another head cluster while this commit was replicated: it may be in neither");
                }
            }

            @Override
            public void remove(java.util.Collection<Long> jobs, java.util.Collection<String> segments) {
                for (long number : jobs) {
                    cluster.jobs().removeAsync(number);
                }
                for (String key : segments) {
                    cluster.segments().removeAsync(key);
                }
            }
        });
        service.tokens().replicateTo(new TokenRegistry.Replica() {
            @Override
            public void put(TokenRecord token) {
                cluster.tokens().set(token.id(), Json.write(token.replicaMap()));
            }

            @Override
            public void remove(String id) {
                cluster.tokens().delete(id);
            }
        });
        service.term().activate(state);
        recordedEpoch = Math.max(recordedEpoch, state.epoch());
        knownActive = service.config().name();
        publishSelf();
        LOG.info("head " + service.config().name() + " is ACTIVE (" + why + "), epoch " + state.epoch());
    }

    /**
     * Writes a commit to the maps. A write that fails or may lack its backup does not stop this head: its own
     * store has the change, and the voters hear that this head may hold the only copy before it is acknowledged,
     * so no standby leads without it ({@link SoleCopy}).
     */
    private void putKnowingCopies(SoleCopy sole, Map<Long, String> jobs, Map<String, String> nodes,
                                  Map<String, String> segments, Map<String, String> settings) {
        SoleCopy.Before before = sole.before();
        RuntimeException failure = null;
        try {
            if (!segments.isEmpty()) {
                HeadCluster.putAwaitingBackups(cluster.segments(), segments);
            }
            if (!settings.isEmpty()) {
                HeadCluster.putAwaitingBackups(cluster.settings(), settings);
            }
            if (!jobs.isEmpty()) {
                HeadCluster.putNewerAwaitingBackups(cluster.jobs(), jobs);
            }
            if (!nodes.isEmpty()) {
                HeadCluster.putNewerAwaitingBackups(cluster.nodes(), nodes);
            }
        } catch (StaleWriteException e) {
            throw e; // not in doubt: a newer head leads, and this commit must fail
        } catch (RuntimeException e) {
            failure = e;
            LOG.warning("head " + service.config().name() + " could not replicate a commit (" + e
                    + "); its store has it");
        }
        sole.after(before, failure);
    }

    /** A recommit of everything this head holds, begun when the copies could be made whole again. */
    private record Recommit(SoleCopy.Attempt attempt, java.util.concurrent.CompletableFuture<Term.HeldJobs> done) {
    }

    /**
     * While this head may hold the only copy, and its standby is back with every backup in step: commits
     * everything again (the maps may have lost entries in a merge, or never got them), drops entries of jobs it
     * no longer holds (a merge can bring back old ones), and then tells the voters its copies are whole. Runs
     * over several ticks, never blocking this thread on the commit.
     */
    private void makeCopiesWhole(SoleCopy sole) {
        if (recommit == null) {
            if (System.nanoTime() - lastRecommitEndNanos < Duration.ofSeconds(2).toNanos()) {
                return;
            }
            sole.clearable().ifPresent(a -> recommit = new Recommit(a, service.term().recommitAll()));
            return;
        }
        if (!recommit.done().isDone()) {
            return;
        }
        Recommit r = recommit;
        recommit = null;
        lastRecommitEndNanos = System.nanoTime();
        if (r.done().isCompletedExceptionally()) {
            return;
        }
        Term.HeldJobs held = r.done().join();
        try {
            dropStaleEntries(held);
        } catch (RuntimeException e) {
            LOG.warning("could not drop old entries from the replicated maps: " + e);
            return;
        }
        sole.clear(r.attempt());
    }

    /** Removes map entries this head does not hold: jobs long finished, revoked tokens, brought back by merges. */
    private void dropStaleEntries(Term.HeldJobs held) {
        for (Long number : new ArrayList<>(cluster.jobs().keySet())) {
            // a job numbered from nextNumber on was submitted after the recommit began
            if (number < held.nextNumber() && !held.numbers().contains(number)) {
                cluster.jobs().delete(number);
            }
        }
        for (String key : new ArrayList<>(cluster.segments().keySet())) {
            long number = Long.parseLong(key.substring(0, key.indexOf('/')));
            if (number < held.nextNumber() && !held.numbers().contains(number)) {
                cluster.segments().delete(key);
            }
        }
        java.util.Set<String> liveTokens = new java.util.HashSet<>();
        for (TokenRecord t : service.tokens().list()) {
            liveTokens.add(t.id());
            cluster.tokens().set(t.id(), Json.write(t.replicaMap()));
        }
        java.util.Set<String> extra = new java.util.HashSet<>(cluster.tokens().keySet());
        extra.removeAll(liveTokens);
        if (!extra.isEmpty()) {
            // listed again: a token made meanwhile is in the registry now
            service.tokens().list().forEach(t -> extra.remove(t.id()));
            extra.forEach(id -> cluster.tokens().delete(id));
        }
    }

    private void becomeStandby() {
        if (!mirroring) {
            mirror.start();
            mirroring = true;
        }
        String active = activeHeadName();
        String me = service.config().name();
        if (active.equals(me) || active.isEmpty() && knownActive.equals(me)) {
            knownActive = ""; // this head stepped down: no other head is known to lead yet
        } else if (!active.isEmpty()) {
            knownActive = active;
        }
        publishSelf();
        LOG.info("head " + me + " is STANDBY" + (knownActive.isEmpty() ? "" : "; the active head is " + knownActive));
    }

    /**
     * This head's line in the replicated head registry, read by every head's cluster status. The
     * registry is a ReplicatedMap: reads are local, but a write waits for a frozen member until it is
     * dropped from the head cluster (the fault suite saw the lease run out so), so a thread of its own
     * writes the newest line and no decision waits for it.
     */
    private void publishSelf() {
        String nowRole = service.isActive() ? "ACTIVE" : waitingFor.isPresent() ? "WAITING" : "STANDBY";
        String nowCopies = service.isActive() ? copies.map(c -> c.inDoubt() ? "SOLE" : "REPLICATED").orElse("")
                : "STANDBY".equals(nowRole) ? (hasCompleteCopy() ? "COMPLETE" : "INCOMPLETE") : "";
        Instant now = clock.instant();
        if (nowRole.equals(role) && nowCopies.equals(publishedCopies) && now.isBefore(lastPublished.plusSeconds(1))) {
            return;
        }
        role = nowRole;
        publishedCopies = nowCopies;
        lastPublished = now;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", service.config().name());
        m.put("role", nowRole);
        waitingFor.ifPresent(w -> m.put("waitingFor", w));
        if (!nowCopies.isEmpty()) {
            m.put("copies", nowCopies);
        }
        m.put("epoch", service.isActive() ? service.epoch() : cluster.epoch());
        m.put("pid", ProcessHandle.current().pid());
        m.put("startedAt", service.startedAt().toString());
        m.put("lastChange", store.lastCommit().toString());
        m.put("lastHeartbeat", witnesses.lastHeard().toString());
        m.put("workers", witnesses.count(clock.instant()));
        m.put("updatedAt", clock.instant().toString());
        // Only the newest line matters: one written while an older one waits replaces it.
        if (registryLine.getAndSet(Json.write(m)) == null) {
            registryWriter.execute(() -> {
                String line;
                while ((line = registryLine.get()) != null) {
                    try {
                        cluster.heads().put(service.config().name(), line);
                    } catch (RuntimeException e) {
                        LOG.fine(() -> "could not write this head's registry line: " + e);
                    }
                    registryLine.compareAndSet(line, null);
                }
            });
        }
    }

    /** The registry entries of every head, with role DOWN for those no longer in the cluster. */
    public List<Map<String, Object>> heads() {
        Map<String, String> apis = new LinkedHashMap<>();
        for (HeadCluster.HeadMember m : cluster.members()) {
            apis.put(m.name(), m.apiAddress());
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(cluster.heads()).entrySet()) {
            Map<String, Object> m = new LinkedHashMap<>();
            Json.readObject(e.getValue()).raw().forEach((k, v) -> m.put(String.valueOf(k), v));
            m.put("address", apis.getOrDefault(e.getKey(), ""));
            if (!apis.containsKey(e.getKey())) {
                m.put("role", "DOWN");
            }
            out.add(m);
        }
        return out;
    }

    /** The API address of the active head, if a current member is active. */
    public java.util.Optional<String> activeApiAddress() {
        String active = activeHeadName();
        return cluster.members().stream().filter(m -> m.name().equals(active)).map(HeadCluster.HeadMember::apiAddress)
                .findFirst();
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
                m.put("completeCopy", hasCompleteCopy());
            }
            m.put("validForMillis", l.holds() ? Math.max(0, (l.validUntilNanos() - System.nanoTime()) / 1_000_000) : 0);
            waitingFor.ifPresent(w -> m.put("waitingFor", w));
            LeaseHolder.Round r = lastRound;
            if (r != null) {
                Map<String, Object> round = new LinkedHashMap<>();
                round.put("epoch", r.epoch());
                round.put("granted", r.granted());
                round.put("voters", r.voters());
                round.put("refusals", r.refusals());
                synchronized (this) {
                    round.put("rounds", rounds);
                }
                m.put("lastRound", round);
            }
            return m;
        });
    }

    /** STARTING until this head has decided, then ACTIVE or STANDBY. */
    public String role() {
        return role;
    }

    @Override
    public void close() {
        decisions.shutdownNow();
        renewals.shutdownNow();
        registryWriter.shutdownNow();
        mirror.close();
    }

}
