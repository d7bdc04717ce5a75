package dev.hpc.head.store;

import dev.hpc.api.HpcException;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.TaskSegment;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The store's writer thread ({@code job-store-writer}): takes whatever writes have queued up and commits them as
 * one batch ({@link RowWrites}), then completes their futures. Fail-stop: after a failed commit (rolled back)
 * every write waiting or to come is refused, so that no later change is durable while an earlier one is not.
 */
final class StoreWriter {
    private static final Logger LOG = Logger.getLogger(JobStore.class.getName());

    private final Connection writeConnection;
    private final RowWrites rows;
    private final BlockingQueue<RowWrites.Write> pending = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private volatile boolean closing;
    /** When the writer last came round its loop: it does every 200 ms when idle, after each commit when busy. */
    private volatile long writerTurnNanos = System.nanoTime();
    /** The failure of a commit; from then on every write is refused. */
    private volatile Exception failure;
    /** Told how long each batch took to replicate and commit, in nanoseconds (on the writer thread). */
    private volatile LongConsumer commitTimes = nanos -> { };

    StoreWriter(Connection writeConnection, RowWrites rows) {
        this.writeConnection = writeConnection;
        this.rows = rows;
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

    private void writeLoop() {
        List<RowWrites.Write> batch = new ArrayList<>();
        while (!closing || !pending.isEmpty()) {
            writerTurnNanos = System.nanoTime();
            try {
                RowWrites.Write first = pending.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                pending.drainTo(batch, 10_000);
                long began = System.nanoTime();
                rows.commit(batch);
                commitTimes.accept(System.nanoTime() - began);
                commits.incrementAndGet();
                for (RowWrites.Write w : batch) {
                    w.done().complete(null);
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
                for (RowWrites.Write w : batch) {
                    w.done().completeExceptionally(e);
                }
            } finally {
                batch.clear();
            }
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

    long writeFailures() {
        return writeFailures.get();
    }

    long commits() {
        return commits.get();
    }
}
