package dev.hpc.head.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The schema comes from the numbered SQL files, each run once and in order, on a real H2 database in memory. */
class SchemaMigrationsTest {
    private static Connection database(String name) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "hpc", "");
        c.setAutoCommit(false);
        return c;
    }

    private static long schemaVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM meta WHERE k = 'schema'")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static boolean tableExists(Connection c, String table) throws SQLException {
        try (ResultSet rs = c.getMetaData().getTables(null, null, table.toUpperCase(), null)) {
            return rs.next();
        }
    }

    @Test
    void statementsAreSplitAtTheSemicolonThatEndsALineAndCommentsAreDropped() {
        assertEquals(List.of("CREATE TABLE a (x INT, y VARCHAR(8))", "CREATE INDEX a_x ON a (x)"),
                SchemaMigrations.statements("-- why a exists\nCREATE TABLE a (x INT,\n    y VARCHAR(8));\n\n"
                        + "CREATE INDEX a_x ON a (x);\n"));
    }

    @Test
    void aNewDatabaseGetsEveryShippedMigrationInOrder() throws SQLException {
        int shipped = SchemaMigrations.shipped().size();
        assertTrue(shipped >= 7, "the seven migrations that shipped before they became files: " + shipped);
        try (Connection c = database("fresh")) {
            SchemaMigrations.apply(c);
            assertEquals(shipped, schemaVersion(c));
            for (String table : List.of("jobs", "nodes", "events", "usage", "tokens", "task_segments", "settings")) {
                assertTrue(tableExists(c, table), table);
            }
            SchemaMigrations.apply(c); // a second open runs nothing again
            assertEquals(shipped, schemaVersion(c));
        }
    }

    @Test
    void anOlderDatabaseRunsOnlyTheMigrationsItLacks() throws SQLException {
        try (Connection c = database("older")) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE meta (k VARCHAR(64) PRIMARY KEY, v BIGINT NOT NULL)");
                for (String statement : SchemaMigrations.statements(SchemaMigrations.shipped().get(0))) {
                    s.execute(statement);
                }
                s.execute("MERGE INTO meta KEY (k) VALUES ('schema', 1)");
            }
            c.commit();
            SchemaMigrations.apply(c);
            assertEquals(SchemaMigrations.shipped().size(), schemaVersion(c));
            assertTrue(tableExists(c, "settings"));
        }
    }

    @Test
    void aDatabaseOfANewerHeadIsRefusedUntouched() throws SQLException {
        try (Connection c = database("newer")) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE meta (k VARCHAR(64) PRIMARY KEY, v BIGINT NOT NULL)");
                s.execute("MERGE INTO meta KEY (k) VALUES ('schema', 99)");
            }
            c.commit();
            SQLException e = assertThrows(SQLException.class, () -> SchemaMigrations.apply(c));
            assertTrue(e.getMessage().contains("schema version 99") && e.getMessage().contains("upgrade the head"),
                    e.getMessage());
            assertEquals(99, schemaVersion(c));
            assertTrue(!tableExists(c, "jobs"), "nothing was created");
        }
    }
}
