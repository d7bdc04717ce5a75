package dev.hpc.head.store;

import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Task;
import dev.hpc.api.job.TaskSegment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code usage} table, for fair share: each ended attempt's cores times run time, written in the commit of
 * its job on the write connection, and each user's decayed sum read (old rows pruned first) on the read
 * connection, holding the store's monitor as every use of that connection does.
 */
final class UsageRecords {
    private static final Logger LOG = Logger.getLogger(JobStore.class.getName());
    /** Attempts whose usage this store wrote lately: a job written again does not write it again. */
    private final Set<Long> charged = Collections.newSetFromMap(
            new LinkedHashMap<Long, Boolean>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                    return size() > 100_000;
                }
            });
    private final Connection writeConnection;
    private final Connection readConnection;
    private final Object lock;
    private final StoreReads reads;

    UsageRecords(Connection writeConnection, Connection readConnection, Object lock, StoreReads reads) {
        this.writeConnection = writeConnection;
        this.readConnection = readConnection;
        this.lock = lock;
        this.reads = reads;
    }

    /**
     * Records the usage of every ended attempt of the jobs written (cores times run time), once per
     * attempt: the rows are keyed by attempt id, so a job written again, or mirrored by a standby,
     * writes the same rows. Part of the same commit as the jobs; returns the attempts it charged, which count as
     * charged only once that commit is made ({@link #committed}): a fold rolled back is made again.
     */
    Set<Long> record(Collection<Job> jobs, Collection<TaskSegment> segments)
            throws SQLException {
        Set<Long> chargedNow = new HashSet<>();
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
                        if (a.isOpen() || a.end().isBefore(a.start()) || charged.contains(a.id())
                                || chargedNow.contains(a.id())) {
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
                        chargedNow.add(a.id());
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
        return chargedNow;
    }

    /** The attempts a committed {@link #record} charged: never charged again. */
    void committed(Set<Long> chargedNow) {
        charged.addAll(chargedNow);
    }

    /** As {@link JobStore#loadUsage}. */
    void load(Instant now, Duration halfLife, JobStore.UsageSink sink) {
        Instant cutoff = now.minus(halfLife.multipliedBy(30));
        synchronized (lock) {
            try (PreparedStatement del = readConnection.prepareStatement("DELETE FROM usage WHERE ended < ?")) {
                del.setObject(1, cutoff.atOffset(ZoneOffset.UTC));
                del.executeUpdate();
            } catch (SQLException e) {
                LOG.log(Level.WARNING, "cannot prune old usage records", e);
            }
        }
        reads.query("SELECT owner, SUM(core_seconds * POWER(0.5, DATEDIFF('MILLISECOND', ended, ?) / ?)) FROM usage "
                + "GROUP BY owner ORDER BY owner", ps -> {
                    ps.setObject(1, now.atOffset(ZoneOffset.UTC));
                    ps.setDouble(2, (double) halfLife.toMillis());
                }, rs -> sink.accept(rs.getString(1), rs.getDouble(2), now));
    }
}
