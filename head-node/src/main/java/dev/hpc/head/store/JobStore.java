package dev.hpc.head.store;

import dev.hpc.api.HpcException;
import dev.hpc.api.job.Alert;
import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Task;
import dev.hpc.api.job.TaskSegment;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Jobs, nodes and counters in an H2 database of this head's own. */
public final class JobStore implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JobStore.class.getName());
    /** Attempts whose usage this store wrote lately: a job written again does not write it again. */
    private final Set<Long> charged = Collections.newSetFromMap(
            new LinkedHashMap<Long, Boolean>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                    return size() > 100_000;
                }
            });
    /** The event log keeps about this many of the newest alerts. */
    private static final long EVENTS_KEPT = 100_000;

    private final Connection writeConnection;
    private final Connection readConnection;
    private final TokenStore tokens;
    private final BlockingQueue<Write> pending = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private volatile boolean closing;
    /** When the writer last came round its loop: it does every 200 ms when idle, after each commit when busy. */
    private volatile long writerTurnNanos = System.nanoTime();
    /** Whether the writer waits for the head cluster (the standby's backups) rather than for this head's disk. */
    private volatile boolean replicating;
    /** The failure of a commit; from then on every write is refused. */
    private volatile Exception failure;
    private volatile Replica replica = Replica.NONE;
    private volatile Instant lastCommit = Instant.EPOCH;
    /** Told how long each batch took to replicate and commit, in nanoseconds (on the writer thread). */
    private volatile LongConsumer commitTimes = nanos -> { };

    /**
     * Where committed changes are replicated before they count as written: the standby heads. A
     * batch whose replication fails is not committed and every waiting caller gets the failure.
     */
    public interface Replica {
        Replica NONE = (jobs, nodes, segments, settings) -> { };

        /**
         * Replicates a commit: job and node bodies by key, the segments of sealed tasks the jobs name
         * ({@link TaskSegment#key}), which must be in place before any body that names them, and the cluster's
         * settings that commands change (the queues of {@code qmgr}), by name.
         */
        void put(Map<Long, String> jobs, Map<String, String> nodes, Map<String, String> segments,
                 Map<String, String> settings);

        /**
         * Jobs no longer live and their segments: the replicas may drop them (each head's store keeps them as
         * history).
         */
        default void remove(Collection<Long> jobs, Collection<String> segments) {
        }
    }

    /** Finished jobs past the keep time leave the replicas, which hold only what a takeover needs. */
    public void forgetLive(Collection<Long> jobs, Collection<String> segments) {
        if (!jobs.isEmpty()) {
            replica.remove(jobs, segments);
        }
    }

    public void replicateTo(Replica target) {
        this.replica = target;
    }

    /** When the last batch was committed (and replicated, when a replica is set). */
    public Instant lastCommit() {
        return lastCommit;
    }

    /**
     * {@code bodies}: jobs' JSON as already rendered by {@link Codec#toStoredMap} (a standby's mirror has it), by
     * number; {@code segmentBodies} likewise for {@code segments}, by key.
     */
    private record Write(List<Job> jobs, List<NodeInfo> nodes, Map<Long, String> bodies, List<TaskSegment> segments,
                         Map<String, String> segmentBodies, Map<String, String> settings,
                         CompletableFuture<Void> done) {
    }

    private JobStore(Connection write, Connection read, Connection tokens) {
        this.writeConnection = write;
        this.readConnection = read;
        this.tokens = new TokenStore(tokens);
        this.writer = new Thread(this::writeLoop, "job-store-writer");
        this.writer.setDaemon(true);
    }

    /** Opens (creating when new) the database in {@code dir}; a second process on the same files fails. */
    public static JobStore open(Path dir) {
        try {
            Files.createDirectories(dir);
            // in-place LOBs up to 32 KiB: a job's body (~1-2 KiB) in H2's separate LOB storage made every
            // commit create and delete a LOB, 2.5 times the cost of the row itself (docs/performance.md)
            String url = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("hpc")
                    + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;MAX_LENGTH_INPLACE_LOB=32768";
            Connection write = DriverManager.getConnection(url, "hpc", "");
            write.setAutoCommit(false);
            SchemaMigrations.apply(write);
            Connection read = DriverManager.getConnection(url, "hpc", "");
            read.setAutoCommit(true);
            Connection tokens = DriverManager.getConnection(url, "hpc", "");
            tokens.setAutoCommit(true);
            JobStore store = new JobStore(write, read, tokens);
            store.writer.start();
            return store;
        } catch (SQLException e) {
            if (e.getErrorCode() == 90020) {
                throw new HpcException("the database in " + dir + " is in use by another process; is another head "
                        + "running with the same --data-dir?", e);
            }
            throw new HpcException("cannot open the database in " + dir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new HpcException("cannot create the data directory " + dir + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ writing

    /** Queues jobs and nodes to be written; the future completes once they are committed. */
    public CompletableFuture<Void> write(List<Job> jobs, List<NodeInfo> nodes) {
        return write(jobs, nodes, List.of());
    }

    /**
     * As {@link #write(List, List)}, with segments of sealed tasks the jobs name: the segments are written first,
     * in the same commit. A segment never changes, so writing one again changes nothing.
     */
    public CompletableFuture<Void> write(List<Job> jobs, List<NodeInfo> nodes, List<TaskSegment> segments) {
        return write(jobs, nodes, Map.of(), segments, Map.of(), Map.of());
    }

    /**
     * As {@link #write(List, List, List)}, with settings by name: each a JSON body with a {@code version}; an
     * older version never overwrites a newer one.
     */
    public CompletableFuture<Void> write(List<Job> jobs, List<NodeInfo> nodes, List<TaskSegment> segments,
                                         Map<String, String> settings) {
        return write(jobs, nodes, Map.of(), segments, Map.of(), settings);
    }

    /**
     * As {@link #write(List, List, List)}, with the jobs' bodies already rendered as {@code
     * Json.write(Codec.toStoredMap(job))}, by job number, and the segments' as {@code
     * Json.write(Codec.toMap(segment))}, by key, so that they are not rendered again; one missing is rendered.
     */
    public CompletableFuture<Void> write(List<Job> jobs, List<NodeInfo> nodes, Map<Long, String> bodies,
                                         List<TaskSegment> segments, Map<String, String> segmentBodies,
                                         Map<String, String> settings) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (jobs.isEmpty() && nodes.isEmpty() && segments.isEmpty() && settings.isEmpty()) {
            done.complete(null);
            return done;
        }
        if (closing) {
            done.completeExceptionally(new HpcException("the store is closing"));
            return done;
        }
        Exception failed = failure;
        if (failed != null) {
            done.completeExceptionally(new HpcException("the store refuses writes after a failed commit: "
                    + failed.getMessage(), failed));
            return done;
        }
        pending.add(new Write(List.copyOf(jobs), List.copyOf(nodes), Map.copyOf(bodies), List.copyOf(segments),
                Map.copyOf(segmentBodies), Map.copyOf(settings), done));
        return done;
    }

    private void writeLoop() {
        List<Write> batch = new ArrayList<>();
        while (!closing || !pending.isEmpty()) {
            writerTurnNanos = System.nanoTime();
            try {
                Write first = pending.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                pending.drainTo(batch, 10_000);
                long began = System.nanoTime();
                commit(batch);
                commitTimes.accept(System.nanoTime() - began);
                commits.incrementAndGet();
                for (Write w : batch) {
                    w.done.complete(null);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                writeFailures.incrementAndGet();
                LOG.log(Level.SEVERE, "store write of " + batch.size() + " changes failed", e);
                try {
                    writeConnection.rollback();
                } catch (SQLException ignored) {
                    // the failure is already reported to every waiting caller
                }
                // Nothing after a failed commit may land: a later batch would be durable while an earlier
                // one is not, and the head that wrote them stops being active anyway (fail-stop).
                failure = e;
                pending.drainTo(batch);
                for (Write w : batch) {
                    w.done.completeExceptionally(e);
                }
            } finally {
                batch.clear();
            }
        }
    }

    private void commit(List<Write> batch) throws SQLException {
        Map<Long, Job> jobs = new LinkedHashMap<>();
        Map<String, NodeInfo> nodes = new LinkedHashMap<>();
        Map<Long, String> rendered = new HashMap<>();
        Map<String, TaskSegment> segments = new LinkedHashMap<>();
        Map<String, String> segmentBodies = new LinkedHashMap<>();
        Map<String, String> settings = new LinkedHashMap<>();
        for (Write w : batch) {
            w.settings.forEach((k, body) -> settings.merge(k, body, (a, b) -> version(a) > version(b) ? a : b));
            for (TaskSegment s : w.segments) {
                segments.putIfAbsent(s.key(), s);
                String body = w.segmentBodies.get(s.key());
                segmentBodies.putIfAbsent(s.key(), body != null ? body : Json.write(Codec.toMap(s)));
            }
            for (Job j : w.jobs) {
                Job kept = jobs.merge(j.id().number(), j, (a, b) -> a.version() > b.version() ? a : b);
                String body = w.bodies.get(j.id().number());
                if (kept == j && body != null) {
                    rendered.put(j.id().number(), body);
                } else if (kept == j) {
                    rendered.remove(j.id().number());
                }
            }
            for (NodeInfo n : w.nodes) {
                nodes.merge(n.name(), n, (a, b) -> a.version() > b.version() ? a : b);
            }
        }
        Map<Long, String> jobBodies = new LinkedHashMap<>();
        for (Job j : jobs.values()) {
            String body = rendered.get(j.id().number());
            jobBodies.put(j.id().number(), body != null ? body : Json.write(Codec.toStoredMap(j)));
        }
        Map<String, String> nodeBodies = new LinkedHashMap<>();
        for (NodeInfo n : nodes.values()) {
            nodeBodies.put(n.name(), Json.write(Codec.toMap(n)));
        }
        replicating = true;
        try {
            replica.put(jobBodies, nodeBodies, segmentBodies, settings);
        } finally {
            replicating = false;
        }
        if (!settings.isEmpty()) {
            try (PreparedStatement ps = writeConnection.prepareStatement("MERGE INTO settings t USING (VALUES (CAST(? "
                    + "AS VARCHAR), CAST(? AS BIGINT), CAST(? AS CLOB))) s(k, version, body) ON t.k = s.k "
                    + "WHEN MATCHED AND t.version < s.version THEN UPDATE SET version = s.version, body = s.body "
                    + "WHEN NOT MATCHED THEN INSERT VALUES (s.k, s.version, s.body)")) {
                for (Map.Entry<String, String> e : settings.entrySet()) {
                    ps.setString(1, e.getKey());
                    ps.setLong(2, version(e.getValue()));
                    ps.setString(3, e.getValue());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        if (!segments.isEmpty()) {
            // written once; a segment written again (a recommit, a mirror) is the same and changes nothing
            try (PreparedStatement ps = writeConnection.prepareStatement("MERGE INTO task_segments t USING (VALUES "
                    + "(CAST(? AS BIGINT), CAST(? AS INT), CAST(? AS BIGINT), CAST(? AS CLOB))) s(job, segment, "
                    + "version, body) ON t.job = s.job AND t.segment = s.segment "
                    + "WHEN MATCHED AND t.version < s.version THEN UPDATE SET version = s.version, body = s.body "
                    + "WHEN NOT MATCHED THEN INSERT VALUES (s.job, s.segment, s.version, s.body)")) {
                for (TaskSegment seg : segments.values()) {
                    ps.setLong(1, seg.job());
                    ps.setInt(2, seg.number());
                    ps.setLong(3, seg.version());
                    ps.setString(4, segmentBodies.get(seg.key()));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        if (!jobs.isEmpty()) {
            // An older version never overwrites a newer one, whoever writes it and in whatever order.
            try (PreparedStatement ps = writeConnection.prepareStatement("MERGE INTO jobs t USING (VALUES (CAST(? AS "
                    + "BIGINT), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS BOOLEAN), "
                    + "CAST(? AS INT), CAST(? AS TIMESTAMP WITH TIME ZONE), CAST(? AS TIMESTAMP WITH TIME ZONE), "
                    + "CAST(? AS BIGINT), CAST(? AS CLOB))) s(number, state, owner, queue, terminal, exit_status, "
                    + "submitted, ended, version, body) ON t.number = s.number "
                    + "WHEN MATCHED AND t.version < s.version THEN UPDATE SET state = s.state, owner = s.owner, "
                    + "queue = s.queue, terminal = s.terminal, exit_status = s.exit_status, submitted = s.submitted, "
                    + "ended = s.ended, version = s.version, body = s.body "
                    + "WHEN NOT MATCHED THEN INSERT VALUES (s.number, s.state, s.owner, s.queue, s.terminal, "
                    + "s.exit_status, s.submitted, s.ended, s.version, s.body)")) {
                for (Job j : jobs.values()) {
                    ps.setLong(1, j.id().number());
                    ps.setString(2, j.state().name());
                    ps.setString(3, j.spec().owner());
                    ps.setString(4, j.spec().queue());
                    ps.setBoolean(5, j.state().isTerminal());
                    ps.setInt(6, j.exitStatus());
                    ps.setObject(7, j.submitted().atOffset(ZoneOffset.UTC));
                    ps.setObject(8, j.state().isTerminal() ? j.ended().atOffset(ZoneOffset.UTC) : null);
                    ps.setLong(9, j.version());
                    ps.setString(10, jobBodies.get(j.id().number()));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        if (!nodes.isEmpty()) {
            // An older version never overwrites a newer one; the same version may (a node never committed is 0).
            try (PreparedStatement ps = writeConnection.prepareStatement("MERGE INTO nodes t USING (VALUES (CAST(? "
                    + "AS VARCHAR), CAST(? AS CLOB), CAST(? AS BIGINT))) s(name, body, version) ON t.name = s.name "
                    + "WHEN MATCHED AND t.version <= s.version THEN UPDATE SET body = s.body, version = s.version "
                    + "WHEN NOT MATCHED THEN INSERT (name, body, version) VALUES (s.name, s.body, s.version)")) {
                for (NodeInfo n : nodes.values()) {
                    ps.setString(1, n.name());
                    ps.setString(2, nodeBodies.get(n.name()));
                    ps.setLong(3, n.version());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        recordUsage(jobs.values(), segments.values());
        writeConnection.commit();
        lastCommit = Instant.now();
    }

    /**
     * Records the usage of every ended attempt of the jobs written (cores times run time), once per
     * attempt: the rows are keyed by attempt id, so a job written again, or mirrored by a standby,
     * writes the same rows. Part of the same commit as the jobs.
     */
    private void recordUsage(Collection<Job> jobs, Collection<TaskSegment> segments)
            throws SQLException {
        Map<Long, String> owners = new HashMap<>();
        List<Map.Entry<String, List<Task>>> tasks = new ArrayList<>();
        for (Job j : jobs) {
            owners.put(j.id().number(), j.spec().owner());
            tasks.add(Map.entry(j.spec().owner(), j.listedTasks())); // unstarted tasks have no attempts
        }
        for (TaskSegment s : segments) {
            // a task may end and be sealed in one commit: its usage is charged with its segment, once
            String owner = owners.get(s.job());
            if (owner != null) {
                tasks.add(Map.entry(owner, s.tasks()));
            }
        }
        PreparedStatement ps = null;
        try {
            for (Map.Entry<String, List<Task>> owned : tasks) {
                for (Task t : owned.getValue()) {
                    for (Attempt a : t.attempts()) {
                        if (a.isOpen() || a.end().isBefore(a.start()) || charged.contains(a.id())) {
                            continue;
                        }
                        if (ps == null) {
                            ps = writeConnection.prepareStatement("MERGE INTO usage (attempt, owner, core_seconds, "
                                    + "ended) KEY (attempt) VALUES (?, ?, ?, ?)");
                        }
                        int cores = 0;
                        for (NodeSlot s : a.nodes()) {
                            cores += s.cores();
                        }
                        ps.setLong(1, a.id());
                        ps.setString(2, owned.getKey());
                        ps.setDouble(3, cores * (Duration.between(a.start(), a.end()).toMillis() / 1000.0));
                        ps.setObject(4, a.end().atOffset(ZoneOffset.UTC));
                        ps.addBatch();
                        charged.add(a.id());
                    }
                }
            }
            if (ps != null) {
                ps.executeBatch();
            }
        } finally {
            if (ps != null) {
                ps.close();
            }
        }
    }

    /**
     * Each user's usage decayed to {@code now} with the given half-life, from the attempts recorded
     * in this store; rows older than 30 half-lives (worth less than a billionth) are deleted.
     */
    public void loadUsage(Instant now, Duration halfLife, UsageSink sink) {
        Instant cutoff = now.minus(halfLife.multipliedBy(30));
        synchronized (this) {
            try (PreparedStatement del = readConnection.prepareStatement("DELETE FROM usage WHERE ended < ?")) {
                del.setObject(1, cutoff.atOffset(ZoneOffset.UTC));
                del.executeUpdate();
            } catch (SQLException e) {
                LOG.log(Level.WARNING, "cannot prune old usage records", e);
            }
        }
        query("SELECT owner, SUM(core_seconds * POWER(0.5, DATEDIFF('MILLISECOND', ended, ?) / ?)) FROM usage "
                + "GROUP BY owner ORDER BY owner", ps -> {
                    ps.setObject(1, now.atOffset(ZoneOffset.UTC));
                    ps.setDouble(2, (double) halfLife.toMillis());
                }, rs -> sink.accept(rs.getString(1), rs.getDouble(2), now));
    }

    public interface UsageSink {
        void accept(String user, double coreSeconds, Instant asOf);
    }

    /**
     * Raises the stored epoch above both its stored value and {@code atLeast}, and returns it,
     * synchronously: a head calls it as it becomes active, so an epoch is never reused.
     */
    public synchronized long nextEpoch(long atLeast) {
        long epoch = Math.max(epoch(), atLeast) + 1;
        recordEpoch(epoch);
        return epoch;
    }

    /** The highest epoch this store has seen. */
    public synchronized long epoch() {
        try (Statement s = readConnection.createStatement();
             ResultSet rs = s.executeQuery("SELECT v FROM meta WHERE k = 'epoch'")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            throw new HpcException("cannot read the epoch from the store: " + e.getMessage(), e);
        }
    }

    /** Remembers an epoch raised elsewhere (by the replicated epoch of the head cluster). */
    public synchronized void recordEpoch(long epoch) {
        try (Statement s = readConnection.createStatement()) {
            s.execute("MERGE INTO meta KEY (k) VALUES ('epoch', GREATEST(COALESCE((SELECT v FROM meta WHERE k = "
                    + "'epoch'), 0), " + epoch + "))");
        } catch (SQLException e) {
            throw new HpcException("cannot raise the epoch in the store: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ reading

    /** Every job not yet finished, and those finished after {@code keepSince}, in number order. */
    public void loadLive(Instant keepSince, Consumer<Job> sink) {
        query("SELECT body FROM jobs WHERE terminal = FALSE OR ended >= ? ORDER BY number", ps -> {
            ps.setObject(1, keepSince.atOffset(ZoneOffset.UTC));
        }, rs -> sink.accept(readJob(rs.getString(1))));
    }

    private static long version(String body) {
        return Json.readObject(body).longValue("version", 0);
    }

    /** A setting that commands change (qmgr's queues), as last committed; empty when none was. */
    public Optional<String> setting(String key) {
        List<String> out = new ArrayList<>();
        query("SELECT body FROM settings WHERE k = ?", ps -> ps.setString(1, key), rs -> out.add(rs.getString(1)));
        return out.stream().findFirst();
    }

    /** A job as stored, with its segments of sealed tasks from this store. */
    private Job readJob(String body) {
        return Codec.readJob(Json.readObject(body), this::segments);
    }

    /** Segments 0 to {@code count - 1} of a job, from this store; a missing one is a broken store. */
    private List<TaskSegment> segments(long job, int count) {
        List<TaskSegment> out = new ArrayList<>(count);
        query("SELECT body FROM task_segments WHERE job = ? AND segment < ? ORDER BY segment", ps -> {
            ps.setLong(1, job);
            ps.setInt(2, count);
        }, rs -> out.add(Codec.readSegment(Json.readObject(rs.getString(1)))));
        if (out.size() != count) {
            throw new HpcException("job " + job + " names " + count + " segments of ended tasks but the store holds "
                    + out.size() + " of them");
        }
        return out;
    }

    /** How every finished job before {@code keepSince} ended, for dependencies that name them. */
    public void loadOutcomes(Instant keepSince, OutcomeSink sink) {
        query("SELECT number, state, exit_status FROM jobs WHERE terminal = TRUE AND ended < ?",
                ps -> ps.setObject(1, keepSince.atOffset(ZoneOffset.UTC)),
                rs -> sink.accept(rs.getLong(1), JobState.valueOf(rs.getString(2)), rs.getInt(3)));
    }

    public interface OutcomeSink {
        void accept(long number, JobState state, int exitStatus);
    }

    public List<NodeInfo> loadNodes() {
        List<NodeInfo> out = new ArrayList<>();
        query("SELECT body FROM nodes ORDER BY name", ps -> {
        }, rs -> out.add(Codec.readNode(Json.readObject(rs.getString(1)))));
        return out;
    }

    public Optional<Job> job(long number) {
        List<Job> out = new ArrayList<>();
        query("SELECT body FROM jobs WHERE number = ?", ps -> ps.setLong(1, number),
                rs -> out.add(readJob(rs.getString(1))));
        return out.stream().findFirst();
    }

    /**
     * Every job that may have something in {@code [start, end)} for a usage report: submitted before the end and
     * not ended before the start, in number order; only {@code owner}'s when it is not empty.
     */
    public void forEachJobIn(Instant start, Instant end, String owner, Consumer<Job> sink) {
        query("SELECT body FROM jobs WHERE submitted < ? AND (terminal = FALSE OR ended >= ?)"
                + (owner.isEmpty() ? "" : " AND owner = ?") + " ORDER BY number", ps -> {
                    ps.setObject(1, end.atOffset(ZoneOffset.UTC));
                    ps.setObject(2, start.atOffset(ZoneOffset.UTC));
                    if (!owner.isEmpty()) {
                        ps.setString(3, owner);
                    }
                }, rs -> sink.accept(Codec.readJob(Json.readObject(rs.getString(1)))));
    }

    /** A page of all jobs ever accepted, live or finished, in number order after {@code after}. */
    public List<Job> history(String owner, String queue, List<JobState> states, long after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT body FROM jobs WHERE number > ?");
        List<Object> args = new ArrayList<>();
        args.add(after);
        if (!owner.isEmpty()) {
            sql.append(" AND owner = ?");
            args.add(owner);
        }
        if (!queue.isEmpty()) {
            sql.append(" AND queue = ?");
            args.add(queue);
        }
        if (!states.isEmpty()) {
            sql.append(" AND state IN (");
            for (int i = 0; i < states.size(); i++) {
                sql.append(i == 0 ? "?" : ", ?");
                args.add(states.get(i).name());
            }
            sql.append(")");
        }
        sql.append(" ORDER BY number LIMIT ?");
        args.add(limit);
        List<Job> out = new ArrayList<>();
        query(sql.toString(), ps -> {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
        }, rs -> out.add(readJob(rs.getString(1))));
        return out;
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private interface RowReader {
        void read(ResultSet rs) throws SQLException;
    }

    private synchronized void query(String sql, Binder binder, RowReader reader) {
        try (PreparedStatement ps = readConnection.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    reader.read(rs);
                }
            }
        } catch (SQLException e) {
            throw new HpcException("store query failed: " + e.getMessage(), e);
        }
    }

    /**
     * How long the writer has not come round its loop, at {@code now} ({@link System#nanoTime()}): a commit stuck
     * on a dead disk holds it, and a head whose commits do not progress must not keep its lease (issue 17).
     */
    public long writerStalledNanos(long now) {
        return Math.max(0, now - writerTurnNanos);
    }

    /**
     * Whether the writer is replicating a commit to the head cluster: a stall there waits for the standby's
     * backups (a frozen standby), not for this head's own disk.
     */
    public boolean writerReplicating() {
        return replicating;
    }

    /** The thread that commits; its processor time tells a long commit from a hung one. */
    public Thread writerThread() {
        return writer;
    }

    /** Whether the store is being closed: writes fail then because the head stops, not because it broke. */
    public boolean isClosing() {
        return closing;
    }

    /** Tells {@code times} how long each batch takes to replicate and commit, in nanoseconds. */
    public void onCommit(LongConsumer times) {
        this.commitTimes = times;
    }

    /** Batches whose commit failed (after the first, the store refuses every write). */
    public long writeFailures() {
        return writeFailures.get();
    }

    public long commits() {
        return commits.get();
    }

    // ------------------------------------------------------------------ event log

    /**
     * Appends alerts to the event log, synchronously, and returns them with their log ids. Called off
     * the state thread: the log is a record for administrators, not part of the job state.
     */
    public synchronized List<Alert> appendEvents(List<Alert> alerts) {
        List<Alert> out = new ArrayList<>(alerts.size());
        try (PreparedStatement ps = readConnection.prepareStatement("INSERT INTO events (at, kind, subject, message) "
                + "VALUES (?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            long last = 0;
            for (Alert a : alerts) {
                ps.setObject(1, a.time().atOffset(ZoneOffset.UTC));
                ps.setString(2, a.kind().name());
                ps.setString(3, cut(a.subject(), 512));
                ps.setString(4, cut(a.message(), 8192));
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    last = keys.next() ? keys.getLong(1) : 0;
                }
                out.add(a.withId(last));
            }
            if (last > 0 && last % 1000 == 0) {
                try (Statement s = readConnection.createStatement()) {
                    s.execute("DELETE FROM events WHERE id <= " + (last - EVENTS_KEPT));
                }
            }
        } catch (SQLException e) {
            throw new HpcException("cannot append to the event log: " + e.getMessage(), e);
        }
        return out;
    }

    /** The newest {@code limit} alerts of the event log, oldest first. */
    public List<Alert> events(int limit) {
        List<Alert> out = new ArrayList<>();
        query("SELECT id, at, kind, subject, message FROM events ORDER BY id DESC LIMIT ?", ps -> ps.setInt(1, limit),
                rs -> out.add(alert(rs)));
        Collections.reverse(out);
        return out;
    }

    /**
     * The newest {@code limit} alerts of the event log about the tasks of job {@code number} ({@code tracejob}),
     * oldest first: their subjects are {@code 42.cluster} or {@code 42[3].cluster}; a node's alerts are left out
     * even when its name starts like a job id.
     */
    public List<Alert> jobEvents(long number, int limit) {
        List<Alert> out = new ArrayList<>();
        query("SELECT id, at, kind, subject, message FROM events WHERE kind LIKE 'TASK\\_%' "
                + "AND (subject LIKE ? OR subject LIKE ?) ORDER BY id DESC LIMIT ?", ps -> {
                    ps.setString(1, number + ".%");
                    ps.setString(2, number + "[%");
                    ps.setInt(3, limit);
                }, rs -> out.add(alert(rs)));
        Collections.reverse(out);
        return out;
    }

    private static Alert alert(ResultSet rs) throws SQLException {
        return new Alert(rs.getLong(1), Alert.Kind.valueOf(rs.getString(3)), rs.getString(4),
                rs.getString(5), rs.getObject(2, OffsetDateTime.class).toInstant());
    }

    /** The API tokens' table, which the token registry keeps apart from the job commits. */
    public TokenStore tokens() {
        return tokens;
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    @Override
    public void close() {
        closing = true;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            readConnection.close();
            tokens.close();
            writeConnection.close();
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "closing the store", e);
        }
    }

}
