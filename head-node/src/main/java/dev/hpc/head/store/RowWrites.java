package dev.hpc.head.store;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.TaskSegment;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One group commit of the {@link StoreWriter}'s batch as rows, on the write connection: the newest version of
 * each job, node, segment and setting the batch holds, rendered once, replicated to the standbys, then merged
 * into {@code settings}, {@code task_segments}, {@code jobs} and {@code nodes} (in that order, an older version
 * never over a newer one) with the usage of the ended attempts, and committed as one transaction. A failure
 * leaves the transaction to the writer to roll back.
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

    void commit(List<Write> batch) throws SQLException {
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
        usage.record(jobs.values(), segments.values());
        writeConnection.commit();
        lastCommit = Instant.now();
    }

    private static long version(String body) {
        return Json.readObject(body).longValue("version", 0);
    }
}
