package dev.hpc.head.store;

import dev.hpc.api.HpcException;
import dev.hpc.api.job.Alert;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The event log in the {@code events} table, on the read connection (in autocommit, apart from the job commits):
 * alerts appended with their log ids, the oldest dropped past about {@link #EVENTS_KEPT}, and read back newest
 * first, all of them or a job's. Holds the store's monitor, as every use of that connection does.
 */
final class EventLog {
    /** The event log keeps about this many of the newest alerts. */
    private static final long EVENTS_KEPT = 100_000;

    private final Connection readConnection;
    private final Object lock;
    private final StoreReads reads;

    EventLog(Connection readConnection, Object lock, StoreReads reads) {
        this.readConnection = readConnection;
        this.lock = lock;
        this.reads = reads;
    }

    List<Alert> appendEvents(List<Alert> alerts) {
        synchronized (lock) {
            List<Alert> out = new ArrayList<>(alerts.size());
            try (PreparedStatement ps = readConnection.prepareStatement("INSERT INTO events (at, kind, subject, "
                    + "message) VALUES (?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
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
    }

    List<Alert> events(int limit) {
        List<Alert> out = new ArrayList<>();
        reads.query("SELECT id, at, kind, subject, message FROM events ORDER BY id DESC LIMIT ?",
                ps -> ps.setInt(1, limit), rs -> out.add(alert(rs)));
        Collections.reverse(out);
        return out;
    }

    List<Alert> jobEvents(long number, int limit) {
        List<Alert> out = new ArrayList<>();
        reads.query("SELECT id, at, kind, subject, message FROM events WHERE kind LIKE 'TASK\\_%' "
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

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
