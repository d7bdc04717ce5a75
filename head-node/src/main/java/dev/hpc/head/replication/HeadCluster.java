package dev.hpc.head.replication;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.internal.partition.PartitionReplica;
import com.hazelcast.map.IMap;
import com.hazelcast.replicatedmap.ReplicatedMap;
import dev.hpc.api.HpcException;
import dev.hpc.api.job.TaskSegment;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * This head's membership of the head cluster: the Hazelcast member, the replicated maps and the
 * order of the members. Each member carries its head's name and API address as attributes.
 */
public final class HeadCluster implements AutoCloseable {
    static final String JOBS = "hpc.jobs";
    static final String NODES = "hpc.nodes";
    static final String SEGMENTS = "hpc.segments";
    static final String SETTINGS = "hpc.settings";
    static final String META = "hpc.meta";
    static final String HEADS = "hpc.heads";
    /** API token records by id (docs/security.md): hashes only, never a token. */
    static final String TOKENS = "hpc.tokens";
    private static final String NAME = "hpc.head.name";
    private static final String API = "hpc.head.api";
    private static final Duration INVOCATION_RETRY_PAUSE = Duration.ofMillis(20);

    private final HazelcastInstance hazelcast;
    /**
     * How many times this member began to merge into another cluster after a split. Hazelcast then takes
     * this member's data to the other cluster and resets it; a write that completes after the merge began
     * may be in neither (the fault suite saw acknowledged jobs lost so), so a write counts only if no merge
     * began while it ran.
     */
    private final AtomicLong merges = new AtomicLong();
    /** Members that left the head cluster since this one joined; a commit's wait for its backups watches it. */
    private final AtomicLong departures = new AtomicLong();
    private final Set<CompletableFuture<?>> writesGivenUp = ConcurrentHashMap.newKeySet();

