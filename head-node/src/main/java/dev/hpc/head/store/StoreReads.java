package dev.hpc.head.store;

import dev.hpc.api.HpcException;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.TaskSegment;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The store's queries on its read connection (in autocommit): the live jobs and the outcomes of the others at
 * start-up, the nodes, the settings, one job, and the history and usage reports' jobs; a job comes with its
 * segments of sealed tasks. Every use of the read connection, here and in {@link EventLog}, {@link UsageRecords}
 * and the epoch of {@link JobStore}, holds {@code lock}: the store's own monitor.
 */
final class StoreReads {
    private final Connection readConnection;
    private final Object lock;

    StoreReads(Connection readConnection, Object lock) {
        this.readConnection = readConnection;
        this.lock = lock;
    }

    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    interface RowReader {
        void read(ResultSet rs) throws SQLException;
    }

    void query(String sql, Binder binder, RowReader reader) {
        synchronized (lock) {
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
    }

    void loadLive(Instant keepSince, Consumer<Job> sink) {
        query("SELECT body FROM jobs WHERE terminal = FALSE OR ended >= ? ORDER BY number", ps -> {
            ps.setObject(1, keepSince.atOffset(ZoneOffset.UTC));
        }, rs -> sink.accept(readJob(rs.getString(1))));
    }

    Optional<String> setting(String key) {
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
        List<TaskSegment> out = storedSegments(job, count);
        if (out.size() != count) {
            throw new HpcException("job " + job + " names " + count + " segments of ended tasks but the store holds "
                    + out.size() + " of them");
        }
        return out;
    }

    /** Those of segments 0 to {@code count - 1} of a job that this store's table holds, in order. */
    List<TaskSegment> storedSegments(long job, int count) {
        List<TaskSegment> out = new ArrayList<>(count);
        query("SELECT body FROM task_segments WHERE job = ? AND segment < ? ORDER BY segment", ps -> {
            ps.setLong(1, job);
            ps.setInt(2, count);
        }, rs -> out.add(Codec.readSegment(Json.readObject(rs.getString(1)))));
        return out;
    }

    void loadOutcomes(Instant keepSince, JobStore.OutcomeSink sink) {
        query("SELECT number, state, exit_status FROM jobs WHERE terminal = TRUE AND ended < ?",
                ps -> ps.setObject(1, keepSince.atOffset(ZoneOffset.UTC)),
                rs -> sink.accept(rs.getLong(1), JobState.valueOf(rs.getString(2)), rs.getInt(3)));
    }

    List<NodeInfo> loadNodes() {
        List<NodeInfo> out = new ArrayList<>();
        query("SELECT body FROM nodes ORDER BY name", ps -> {
        }, rs -> out.add(Codec.readNode(Json.readObject(rs.getString(1)))));
        return out;
    }

    Optional<Job> job(long number) {
        List<Job> out = new ArrayList<>();
        query("SELECT body FROM jobs WHERE number = ?", ps -> ps.setLong(1, number),
                rs -> out.add(readJob(rs.getString(1))));
        return out.stream().findFirst();
    }

    void forEachJobIn(Instant start, Instant end, String owner, Consumer<Job> sink) {
        query("SELECT body FROM jobs WHERE submitted < ? AND (terminal = FALSE OR ended >= ?)"
                + (owner.isEmpty() ? "" : " AND owner = ?") + " ORDER BY number", ps -> {
                    ps.setObject(1, end.atOffset(ZoneOffset.UTC));
                    ps.setObject(2, start.atOffset(ZoneOffset.UTC));
                    if (!owner.isEmpty()) {
                        ps.setString(3, owner);
                    }
                }, rs -> sink.accept(Codec.readJob(Json.readObject(rs.getString(1)))));
    }

    List<Job> history(String owner, String queue, List<JobState> states, long after, int limit) {
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
}
