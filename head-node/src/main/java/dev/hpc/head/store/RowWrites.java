package dev.hpc.head.store;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.TaskSegment;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The {@link StoreWriter}'s batches as rows, on the write connection: a batch is made ready once ({@link Rows}: the
 * newest version of each job, node, segment and setting it holds, rendered once), replicated to the standbys, and,
 * gathered with the batches after it, merged into the tables as one transaction ({@link #write}). A failure leaves
 * the transaction to the writer to roll back.
 */
final class RowWrites {
    private final Connection writeConnection;
    private final UsageRecords usage;
    /** Whether the writer waits for the head cluster (the standby's backups) rather than for this head's disk. */
    volatile boolean replicating;
    volatile JobStore.Replica replica = JobStore.Replica.NONE;
    volatile Instant lastCommit = Instant.EPOCH;

    /**
     * One caller's changes. {@code bodies}: jobs' JSON as already rendered by {@link Codec#toStoredMap} (a standby's
     * mirror has it), by number; {@code segmentBodies} likewise for {@code segments}, by key.
     */
    record Write(List<Job> jobs, List<NodeInfo> nodes, Map<Long, String> bodies, List<TaskSegment> segments,
                 Map<String, String> segmentBodies, Map<String, String> settings,
                 CompletableFuture<Void> done) {
    }

    RowWrites(Connection writeConnection, UsageRecords usage) {
        this.writeConnection = writeConnection;
        this.usage = usage;
    }

    /**
     * A batch made ready to be written: the newest version of each job, node, segment and setting it holds, each
     * rendered once. Batches gathered for one fold are merged into one, an older version never over a newer one.
     */
    static final class Rows {
        final Map<Long, Job> jobs = new LinkedHashMap<>();
        final Map<Long, String> jobBodies = new LinkedHashMap<>();
        final Map<String, NodeInfo> nodes = new LinkedHashMap<>();
        final Map<String, String> nodeBodies = new LinkedHashMap<>();
        final Map<String, TaskSegment> segments = new LinkedHashMap<>();
        final Map<String, String> segmentBodies = new LinkedHashMap<>();
        final Map<String, String> settings = new LinkedHashMap<>();

        void addJob(Job j, String body) {
            Job kept = jobs.get(j.id().number());
            if (kept == null || kept.version() <= j.version()) {
                jobs.put(j.id().number(), j);
                jobBodies.put(j.id().number(), body);
            }
        }

        /** The same version may replace a node's row: a node never committed is at version 0. */
        void addNode(NodeInfo n, String body) {
            NodeInfo kept = nodes.get(n.name());
            if (kept == null || kept.version() <= n.version()) {
                nodes.put(n.name(), n);
                nodeBodies.put(n.name(), body);
            }
        }

        /** A segment never changes once sealed: the first one written stays unless a newer version comes. */
        void addSegment(TaskSegment s, String body) {
            TaskSegment kept = segments.get(s.key());
            if (kept == null || kept.version() < s.version()) {
                segments.put(s.key(), s);
                segmentBodies.put(s.key(), body);
            }
        }

        void addSetting(String key, String body) {
            settings.merge(key, body, (a, b) -> version(a) > version(b) ? a : b);
        }

        void addAll(Rows newer) {
            newer.segments.forEach((k, s) -> addSegment(s, newer.segmentBodies.get(k)));
            newer.jobs.forEach((n, j) -> addJob(j, newer.jobBodies.get(n)));
            newer.nodes.forEach((k, n) -> addNode(n, newer.nodeBodies.get(k)));
            newer.settings.forEach(this::addSetting);
        }

        int size() {
            return jobs.size() + nodes.size() + segments.size() + settings.size();
        }

        boolean isEmpty() {
            return size() == 0;
        }

        /** The batch as the change log holds it: segments before the jobs that name them. */
        List<ChangeLog.Change> changes() {
            List<ChangeLog.Change> out = new ArrayList<>(size());
            segmentBodies.forEach((k, body) -> out.add(new ChangeLog.Change(ChangeLog.Kind.SEGMENT, k, body)));
            jobBodies.forEach((n, body) -> out.add(new ChangeLog.Change(ChangeLog.Kind.JOB, Long.toString(n), body)));
            nodeBodies.forEach((k, body) -> out.add(new ChangeLog.Change(ChangeLog.Kind.NODE, k, body)));
            settings.forEach((k, body) -> out.add(new ChangeLog.Change(ChangeLog.Kind.SETTING, k, body)));
            return out;
        }
    }

    /** The writes of one batch as rows, each rendered once (a body the caller rendered already is kept). */
    Rows prepare(List<Write> batch) {
        Rows rows = new Rows();
        for (Write w : batch) {
            w.settings.forEach(rows::addSetting);
            for (TaskSegment s : w.segments) {
                String body = w.segmentBodies.get(s.key());
                rows.addSegment(s, body != null ? body : Json.write(Codec.toMap(s)));
            }
            for (Job j : w.jobs) {
                String body = w.bodies.get(j.id().number());
                rows.addJob(j, body != null ? body : Json.write(Codec.toStoredMap(j)));
            }
            for (NodeInfo n : w.nodes) {
                rows.addNode(n, Json.write(Codec.toMap(n)));
            }
        }
        return rows;
    }

    /**
     * Refuses a batch the tables could not take, before it is replicated or logged: a change acknowledged from the
     * log must fold later, or the head could neither fold it nor start again. The widths are the columns' own.
     */
    static void check(Rows rows) throws SQLException {
        for (Job j : rows.jobs.values()) {
            fits("job " + j.id().number() + "'s owner", j.spec().owner(), 256);
            fits("job " + j.id().number() + "'s queue", j.spec().queue(), 256);
        }
        for (String node : rows.nodes.keySet()) {
            fits("the node name", node, 256);
        }
        for (String key : rows.settings.keySet()) {
            fits("the setting name", key, 64);
        }
    }

    private static void fits(String what, String value, int width) throws SQLException {
        if (value.length() > width) {
            throw new SQLException(what + " is " + value.length() + " characters long, more than the store's "
                    + width + ": " + value.substring(0, 40) + "...");
        }
    }

    /** Replicates a batch to the standbys; it counts as written only after this. */
    void replicate(Rows rows) {
        replicating = true;
        try {
            replica.put(rows.jobBodies, rows.nodeBodies, rows.segmentBodies, rows.settings);
        } finally {
            replicating = false;
        }
    }

    /**
     * Merges the rows into {@code settings}, {@code task_segments}, {@code jobs} and {@code nodes} (in that
     * order, an older version never over a newer one, so that a batch written twice changes nothing) with the
     * usage of the ended attempts, as one transaction.
     */
    void write(Rows rows) throws SQLException {
        Map<String, String> settings = rows.settings;
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
        if (!rows.segments.isEmpty()) {
            // written once; a segment written again (a recommit, a mirror, a replay) is the same and changes nothing
            try (PreparedStatement ps = writeConnection.prepareStatement("MERGE INTO task_segments t USING (VALUES "
                    + "(CAST(? AS BIGINT), CAST(? AS INT), CAST(? AS BIGINT), CAST(? AS CLOB))) s(job, segment, "
                    + "version, body) ON t.job = s.job AND t.segment = s.segment "
                    + "WHEN MATCHED AND t.version < s.version THEN UPDATE SET version = s.version, body = s.body "
                    + "WHEN NOT MATCHED THEN INSERT VALUES (s.job, s.segment, s.version, s.body)")) {
                for (TaskSegment seg : rows.segments.values()) {
                    ps.setLong(1, seg.job());
                    ps.setInt(2, seg.number());
                    ps.setLong(3, seg.version());
                    ps.setString(4, rows.segmentBodies.get(seg.key()));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        if (!rows.jobs.isEmpty()) {
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
                for (Job j : rows.jobs.values()) {
                    ps.setLong(1, j.id().number());
                    ps.setString(2, j.state().name());
                    ps.setString(3, j.spec().owner());
                    ps.setString(4, j.spec().queue());
                    ps.setBoolean(5, j.state().isTerminal());
                    ps.setInt(6, j.exitStatus());
                    ps.setObject(7, j.submitted().atOffset(ZoneOffset.UTC));
                    ps.setObject(8, j.state().isTerminal() ? j.ended().atOffset(ZoneOffset.UTC) : null);
                    ps.setLong(9, j.version());
                    ps.setString(10, rows.jobBodies.get(j.id().number()));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        if (!rows.nodes.isEmpty()) {
            // An older version never overwrites a newer one; the same version may (a node never committed is 0).
            try (PreparedStatement ps = writeConnection.prepareStatement("MERGE INTO nodes t USING (VALUES (CAST(? "
                    + "AS VARCHAR), CAST(? AS CLOB), CAST(? AS BIGINT))) s(name, body, version) ON t.name = s.name "
                    + "WHEN MATCHED AND t.version <= s.version THEN UPDATE SET body = s.body, version = s.version "
                    + "WHEN NOT MATCHED THEN INSERT (name, body, version) VALUES (s.name, s.body, s.version)")) {
                for (NodeInfo n : rows.nodes.values()) {
                    ps.setString(1, n.name());
                    ps.setString(2, rows.nodeBodies.get(n.name()));
                    ps.setLong(3, n.version());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        Set<Long> charged = usage.record(rows.jobs.values(), rows.segments.values());
        writeConnection.commit();
        usage.committed(charged);
        // before the log that holds these rows is emptied: the kernel writes the two files back in no set order,
        // and a machine that crashed must not find the log emptied while the tables miss what it held
        try (Statement sync = writeConnection.createStatement()) {
            sync.execute("CHECKPOINT SYNC");
        }
    }

    private static long version(String body) {
        return Json.readObject(body).longValue("version", 0);
    }
}
