package dev.hpc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The {@link CommandServer}'s own log, {@code STATE.log} beside the state file (mode 0600): where its socket is
 * and why, and whom it refused. Bounded, since whoever is refused can call again.
 */
final class CommandServerLog {
    private static final int MAX_LINES = 1_000;
    private final PrintWriter out;
    private int lines;

    CommandServerLog(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), true);
    }

    synchronized void line(String text) {
        if (lines < MAX_LINES) {
            out.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + text);
        } else if (lines == MAX_LINES) {
            out.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " (" + MAX_LINES
                    + " lines written; the later ones are left out)");
        }
        lines++;
    }

    synchronized void close() {
        out.close();
    }
}
