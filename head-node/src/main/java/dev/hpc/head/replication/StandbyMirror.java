package dev.hpc.head.replication;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.hpc.head.access.TokenRecord;
import dev.hpc.head.access.TokenRegistry;
import dev.hpc.api.Codec;
import dev.hpc.api.Job;
import dev.hpc.api.Json;
import dev.hpc.api.NodeInfo;
import dev.hpc.head.store.JobStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps a standby's own H2 in step with the replicated maps, so that each head holds the history
 * and a cold start of any head finds a recent copy. Token records go into the head's token registry
 * too, so that a standby accepts the active head's tokens the moment it takes over. A copy of everything at the start, then every
 * change as the maps report it.
 */
final class StandbyMirror implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StandbyMirror.class.getName());
    private final HeadCluster cluster;
    private final JobStore store;
    private UUID jobsListener;
    private UUID nodesListener;
    private UUID tokensListener;
    private final TokenRegistry tokens;

    StandbyMirror(HeadCluster cluster, JobStore store, TokenRegistry tokens) {
        this.cluster = cluster;
        this.store = store;
        this.tokens = tokens;
    }

    void start() {
        jobsListener = cluster.jobs().addEntryListener(new JobsListener(), true);
        nodesListener = cluster.nodes().addEntryListener(new NodesListener(), true);
        tokensListener = cluster.tokens().addEntryListener(new TokensListener(), true);
        List<TokenRecord> records = new ArrayList<>();
        for (String body : cluster.tokens().values()) {
            records.add(TokenRecord.fromReplica(Json.readObject(body)));
        }
        tokens.mirrorAll(records);
        List<Job> batch = new ArrayList<>();
        for (Map.Entry<Long, String> e : cluster.jobs().entrySet()) {
            batch.add(Codec.readJob(Json.readObject(e.getValue())));
            if (batch.size() == 1000) {
                store.write(batch, List.of());
                batch = new ArrayList<>();
            }
        }
        List<NodeInfo> nodes = new ArrayList<>();
        for (String body : cluster.nodes().values()) {
            nodes.add(Codec.readNode(Json.readObject(body)));
        }
        store.write(batch, nodes).join();
    }

    private void job(EntryEvent<Long, String> e) {
        try {
            store.write(List.of(Codec.readJob(Json.readObject(e.getValue()))), List.of());
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "cannot mirror job " + e.getKey(), ex);
        }
    }

    private void node(EntryEvent<String, String> e) {
        try {
            store.write(List.of(), List.of(Codec.readNode(Json.readObject(e.getValue()))));
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "cannot mirror node " + e.getKey(), ex);
        }
    }

    private void token(EntryEvent<String, String> e) {
        try {
            if (e.getValue() == null) {
                tokens.mirrorRemoved(e.getKey());
            } else {
                tokens.mirror(TokenRecord.fromReplica(Json.readObject(e.getValue())));
            }
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "cannot mirror token " + e.getKey(), ex);
        }
    }

    /** Token records: added, changed or revoked on the active head. */
    private final class TokensListener implements EntryAddedListener<String, String>,
            EntryUpdatedListener<String, String>, EntryRemovedListener<String, String> {
        @Override
        public void entryAdded(EntryEvent<String, String> e) {
            token(e);
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> e) {
            token(e);
        }

        @Override
        public void entryRemoved(EntryEvent<String, String> e) {
            tokens.mirrorRemoved(e.getKey());
        }
    }

    private final class JobsListener implements EntryAddedListener<Long, String>, EntryUpdatedListener<Long, String> {
        @Override
        public void entryAdded(EntryEvent<Long, String> e) {
            job(e);
        }

        @Override
        public void entryUpdated(EntryEvent<Long, String> e) {
            job(e);
        }
    }

    private final class NodesListener implements EntryAddedListener<String, String>,
            EntryUpdatedListener<String, String> {
        @Override
        public void entryAdded(EntryEvent<String, String> e) {
            node(e);
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> e) {
            node(e);
        }
    }

    @Override
    public void close() {
        if (jobsListener != null) {
            cluster.jobs().removeEntryListener(jobsListener);
            cluster.nodes().removeEntryListener(nodesListener);
            cluster.tokens().removeEntryListener(tokensListener);
            jobsListener = null;
        }
    }
}
