package dev.hpc.head.replication;

import com.hazelcast.core.EntryEvent;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.TaskSegment;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.head.access.TokenRecord;
import dev.hpc.head.access.TokenRegistry;
import dev.hpc.head.store.JobStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps a standby's own H2 in step with the replicated maps, so that each head holds the history
 * and a cold start of any head finds a recent copy. Token records go into the head's token registry
 * too, so that a standby accepts the active head's tokens the moment it takes over. A copy of everything at the start, then every
 * change as the maps report it.
 *
 * <p>Job changes are gathered for {@link #JOB_DELAY} and written together, each job once in its newest
 * version: a short job is submitted, started and ended within that time, and writing all three to H2
 * (after parsing each) cost the standby more than the active head spent on the job. Nothing waits for
 * this copy (the replicated maps are what a takeover starts from), and {@link #close} writes what is
 * gathered before the head becomes active, so the newest version is always the one written last.
 */
final class StandbyMirror implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StandbyMirror.class.getName());
    private final HeadCluster cluster;
    private final JobStore store;
    private UUID jobsListener;
    private UUID nodesListener;
    private UUID tokensListener;
    private UUID settingsListener;
    private final TokenRegistry tokens;
    static final Duration JOB_DELAY = Duration.ofMillis(100);
    /** The newest body of each job changed since the last write, by number; guarded by itself. */
    private final Map<Long, String> gathered = new LinkedHashMap<>();
    private boolean writeScheduled;
    /** Set by {@link #start}, shut by {@link #close}: a head may be standby more than once. */
    private volatile ScheduledExecutorService writer;

    private final Duration jobDelay;
    /**
     * The segments of sealed tasks of each live job read so far: a segment never changes, so each is read from
     * the map once and written to the store once, not at every change of its job (issue 15).
     */
    private final Map<Long, List<TaskSegment>> segmentsRead = new ConcurrentHashMap<>();

    StandbyMirror(HeadCluster cluster, JobStore store, TokenRegistry tokens) {
        this(cluster, store, tokens, JOB_DELAY);
    }

    StandbyMirror(HeadCluster cluster, JobStore store, TokenRegistry tokens, Duration jobDelay) {
        this.jobDelay = jobDelay;
        this.cluster = cluster;
        this.store = store;
        this.tokens = tokens;
    }

    void start() {
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "standby-mirror");
            t.setDaemon(true);
            return t;
        });
        // close() writes what is gathered itself, at once, rather than waiting for the gathering time
        w.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        synchronized (gathered) {
            gathered.clear(); // heard after a close: older than what this head wrote while active
            writeScheduled = false;
        }
        // a job that left the maps (expired) needs its segments no more
        jobsListener = cluster.jobs().addEntryListener(new EntryWrites.AndRemovals<Long>(this::job,
                e -> segmentsRead.remove(e.getKey())), true);
        nodesListener = cluster.nodes().addEntryListener(new EntryWrites<String>(this::node), true);
        // a token revoked on the active head leaves the map: the removal revokes it here
        tokensListener = cluster.tokens().addEntryListener(new EntryWrites.AndRemovals<String>(this::token,
                this::token), true);
        // qmgr's queues: written as they come; the store keeps the newer version
        settingsListener = cluster.settings().addEntryListener(new EntryWrites<String>(this::setting), true);
        List<TokenRecord> records = new ArrayList<>();
        for (String body : cluster.tokens().values()) {
            records.add(TokenRecord.fromReplica(Json.readObject(body)));
        }
        tokens.mirrorAll(records);
        // a revocation heard between the read above and mirrorAll was undone by it: undo that
        for (TokenRecord r : records) {
            if (!cluster.tokens().containsKey(r.id())) {
                tokens.mirrorRemoved(r.id());
            }
        }
        segmentsRead.clear(); // a head may be standby more than once: read what the maps hold now
        List<Job> batch = new ArrayList<>();
        List<TaskSegment> fresh = new ArrayList<>();
        for (Map.Entry<Long, String> e : cluster.jobs().entrySet()) {
            batch.add(readJob(e.getValue(), fresh));
            if (batch.size() == 1000) {
                store.write(batch, List.of(), fresh);
                batch = new ArrayList<>();
                fresh = new ArrayList<>();
            }
        }
        List<NodeInfo> nodes = new ArrayList<>();
        for (String body : cluster.nodes().values()) {
            nodes.add(Codec.readNode(Json.readObject(body)));
        }
        store.write(batch, nodes, fresh, Map.copyOf(cluster.settings())).join();
        // only now may gathered changes be written: they are newer than the copy above, so they go after it
        ScheduledExecutorService started = w;
        synchronized (gathered) {
            writer = w;
            if (gathered.isEmpty()) {
                return;
            }
            writeScheduled = true;
        }
        started.schedule(this::writeGathered, jobDelay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A job's body from the map with its segments: those read before from this mirror's memory, the rest from
     * the map, added to {@code fresh} for the store. The active head puts a segment before any body naming it.
     */
    private Job readJob(String body, List<TaskSegment> fresh) {
        return Codec.readJob(Json.readObject(body), (job, count) -> {
            List<TaskSegment> known = segmentsRead.getOrDefault(job, List.of());
            if (known.size() >= count) {
                return known.subList(0, count);
            }
            List<TaskSegment> all = new ArrayList<>(known);
            List<TaskSegment> read = cluster.segments(job, known.size(), count);
            all.addAll(read);
            fresh.addAll(read);
            segmentsRead.put(job, all);
            return all;
        });
    }

    private void job(EntryEvent<Long, String> e) {
        ScheduledExecutorService w;
        synchronized (gathered) {
            w = writer;
            // events of one key arrive in order, so the last body put is the newest
            gathered.put(e.getKey(), e.getValue());
            if (writeScheduled || w == null) {
                return;
            }
            writeScheduled = true;
        }
        try {
            w.schedule(this::writeGathered, jobDelay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            synchronized (gathered) {
                writeScheduled = false; // close() writes what is gathered
            }
        }
    }

    /**
     * Hands the gathered jobs to the store as one write. It does not wait for the commit: the store
     * commits writes in the order it is given them, so what a head writes once active comes after.
     */
    private void writeGathered() {
        Map<Long, String> bodies;
        synchronized (gathered) {
            bodies = new LinkedHashMap<>(gathered);
            gathered.clear();
            writeScheduled = false;
        }
        List<Job> jobs = new ArrayList<>(bodies.size());
        List<TaskSegment> fresh = new ArrayList<>();
        for (Map.Entry<Long, String> b : bodies.entrySet()) {
            try {
                jobs.add(readJob(b.getValue(), fresh));
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "cannot mirror job " + b.getKey(), ex);
            }
        }
        store.write(jobs, List.of(), bodies, fresh, Map.of(), Map.of()).whenComplete((v, ex) -> {
            if (ex != null) {
                LOG.log(Level.WARNING, "cannot mirror " + jobs.size() + " jobs", ex);
            }
        });
    }

    /** The body of job {@code number} gathered and not yet handed to the store; for tests. */
    Optional<String> gathered(long number) {
        synchronized (gathered) {
            return Optional.ofNullable(gathered.get(number));
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

    private void setting(EntryEvent<String, String> e) {
        store.write(List.of(), List.of(), List.of(), Map.of(e.getKey(), e.getValue())).whenComplete((v, ex) -> {
            if (ex != null) {
                LOG.log(Level.WARNING, "cannot mirror setting " + e.getKey(), ex);
            }
        });
    }

    @Override
    public void close() {
        if (jobsListener != null) {
            cluster.jobs().removeEntryListener(jobsListener);
            cluster.nodes().removeEntryListener(nodesListener);
            cluster.tokens().removeEntryListener(tokensListener);
            cluster.settings().removeEntryListener(settingsListener);
            jobsListener = null;
        }
        ScheduledExecutorService w = writer;
        if (w != null) {
            w.shutdown();
            try {
                // a gathering under way is only parsing: it hands its write over within milliseconds
                if (!w.awaitTermination(30, TimeUnit.SECONDS)) {
                    LOG.warning("the standby's last mirror gathering did not end within 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            writer = null;
        }
        writeGathered();
    }
}
