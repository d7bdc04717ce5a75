package dev.hpc.head.store;

import dev.hpc.api.HpcException;
import dev.hpc.api.job.Alert;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.TaskSegment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Jobs, nodes and counters in an H2 database of this head's own. Three connections: the writer's
 * ({@link StoreWriter}, committing each batch as rows with {@link RowWrites} and {@link UsageRecords}), the
 * reads' ({@link StoreReads}, the {@link EventLog}, the usage sums and the epoch, all holding this store's
 * monitor), and the tokens' ({@link TokenStore}); the schema is {@link SchemaMigrations}'.
 */
public final class JobStore implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JobStore.class.getName());
    /** The append-only log of the batches committed since the last fold into the tables ({@link ChangeLog}). */
    static final String CHANGE_LOG = "changes.log";
    /** How long a read of the tables waits for the writer to fold what it committed. */
    private static final Duration FOLD_WAIT = Duration.ofSeconds(30);

    private final Connection writeConnection;
    private final Connection readConnection;
    private final TokenStore tokens;
    private final StoreReads reads;
    private final EventLog events;
    private final UsageRecords usage;
    private final RowWrites rows;
    private final StoreWriter writer;
    private final ChangeLog log;

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
            rows.replica.remove(jobs, segments);
        }
    }

    public void replicateTo(Replica target) {
        rows.replica = target;
    }

    /** When the last batch was committed (and replicated, when a replica is set). */
    public Instant lastCommit() {
        return rows.lastCommit;
    }

    private JobStore(Connection write, Connection read, Connection tokens, ChangeLog log, Duration foldEvery) {
        this.writeConnection = write;
        this.readConnection = read;
        this.tokens = new TokenStore(tokens);
        this.reads = new StoreReads(read, this);
        this.events = new EventLog(read, this, reads);
        this.usage = new UsageRecords(write, read, this, reads);
        this.rows = new RowWrites(write, usage);
        this.log = log;
        this.writer = new StoreWriter(write, rows, log, foldEvery);
    }

    /** Opens (creating when new) the database in {@code dir}; a second process on the same files fails. */
    public static JobStore open(Path dir) {
        return open(dir, StoreWriter.FOLD_EVERY);
    }

    /** As {@link #open(Path)}, folding the change log every {@code foldEvery} unless a read asks sooner. */
    static JobStore open(Path dir, Duration foldEvery) {
        try {
            Files.createDirectories(dir);
            makePrivate(dir);
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
            // opened only once the database is: its file lock keeps a second process off the log too
            JobStore store = new JobStore(write, read, tokens, ChangeLog.open(dir.resolve(CHANGE_LOG)),
                    foldEvery);
            try {
                store.writer.recover(store.reads::storedSegments);
            } catch (IOException | SQLException | RuntimeException e) {
                store.closeConnections();
                throw new HpcException("cannot fold the change log " + dir.resolve(CHANGE_LOG) + " into the store: "
                        + e.getMessage(), e);
            }
            store.writer.start();
            return store;
        } catch (SQLException e) {
            if (e.getErrorCode() == 90020) {
                throw new HpcException("the database in " + dir + " is in use by another process; is another head "
                        + "running with the same --data-dir?", e);
            }
            throw new HpcException("cannot open the database in " + dir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new HpcException("cannot open the store in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes the data directory this user's alone (mode 0700): the database and the change log hold every job's
     * script and environment, and the files H2 creates follow the process's umask.
     */
    private static void makePrivate(Path dir) throws IOException {
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException | java.nio.file.FileSystemException notOurs) {
            // another user's directory, or no POSIX permissions: the head still runs, and says what to check
            LOG.warning("cannot make the data directory " + dir + " mode 0700 (" + notOurs + "): make sure only "
                    + "the head's user can read it");
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
        return writer.write(jobs, nodes, bodies, segments, segmentBodies, settings);
    }

    /**
     * Each user's usage decayed to {@code now} with the given half-life, from the attempts recorded
     * in this store; rows older than 30 half-lives (worth less than a billionth) are deleted.
     */
    public void loadUsage(Instant now, Duration halfLife, UsageSink sink) {
        awaitFolded();
        usage.load(now, halfLife, sink);
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
        awaitFolded();
        reads.loadLive(keepSince, sink);
    }

    /** A setting that commands change (qmgr's queues), as last committed; empty when none was. */
    public Optional<String> setting(String key) {
        awaitFolded();
        return reads.setting(key);
    }

    /** How every finished job before {@code keepSince} ended, for dependencies that name them. */
    public void loadOutcomes(Instant keepSince, OutcomeSink sink) {
        awaitFolded();
        reads.loadOutcomes(keepSince, sink);
    }

    public interface OutcomeSink {
        void accept(long number, JobState state, int exitStatus);
    }

    public List<NodeInfo> loadNodes() {
        awaitFolded();
        return reads.loadNodes();
    }

    public Optional<Job> job(long number) {
        awaitFolded();
        return reads.job(number);
    }

    /**
     * Every job that may have something in {@code [start, end)} for a usage report: submitted before the end and
     * not ended before the start, in number order; only {@code owner}'s when it is not empty.
     */
    public void forEachJobIn(Instant start, Instant end, String owner, Consumer<Job> sink) {
        awaitFolded();
        reads.forEachJobIn(start, end, owner, sink);
    }

    /** A page of all jobs ever accepted, live or finished, in number order after {@code after}. */
    public List<Job> history(String owner, String queue, List<JobState> states, long after, int limit) {
        awaitFolded();
        return reads.history(owner, queue, states, after, limit);
    }

    /**
     * Waits until every write acknowledged so far is in the tables: the writer folds its log into them only every
     * {@link StoreWriter#FOLD_EVERY}, and a read of the tables must see what was acknowledged before it.
     */
    private void awaitFolded() {
        try {
            writer.folded().get(FOLD_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HpcException("interrupted while waiting for the store's writer", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof HpcException h ? h
                    : new HpcException("the store cannot be read: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new HpcException("the store's writer did not fold its log into the tables within "
                    + FOLD_WAIT.toSeconds() + " s", e);
        }
    }

    // ------------------------------------------------------------------ the writer

    /**
     * How long the writer has not come round its loop, at {@code now} ({@link System#nanoTime()}): a commit stuck
     * on a dead disk holds it, and a head whose commits do not progress must not keep its lease (issue 17).
     */
    public long writerStalledNanos(long now) {
        return writer.stalledNanos(now);
    }

    /**
     * Whether the writer is replicating a commit to the head cluster: a stall there waits for the standby's
     * backups (a frozen standby), not for this head's own disk.
     */
    public boolean writerReplicating() {
        return rows.replicating;
    }

    /** The thread that commits; its processor time tells a long commit from a hung one. */
    public Thread writerThread() {
        return writer.thread();
    }

    /** Whether the store is being closed: writes fail then because the head stops, not because it broke. */
    public boolean isClosing() {
        return writer.isClosing();
    }

    /** Tells {@code times} how long each batch takes to replicate and commit, in nanoseconds. */
    public void onCommit(LongConsumer times) {
        writer.onCommit(times);
    }

    /**
     * Tells {@code action}, once, of the failure after which the store refuses every write: a commit's, or a fold's,
     * whose changes were acknowledged already, so that no write of a caller is there to fail.
     */
    public void onFailure(Consumer<Exception> action) {
        writer.onFailure(action);
    }

    /** Batches whose commit failed (after the first, the store refuses every write). */
    public long writeFailures() {
        return writer.writeFailures();
    }

    public long commits() {
        return writer.commits();
    }

    /** Folds of the change log into the tables, each one transaction of many commits. */
    public long folds() {
        return writer.folds();
    }

    // ------------------------------------------------------------------ event log

    /**
     * Appends alerts to the event log, synchronously, and returns them with their log ids. Called off
     * the state thread: the log is a record for administrators, not part of the job state.
     */
    public List<Alert> appendEvents(List<Alert> alerts) {
        return events.appendEvents(alerts);
    }

    /** The newest {@code limit} alerts of the event log, oldest first. */
    public List<Alert> events(int limit) {
        return events.events(limit);
    }

    /**
     * The newest {@code limit} alerts of the event log about the tasks of job {@code number} ({@code tracejob}),
     * oldest first: their subjects are {@code 42.cluster} or {@code 42[3].cluster}; a node's alerts are left out
     * even when its name starts like a job id.
     */
    public List<Alert> jobEvents(long number, int limit) {
        return events.jobEvents(number, limit);
    }

    /** The API tokens' table, which the token registry keeps apart from the job commits. */
    public TokenStore tokens() {
        return tokens;
    }

    @Override
    public void close() {
        writer.close();
        closeConnections();
    }

    private void closeConnections() {
        try {
            log.close();
            readConnection.close();
            tokens.close();
            writeConnection.close();
        } catch (SQLException | IOException e) {
            LOG.log(Level.WARNING, "closing the store", e);
        }
    }
}