    private HeadCluster(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                // only a departure ends a wait
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                departures.incrementAndGet();
            }
        });
        // a lifecycle listener runs as the event is fired, before the merge collects this member's data
        hazelcast.getLifecycleService().addLifecycleListener(e -> {
            if (e.getState() == LifecycleEvent.LifecycleState.MERGING) {
                merges.incrementAndGet();
            }
        });
    }

    /** How long this member's migration thread sleeps when it finds migrations paused ({@link MigrationPause}). */
    Optional<Duration> migrationPause() {
        return MigrationPause.current(hazelcast);
    }

    /** How many merges into another cluster this member began; see {@link #merges}. */
    public long merges() {
        return merges.get();
    }

    /** A commit's wait for its backups that gives up once a member has left the head cluster after this call. */
    BackupWait backupWaitFromNow() {
        long seen = departures.get();
        return new BackupWait(() -> departures.get() != seen, this::keepUntilDone);
    }

    private void keepUntilDone(CompletableFuture<?> write) {
        writesGivenUp.add(write);
        write.whenComplete((r, e) -> writesGivenUp.remove(write));
    }

    /**
     * Whether a write that a commit gave up on ({@link BackupWait}) is still under way: it may yet land over a
     * newer value, so the copies are not whole before it is done.
     */
    boolean writesInDoubt() {
        return !writesGivenUp.isEmpty();
    }

    /** Starts the member and joins (or forms) the head cluster named after the scheduler's cluster. */
    public static HeadCluster join(String cluster, String headName, String apiAddress, ReplicationConfig rc) {
        Config c = new Config();
        c.setClusterName("hpc-" + cluster);
        c.setInstanceName("hpc-" + cluster + "-" + headName);
        c.getMemberAttributeConfig().setAttribute(NAME, headName).setAttribute(API, apiAddress);
        c.setProperty("hazelcast.logging.type", "jdk");
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(rc.memberTimeout().getSeconds()));
        c.setProperty("hazelcast.operation.fail.on.indeterminate.state", "true");
        c.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        c.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        // A read of a partition whose owner just died is retried a few times at once, then every retry pause
        // (500 ms by default) until the backup is promoted: the takeover's first reads waited out that pause after
        // promotions that took 50 ms. The retry budget stays about what it was (Hazelcast's own: 250 x 500 ms).
        c.setProperty("hazelcast.invocation.retry.pause.millis", String.valueOf(INVOCATION_RETRY_PAUSE.toMillis()));
        c.setProperty("hazelcast.invocation.max.retry.count",
                String.valueOf(Duration.ofSeconds(125).dividedBy(INVOCATION_RETRY_PAUSE)));
        c.getSerializationConfig().addDataSerializableFactory(SetIfNewer.FACTORY_ID, SetIfNewer.factory());
        NetworkConfig n = c.getNetworkConfig();
        n.setPort(rc.port()).setPortAutoIncrement(false);
        n.getInterfaces().setEnabled(true).addInterface(rc.bindHost());
        if (!rc.publicAddress().isEmpty()) {
            n.setPublicAddress(rc.publicAddress());
        }
        JoinConfig j = n.getJoin();
        j.getMulticastConfig().setEnabled(false);
        j.getAutoDetectionConfig().setEnabled(false);
        j.getTcpIpConfig().setEnabled(true).setMembers(rc.members()).setConnectionTimeoutSeconds(2);
        // After a split heals, the head of the newer epoch must win entry by entry; Hazelcast's default keeps
        // whichever entry already exists and would drop its updates.
        MapConfig replicated = new MapConfig("hpc.*").setBackupCount(1).setAsyncBackupCount(0)
                .setPerEntryStatsEnabled(true)
                .setMergePolicyConfig(new MergePolicyConfig(NewerVersionMergePolicy.class.getName(), 1000));
        c.addMapConfig(replicated);
        // a merge must not bring back a job that a deposed head wrote and nobody holds (HeldJobsMergePolicy)
        c.addMapConfig(new MapConfig(replicated).setName(JOBS)
                .setMergePolicyConfig(new MergePolicyConfig(HeldJobsMergePolicy.class.getName(), 1000)));
        try {
            HazelcastInstance member = Hazelcast.newHazelcastInstance(c);
            MigrationPause.shorten(member, MigrationPause.CHECK_EVERY);
            return new HeadCluster(member);
        } catch (RuntimeException e) {
            throw new HpcException("cannot join the head cluster on " + rc.bindHost() + ":" + rc.port() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code entries} one key at a time and waits until each is on its backup too. {@code IMap.putAll}
     * does not wait for backups at all (Hazelcast: "operations affecting multiple keys usually do not wait for
     * backup responses"), so an acknowledgement after it could precede the standby's copy: the fault suite lost
     * jobs acknowledged in the milliseconds before a cut so. A single-key write with a missing backup fails
     * instead ({@code hazelcast.operation.fail.on.indeterminate.state}), or sooner as {@code wait} says.
     */
    static <K> void putAwaitingBackups(IMap<K, String> map, Map<K, String> entries, BackupWait wait) {
        List<CompletableFuture<Void>> writes = new ArrayList<>(Math.min(entries.size(),
                WRITES_IN_FLIGHT));
        for (Map.Entry<K, String> e : entries.entrySet()) {
            writes.add(map.setAsync(e.getKey(), e.getValue()).toCompletableFuture());
            if (writes.size() == WRITES_IN_FLIGHT) {
                awaitAll(writes, wait);
            }
        }
        awaitAll(writes, wait);
    }

    /**
     * As {@link #putAwaitingBackups}, for bodies that carry a version (jobs, nodes): each is set only when it is at
     * least as new as the entry there ({@link SetIfNewer}). An entry newer than this head's write means a head of
     * a newer epoch wrote it: the write fails with {@link StaleWriteException}.
     */
    static <K> void putNewerAwaitingBackups(IMap<K, String> map, Map<K, String> entries, BackupWait wait) {
        List<Map.Entry<K, CompletableFuture<Boolean>>> writes = new ArrayList<>(
                Math.min(entries.size(), WRITES_IN_FLIGHT));
        for (Map.Entry<K, String> e : entries.entrySet()) {
            writes.add(Map.entry(e.getKey(), map.submitToKey(e.getKey(), new SetIfNewer<K>(e.getValue()))
                    .toCompletableFuture()));
            if (writes.size() == WRITES_IN_FLIGHT) {
                awaitNewer(map.getName(), writes, wait);
            }
        }
        awaitNewer(map.getName(), writes, wait);
    }

    static <K> void awaitNewer(String map, List<Map.Entry<K, CompletableFuture<Boolean>>> writes, BackupWait wait) {
        K refused = null;
        try {
            for (Map.Entry<K, CompletableFuture<Boolean>> w : writes) {
                if (!wait.await(w.getValue()) && refused == null) {
                    refused = w.getKey();
                }
            }
        } catch (RuntimeException failed) {
            // the writes not awaited are still under way; and after a departure, a write refused as older than
            // the entry says more than the departure: a newer epoch leads
            for (Map.Entry<K, CompletableFuture<Boolean>> w : writes) {
                CompletableFuture<Boolean> f = w.getValue();
                if (failed instanceof BackupWait.MemberLeft && refused == null && f.isDone()
                        && !f.isCompletedExceptionally() && !f.join()) {
                    refused = w.getKey();
                }
                wait.giveUp(f);
            }
            if (refused == null) {
                throw failed;
            }
        }
        writes.clear();
        if (refused != null) {
            throw new StaleWriteException("the replicated map " + map + " holds a newer version of "
                    + refused + " than this head wrote: a head of a newer epoch leads");
        }
    }

    /** A recommit of a whole cluster's jobs is one batch: it goes out in windows, not all at once. */
    private static final int WRITES_IN_FLIGHT = 1024;

    private static void awaitAll(List<CompletableFuture<Void>> writes, BackupWait wait) {
        try {
            for (CompletableFuture<Void> w : writes) {
                wait.await(w);
            }
        } catch (RuntimeException failed) {
            writes.forEach(wait::giveUp); // the writes not awaited are still under way
            throw failed;
        }
        writes.clear();
    }

    public IMap<Long, String> jobs() {
        return hazelcast.getMap(JOBS);
    }

    /** Segments of arrays' sealed ended tasks, by {@link dev.hpc.api.job.TaskSegment#key}; written once each. */
    public IMap<String, String> segments() {
        return hazelcast.getMap(SEGMENTS);
    }

    /** Segments 0 to {@code count - 1} of a job, from the replicated map; a missing one fails the read. */
    public List<TaskSegment> segments(long job, int count) {
        return segments(job, 0, count);
    }

    /** Segments {@code from} to {@code count - 1} of a job, from the replicated map; a missing one fails. */
    public List<TaskSegment> segments(long job, int from, int count) {
        Set<String> keys = new LinkedHashSet<>();
        for (int i = from; i < count; i++) {
            keys.add(TaskSegment.key(job, i));
        }
        Map<String, String> found = segments().getAll(keys);
        List<TaskSegment> out = new ArrayList<>(count - from);
        for (String key : keys) {
            String body = found.get(key);
            if (body == null) {
                throw new HpcException("job " + job + " names " + count + " segments of ended tasks but segment "
                        + key + " is not in the replicated map");
            }
            out.add(Codec.readSegment(Json.readObject(body)));
        }
        return out;
    }

    /** Settings that commands change (qmgr's queues), by name; each a body with a version. */
    public IMap<String, String> settings() {
        return hazelcast.getMap(SETTINGS);
    }

    public IMap<String, String> nodes() {
        return hazelcast.getMap(NODES);
    }

    public IMap<String, String> tokens() {
        return hazelcast.getMap(TOKENS);
    }

    /** Each head's status line (role, epoch, pid, ...), keyed by head name; see {@link Leadership}. */
    public ReplicatedMap<String, String> heads() {
        return hazelcast.getReplicatedMap(HEADS);
    }

    IMap<String, Long> meta() {
        return hazelcast.getMap(META);
    }

    /** Whether this member is the oldest of the cluster it currently sees: the one that should be active. */
    public boolean isOldest() {
        Iterator<Member> members = hazelcast.getCluster().getMembers().iterator();
        return members.hasNext() && members.next().localMember();
    }

    /** The head names of the members this one sees, oldest first. */
    public List<HeadMember> members() {
        List<HeadMember> out = new ArrayList<>();
        for (Member m : hazelcast.getCluster().getMembers()) {
            out.add(new HeadMember(String.valueOf(m.getAttribute(NAME)), String.valueOf(m.getAttribute(API)),
                    m.localMember()));
        }
        return out;
    }

    public record HeadMember(String name, String apiAddress, boolean local) {
    }

    /**
     * The members this one sees, by their Hazelcast identity: a member that left and came back, or merged after
     * a split, has a new one.
     */
    Set<UUID> memberIds() {
        Set<UUID> ids = new HashSet<>();
        for (Member m : hazelcast.getCluster().getMembers()) {
            ids.add(m.getUuid());
        }
        return ids;
    }

    /**
     * Whether every partition has its backup in step with its primary and none is moving: only then does every
     * entry live on two members. Asks every member: for the leadership thread, not a commit.
     */
    boolean backupsInStep() {
        try {
            return hazelcast.getLifecycleService().isRunning() && hazelcast.getPartitionService().isClusterSafe();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether this member holds a replica (primary or backup) of every partition, with every backup in step and
     * none moving: only then do its maps hold everything the active head committed. A member that has just
     * joined holds some partitions, or none, until the migrations to it end. Hazelcast's partition table is
     * reached through the instance's internals; where that fails, the answer is no.
     */
    boolean holdsEveryPartition() {
        if (!backupsInStep()) {
            return false;
        }
        try {
            if (hazelcast instanceof HazelcastInstanceProxy proxy) {
                var node = proxy.getOriginal().node;
                var self = PartitionReplica.from(node.getLocalMember());
                for (var partition : node.getPartitionService().getInternalPartitions()) {
                    if (!partition.isOwnerOrBackup(self)) {
                        return false;
                    }
                }
                return backupsInStep();
            }
        } catch (RuntimeException | LinkageError e) {
            Logger.getLogger(HeadCluster.class.getName()).warning("cannot read the partition "
                    + "table (" + e + "); this head counts its copy as incomplete");
        }
        return false;
    }

    /**
     * Drops the member of head {@code headName} from this member's view of the head cluster now, as Hazelcast's
     * own heartbeat timeout would later: once the voters have granted this head the lease of a head that stopped
     * renewing it, that head is deposed, and waiting seconds more for Hazelcast to notice its silence only keeps
     * its partitions (and every read of them) waiting. Hazelcast has no public call for this; its member service
     * is reached through the instance's internals, and where that fails the heartbeat timeout still applies.
     *
     * @return whether the member was found and suspected
     */
    public boolean evict(String headName, String reason) {
        for (Member m : hazelcast.getCluster().getMembers()) {
            if (!m.localMember() && headName.equals(String.valueOf(m.getAttribute(NAME)))) {
                try {
                    if (hazelcast instanceof HazelcastInstanceProxy proxy) {
                        proxy.getOriginal().node.getClusterService().suspectMember(m, reason, true);
                        return true;
                    }
                } catch (RuntimeException | LinkageError e) {
                    Logger.getLogger(HeadCluster.class.getName()).warning("cannot drop head "
                            + headName + " from the head cluster at once (" + e + "); Hazelcast drops it after "
                            + "--head-timeout");
                }
                return false;
            }
        }
        return false;
    }

    public Optional<HeadMember> oldest() {
        return members().stream().findFirst();
    }

    public long raiseEpoch(long atLeast) {
        return meta().executeOnKey("epoch", new RaiseEpoch(atLeast));
    }

    public long epoch() {
        Long e = meta().get("epoch");
        return e == null ? 0 : e;
    }

    /** Calls {@code onChange} with the removed member's head name (or "" for an addition). */
    public void onMembershipChange(Consumer<String> onChange) {
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                onChange.accept("");
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                onChange.accept(String.valueOf(e.getMember().getAttribute(NAME)));
            }
        });
    }

    @Override
    public void close() {
        hazelcast.getLifecycleService().terminate();
    }
}
