package dev.hpc.head.replication;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.TaskSegment;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.head.HeadService;
import dev.hpc.head.SettingKeys;
import dev.hpc.head.access.TokenRecord;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.state.JobFilter;
import dev.hpc.head.store.JobStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A whole state and the replicated maps, for {@link Leadership}'s decision thread: a head that leads from its
 * own store puts all of it into the maps, and one that takes over from the maps builds its state from them.
 */
final class ReplicaState {
    private final HeadCluster cluster;
    private final HeadService service;
    private final JobStore store;
    private final Clock clock;

    ReplicaState(HeadCluster cluster, HeadService service, Clock clock) {
        this.cluster = cluster;
        this.service = service;
        this.store = service.store();
        this.clock = clock;
    }

    /** A head that starts alone holds the only copy: put it into the maps for the standbys to come. */
    void seed(ClusterState state) {
        Map<Long, String> jobs = new LinkedHashMap<>();
        Map<String, String> segments = new LinkedHashMap<>();
        long after = 0;
        while (true) {
            ClusterState.Page page = state.jobs(JobFilter.ALL, after, 1000);
            for (Job j : page.jobs()) {
                jobs.put(j.id().number(), Json.write(Codec.toStoredMap(j)));
                for (TaskSegment seg : j.segments()) {
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

    private record Outcome(long number, JobState state, int exitStatus) {
    }

    private static <T> T joined(CompletableFuture<T> read) {
        try {
            return read.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Builds the state from the replicated maps; history older than the keep time comes from the store. */
    ClusterState fromReplica(long epoch) {
        Instant now = clock.instant();
        Instant keepSince = now.minus(service.config().keepCompleted());
        ClusterState state = new ClusterState(service.config().cluster(), epoch, 1, service.config().maxRequeues());
        // the store's outcomes are read beside the maps, which wait for Hazelcast to promote the dead head's
        // backups, rather than before them: the store's read waits for its writer to fold what it mirrored
        CompletableFuture<List<Outcome>> outcomes = CompletableFuture.supplyAsync(() -> {
            List<Outcome> found = new ArrayList<>();
            store.loadOutcomes(keepSince, (number, ended, exit) -> found.add(new Outcome(number, ended, exit)));
            return found;
        }, read -> {
            // a thread of its own: the shared pool may be busy, and a takeover waits for this
            Thread t = new Thread(read, "takeover-outcomes");
            t.setDaemon(true);
            t.start();
        });
        List<Job> jobs = new ArrayList<>();
        for (String body : cluster.jobs().values()) {
            jobs.add(Codec.readJob(Json.readObject(body), cluster::segments));
        }
        for (Outcome o : joined(outcomes)) {
            state.restoreOutcome(o.number(), o.state(), o.exitStatus());
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
}
