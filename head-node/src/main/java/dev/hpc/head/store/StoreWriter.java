package dev.hpc.head.store;

import dev.hpc.api.HpcException;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.TaskSegment;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The store's writer thread ({@code job-store-writer}): takes whatever writes have queued up and commits them as
 * one batch, replicated to the standbys ({@link RowWrites}) and appended to the {@link ChangeLog}, then completes
 * their futures. The batches since the last fold are merged in memory and folded into the tables as one
 * transaction every {@link #FOLD_EVERY}, at {@link #FOLD_ROWS} rows, when a read asks for it ({@link #folded}) and
 * at close; the log is emptied after each fold. Fail-stop: after a failed commit or fold (rolled back) every write
 * waiting or to come is refused, so that no later change is durable while an earlier one is not.
 */
final class StoreWriter {
    private static final Logger LOG = Logger.getLogger(JobStore.class.getName());
    /** How often the batches gathered are folded into the tables, unless a read asks sooner. */
    static final Duration FOLD_EVERY = Duration.ofSeconds(1);
    /** Rows gathered that are folded at once: bounds a fold's transaction, the memory held and the replay. */
    static final int FOLD_ROWS = 5_000;
    /** Put in the queue by {@link #folded}: wakes the writer to fold. */
    private static final RowWrites.Write FOLD_NOW = new RowWrites.Write(List.of(), List.of(), Map.of(), List.of(),
            Map.of(), Map.of(), new CompletableFuture<>());

    private final Connection writeConnection;
    private final RowWrites rows;
    private final ChangeLog log;
    private final Queue<CompletableFuture<Void>> foldWaiters = new ConcurrentLinkedQueue<>();
    /** The batches committed since the last fold, merged (writer thread only). */
    private RowWrites.Rows unfolded = new RowWrites.Rows();
    private long lastFoldNanos = System.nanoTime();
    private final long foldEveryNanos;
    private final AtomicLong folds = new AtomicLong();
    private final BlockingQueue<RowWrites.Write> pending = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private volatile boolean closing;
    /** Set when the tables miss what was acknowledged and cannot be brought up to date: reads are refused. */
    private volatile Exception readsRefused;
    /** Set once the writer has made its last fold: a read that asks later is answered at once. */
    private volatile boolean finished;
    /** When the writer last came round its loop: it does every 200 ms when idle, after each commit when busy. */
    private volatile long writerTurnNanos = System.nanoTime();
    /** The failure of a commit; from then on every write is refused. */
    private volatile Exception failure;
    /** Told once, on the writer thread, of the failure that stops the store. */
    private volatile Consumer<Exception> onFailure = e -> { };
    /** Told how long each batch took to replicate and commit, in nanoseconds (on the writer thread). */
    private volatile LongConsumer commitTimes = nanos -> { };

    StoreWriter(Connection writeConnection, RowWrites rows, ChangeLog log, Duration foldEvery) {
        this.writeConnection = writeConnection;
        this.rows = rows;
        this.log = log;
        this.foldEveryNanos = foldEvery.toNanos();
        this.writer = new Thread(this::writeLoop, "job-store-writer");
        this.writer.setDaemon(true);
    }

    void start() {
        writer.start();
    }

    /** As {@link JobStore#write(List, List, Map, List, Map, Map)}. */
    CompletableFuture<Void> write(List<Job> jobs, List<NodeInfo> nodes, Map<Long, String> bodies,
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
        pending.add(new RowWrites.Write(List.copyOf(jobs), List.copyOf(nodes), Map.copyOf(bodies),
                List.copyOf(segments), Map.copyOf(segmentBodies), Map.copyOf(settings), done));
        return done;
    }

    /**
     * Completes once every write acknowledged before the call is in the tables, for a read of the tables; fails
     * when the writer has failed.
     */
    CompletableFuture<Void> folded() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (Thread.currentThread() == writer && failure == null) {
            // a read made by a callback of a write the writer just completed: it cannot wait for itself
            try {
                fold();
                done.complete(null);
            } catch (IOException | SQLException | RuntimeException e) {
                rollback(); // the read fails, and the next fold tries the same rows again
                done.completeExceptionally(new HpcException("the store cannot fold its log: " + e.getMessage(), e));
            }
            return done;
        }
        if (failure != null) {
            // the writer folded what it had acknowledged as it failed, or could not: nothing to wait for
            answer(done, readsRefused);
            return done;
        }
        foldWaiters.add(done);
        pending.add(FOLD_NOW);
        if (finished) {
            // closed: the writer folded everything on its way out, and answers no one any more
            answerFoldWaiters(readsRefused);
        }
        return done;
    }

    /**
     * Folds the changes a head that died left in the log into the tables, before the writer starts; returns how
     * many changes it found. {@code storedSegments} gives those of a job's segments the table holds already. A
     * torn last frame is the batch being appended when the head died: nobody was told it was written, and it is
     * dropped; a damaged one with more of the log after it stops the start.
     */
    int recover(Codec.SegmentSource storedSegments) throws IOException, SQLException {
        ChangeLog.Replay replay = log.replay();
        if (replay.damagedAt() >= 0) {
            throw new HpcException("the change log " + log.file() + " is damaged at byte " + replay.damagedAt()
                    + ", before its end: the batches after that point were acknowledged and cannot be read, so the "
                    + "head does not start from it. If another head is active it holds them: move the log aside and "
                    + "start this head again, as its standby. If no head holds them, moving the log aside loses them");
        }
        if (replay.tornTail()) {
            LOG.warning("the change log " + log.file() + " ends in a torn frame after " + replay.frames()
                    + " whole ones: the batch being written when the head stopped, never acknowledged; dropped");
        }
        if (replay.changes().isEmpty()) {
            log.clear();
            return 0;
        }
        RowWrites.Rows found = new RowWrites.Rows();
        for (ChangeLog.Change c : replay.changes()) {
            switch (c.kind()) {
                case SEGMENT -> found.addSegment(Codec.readSegment(Json.readObject(c.body())), c.body());
                case JOB -> found.addJob(Codec.readJob(Json.readObject(c.body()),
                        (job, count) -> segmentsOf(job, count, found, storedSegments)), c.body());
                case NODE -> found.addNode(Codec.readNode(Json.readObject(c.body())), c.body());
                case SETTING -> found.addSetting(c.key(), c.body());
            }
        }
        rows.write(found);
        log.clear();
        LOG.info("folded " + replay.changes().size() + " changes of " + replay.frames() + " batches from the change "
                + "log " + log.file() + " into the tables");
        return replay.changes().size();
    }

    /** A replayed job's segments: those the log holds, the others from the table; a missing one breaks the store. */
    private static List<TaskSegment> segmentsOf(long job, int count, RowWrites.Rows logged,
                                                Codec.SegmentSource stored) {
        Map<Integer, TaskSegment> byNumber = new HashMap<>();
        stored.segments(job, count).forEach(s -> byNumber.put(s.number(), s));
        List<TaskSegment> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            TaskSegment s = logged.segments.getOrDefault(TaskSegment.key(job, i), byNumber.get(i));
            if (s == null) {
                throw new HpcException("job " + job + " in the change log names " + count + " segments of ended "
                        + "tasks but neither the log nor the store holds segment " + i);
            }
            out.add(s);
        }
        return out;
    }

    private void writeLoop() {
        List<RowWrites.Write> batch = new ArrayList<>();
        try {
            while (!closing || !pending.isEmpty()) {
                writerTurnNanos = System.nanoTime();
                try {
                    RowWrites.Write first = pending.poll(pollMillis(), TimeUnit.MILLISECONDS);
                    if (first != null) {
                        batch.add(first);
                        pending.drainTo(batch, 10_000);
                    }
                    boolean foldAsked = batch.removeIf(w -> w == FOLD_NOW);
                    if (failure != null) {
                        // queued by a caller that checked just before the failure: never acknowledged after it
                        refuse(batch, failure);
                    } else {
                        if (!batch.isEmpty()) {
                            commit(batch);
                        }
                        if (foldAsked || unfolded.size() >= FOLD_ROWS
                                || System.nanoTime() - lastFoldNanos >= foldEveryNanos) {
                            fold();
                        }
                    }
                    if (foldAsked) {
                        answerFoldWaiters(readsRefused);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail(batch, new HpcException("the store's writer was interrupted", e));
                    return;
                } catch (Exception e) {
                    fail(batch, e);
                } finally {
                    batch.clear();
                }
            }
            if (failure == null) {
                try {
                    fold();
                } catch (Exception e) {
                    fail(batch, e);
                }
            }
        } catch (Error e) {
            if (failure == null) {
                failure = new HpcException("the store's writer failed: " + e, e);
                readsRefused = failure;
                onFailure.accept(failure);
            }
            throw e;
        } finally {
            // whatever ended the writer, nobody waits for it any more
            finished = true;
            if (failure != null) {
                pending.drainTo(batch);
                refuse(batch, failure);
            }
            answerFoldWaiters(readsRefused);
        }
    }

    private static void refuse(List<RowWrites.Write> batch, Exception failure) {
        for (RowWrites.Write w : batch) {
            w.done().completeExceptionally(new HpcException("the store refuses writes after a failed commit: "
                    + failure.getMessage(), failure));
        }
    }

    /** Until the next fold is due, at most 200 ms: an idle writer still comes round to show it is alive. */
    private long pollMillis() {
        if (unfolded.isEmpty()) {
            return 200;
        }
        long dueNanos = foldEveryNanos - (System.nanoTime() - lastFoldNanos);
        return Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(dueNanos)));
    }

    private void commit(List<RowWrites.Write> batch) throws IOException, SQLException {
        long began = System.nanoTime();
        RowWrites.Rows ready = rows.prepare(batch);
        RowWrites.check(ready);
        rows.replicate(ready);
        log.append(ready.changes());
        rows.lastCommit = Instant.now();
        commitTimes.accept(System.nanoTime() - began);
        commits.incrementAndGet();
        unfolded.addAll(ready);
        for (RowWrites.Write w : batch) {
            w.done().complete(null);
        }
    }

    private void fold() throws IOException, SQLException {
        if (!unfolded.isEmpty()) {
            rows.write(unfolded);
            // a head that dies before this replays a log already folded: the versions make that change nothing
            log.clear();
            folds.incrementAndGet();
            unfolded = new RowWrites.Rows();
        }
        lastFoldNanos = System.nanoTime();
    }

    private void fail(List<RowWrites.Write> batch, Exception e) {
        writeFailures.incrementAndGet();
        LOG.log(Level.SEVERE, "store write of " + batch.size() + " changes failed", e);
        rollback();
        for (RowWrites.Write w : batch) {
            w.done().completeExceptionally(e);
        }
        // what was acknowledged before goes into the tables still, so that reads of them stay true; if it
        // cannot, they are refused, and the log keeps it for the next start
        Exception tablesBehind = null;
        if (failure == null) {
            try {
                fold();
            } catch (IOException | SQLException | RuntimeException again) {
                tablesBehind = again;
                rollback();
            }
        } else {
            tablesBehind = readsRefused;
        }
        readsRefused = tablesBehind;
        // Nothing after a failed commit may land: a later batch would be durable while an earlier one is not,
        // and the head that wrote them stops being active anyway (fail-stop). Published after the fold above,
        // so that a read that sees it also sees the tables as they will stay.
        if (failure == null) {
            failure = e;
            // a fold fails after its changes were acknowledged, so no caller's write is there to stop the head;
            // told before anyone waiting is answered
            onFailure.accept(e);
        }
        pending.drainTo(batch);
        refuse(batch, e);
        answerFoldWaiters(tablesBehind);
    }

    private void rollback() {
        try {
            writeConnection.rollback();
        } catch (SQLException ignored) {
            // the failure is already reported to every waiting caller
        }
    }

    private void answerFoldWaiters(Exception tablesBehind) {
        for (CompletableFuture<Void> w; (w = foldWaiters.poll()) != null; ) {
            answer(w, tablesBehind);
        }
    }

    private static void answer(CompletableFuture<Void> waiter, Exception tablesBehind) {
        if (tablesBehind == null) {
            waiter.complete(null);
        } else {
            waiter.completeExceptionally(new HpcException("the store's tables miss changes it acknowledged (they "
                    + "are in its change log until the next start): " + tablesBehind.getMessage(), tablesBehind));
        }
    }

    /** Refuses further writes and waits (at most 10 s) for the writer to commit those queued. */
    void close() {
        closing = true;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long stalledNanos(long now) {
        return Math.max(0, now - writerTurnNanos);
    }

    Thread thread() {
        return writer;
    }

    boolean isClosing() {
        return closing;
    }

    void onCommit(LongConsumer times) {
        this.commitTimes = times;
    }

    void onFailure(Consumer<Exception> action) {
        this.onFailure = action;
    }

    long writeFailures() {
        return writeFailures.get();
    }

    long commits() {
        return commits.get();
    }

    long folds() {
        return folds.get();
    }
}
