package dev.hpc.head.store;

import dev.hpc.api.job.Alert;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 4: the event log of alerts in H2 (schema version 2). */
class EventLogTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    @TempDir
    Path dir;

    private static Alert anAlert(Alert.Kind kind, String subject, int second) {
        return Alert.of(kind, subject, subject + " " + kind, T0.plusSeconds(second));
    }

    @Test
    void alertsGetRisingIdsAndTheNewestAreReadBackOldestFirstAcrossAReopen() {
        try (JobStore store = JobStore.open(dir)) {
            List<Alert> first = store.appendEvents(List.of(anAlert(Alert.Kind.NODE_DOWN, "node1", 0),
                    anAlert(Alert.Kind.TASK_REQUEUED, "7.c", 1)));
            assertTrue(first.get(0).id() > 0 && first.get(1).id() > first.get(0).id(), first.toString());
            store.appendEvents(List.of(anAlert(Alert.Kind.NODE_BACK, "node1", 2)));
        }
        try (JobStore store = JobStore.open(dir)) {
            List<Alert> two = store.events(2);
            assertEquals(List.of(Alert.Kind.TASK_REQUEUED, Alert.Kind.NODE_BACK), two.stream().map(Alert::kind).toList());
            assertEquals("7.c", two.get(0).subject());
            assertEquals("7.c TASK_REQUEUED", two.get(0).message());
            assertEquals(T0.plusSeconds(1), two.get(0).time());
            assertEquals(3, store.events(100).size());
        }
    }

    @Test
    void aVersionOneDatabaseIsMigratedAndKeepsItsData() throws Exception {
        String url = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("hpc") + ";WRITE_DELAY=0";
        try (Connection c = DriverManager.getConnection(url, "hpc", ""); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE meta (k VARCHAR(64) PRIMARY KEY, v BIGINT NOT NULL)");
            s.execute("CREATE TABLE jobs (number BIGINT PRIMARY KEY, state VARCHAR(16) NOT NULL, "
                    + "owner VARCHAR(256) NOT NULL, queue VARCHAR(256) NOT NULL, terminal BOOLEAN NOT NULL, "
                    + "exit_status INT NOT NULL, submitted TIMESTAMP WITH TIME ZONE NOT NULL, "
                    + "ended TIMESTAMP WITH TIME ZONE, version BIGINT NOT NULL, body CLOB NOT NULL)");
            s.execute("CREATE TABLE nodes (name VARCHAR(256) PRIMARY KEY, body CLOB NOT NULL)");
            s.execute("MERGE INTO meta KEY (k) VALUES ('schema', 1)");
            s.execute("MERGE INTO meta KEY (k) VALUES ('epoch', 4)");
        }
        try (JobStore store = JobStore.open(dir)) {
            assertEquals(4, store.epoch());
            assertEquals(List.of(), store.events(10));
            store.appendEvents(List.of(anAlert(Alert.Kind.NODE_OFFLINE, "node2", 0)));
            assertEquals(1, store.events(10).size());
        }
    }
}
