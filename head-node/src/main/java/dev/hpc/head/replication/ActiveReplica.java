package dev.hpc.head.replication;

import dev.hpc.api.HpcException;
import dev.hpc.api.json.Json;
import dev.hpc.head.HeadService;
import dev.hpc.head.access.TokenRecord;
import dev.hpc.head.access.TokenRegistry;
import dev.hpc.head.lease.LeaseHolder;
import dev.hpc.head.store.JobStore;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The active head's replica: each commit of its store goes into the replicated maps, waiting for the standby's
 * backups. Runs on the store's writer thread. With a lease, a commit made once the lease has run out fails (and
 * this head stops), and one that may lack its backup is said to the voters ({@link SoleCopy}).
 */
final class ActiveReplica implements JobStore.Replica {
    private static final Logger LOG = Logger.getLogger(Leadership.class.getName());

    private final HeadCluster cluster;
    private final HeadService service;
    private final Optional<LeaseHolder> lease;
    private final Optional<SoleCopy> copies;

    ActiveReplica(HeadCluster cluster, HeadService service, Optional<LeaseHolder> lease, Optional<SoleCopy> copies) {
        this.cluster = cluster;
        this.service = service;
        this.lease = lease;
        this.copies = copies;
    }

    /** The active head's replica of its API tokens. */
    static TokenRegistry.Replica tokens(HeadCluster cluster) {
        return new TokenRegistry.Replica() {
            @Override
            public void put(TokenRecord token) {
                cluster.tokens().set(token.id(), Json.write(token.replicaMap()));
            }

            @Override
            public void remove(String id) {
                cluster.tokens().delete(id);
            }
        };
    }

    @Override
    public void put(Map<Long, String> jobs, Map<String, String> nodes, Map<String, String> segments,
                    Map<String, String> settings) {
        if (lease.isPresent() && !lease.get().holds()) {
            // the commit cannot know whether another head leads by now: it fails, and this head stops
            throw new HpcException("the lease of head " + service.config().name()
                    + " ran out before this commit was replicated");
        }
        if (copies.isPresent()) {
            putKnowingCopies(copies.get(), jobs, nodes, segments, settings);
            return;
        }
        long mergesBefore = cluster.merges();
        // without the voters to tell of a missing backup, a commit waits for it as long as Hazelcast does
        putAwaitingBackups(jobs, nodes, segments, settings, BackupWait.WHOLE);
        if (cluster.merges() != mergesBefore) {
            throw new HpcException("head " + service.config().name() + " began to merge into "
                    + "another head cluster while this commit was replicated: it may be in neither");
        }
    }

    @Override
    public void remove(Collection<Long> jobs, Collection<String> segments) {
        for (long number : jobs) {
            cluster.jobs().removeAsync(number);
        }
        for (String key : segments) {
            cluster.segments().removeAsync(key);
        }
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
            // a standby that leaves meanwhile never sends its backups: the doubt is known at once
            putAwaitingBackups(jobs, nodes, segments, settings, cluster.backupWaitFromNow());
        } catch (StaleWriteException e) {
            throw e; // not in doubt: a newer head leads, and this commit must fail
        } catch (RuntimeException e) {
            failure = e;
            LOG.warning("head " + service.config().name() + " could not replicate a commit (" + e
                    + "); its store has it");
        }
        sole.after(before, failure);
    }

    /**
     * Puts a commit into the maps, each put waiting for its backup: the segments first, which the job bodies
     * name, and job and node bodies only over older ones ({@link SetIfNewer}).
     */
    private void putAwaitingBackups(Map<Long, String> jobs, Map<String, String> nodes, Map<String, String> segments,
                                    Map<String, String> settings, BackupWait wait) {
        if (!segments.isEmpty()) {
            HeadCluster.putAwaitingBackups(cluster.segments(), segments, wait);
        }
        if (!settings.isEmpty()) {
            HeadCluster.putAwaitingBackups(cluster.settings(), settings, wait);
        }
        if (!jobs.isEmpty()) {
            HeadCluster.putNewerAwaitingBackups(cluster.jobs(), jobs, wait);
        }
        if (!nodes.isEmpty()) {
            HeadCluster.putNewerAwaitingBackups(cluster.nodes(), nodes, wait);
        }
    }
}
