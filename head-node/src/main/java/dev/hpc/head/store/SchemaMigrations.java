package dev.hpc.head.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The store's schema as numbered SQL files ({@code schema/1.sql}, {@code 2.sql}, ... beside this class): each runs
 * once, in order, and the database records the highest it ran, so an old store is brought up to date at open and
 * a store written by a newer head is refused rather than misread. A change to the schema is a new file, never an
 * edit of one that shipped.
 */
final class SchemaMigrations {
    private static final String DIRECTORY = "schema/";

    private SchemaMigrations() {
    }

    /** The migrations shipped with this head, in order: {@code 1.sql} up to the first number missing. */
    static List<String> shipped() {
        List<String> scripts = new ArrayList<>();
        for (int n = 1; ; n++) {
            try (InputStream in = SchemaMigrations.class.getResourceAsStream(DIRECTORY + n + ".sql")) {
                if (in == null) {
                    return scripts;
                }
                scripts.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the schema migration " + n + ".sql: " + e.getMessage(), e);
            }
        }
    }

    /** The statements of one script: split at a semicolon that ends a line; comment lines dropped. */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(current.length() == 0 ? "" : " ").append(trimmed);
            if (trimmed.endsWith(";")) {
                current.setLength(current.length() - 1);
                out.add(current.toString());
                current.setLength(0);
            }
        }
        if (current.length() > 0) {
            out.add(current.toString());
        }
        return out;
    }

    /** Runs every shipped migration the database has not run yet, and records each as it ends. */
    static void apply(Connection c) throws SQLException {
        List<String> scripts = shipped();
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS meta (k VARCHAR(64) PRIMARY KEY, v BIGINT NOT NULL)");
            long version = 0;
            try (ResultSet rs = s.executeQuery("SELECT v FROM meta WHERE k = 'schema'")) {
                if (rs.next()) {
                    version = rs.getLong(1);
                }
            }
            if (version > scripts.size()) {
                throw new SQLException("the database has schema version " + version + " but this head knows only "
                        + scripts.size() + "; upgrade the head");
            }
            for (int n = (int) version + 1; n <= scripts.size(); n++) {
                for (String statement : statements(scripts.get(n - 1))) {
                    s.execute(statement);
                }
                s.execute("MERGE INTO meta KEY (k) VALUES ('schema', " + n + ")");
                c.commit();
            }
        }
        c.commit();
    }
}
