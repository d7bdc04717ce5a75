package dev.hpc.cli.bench;

import dev.hpc.api.HpcException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the benchmarks that start a cluster of their own (failover, recovery, chaos and its fault
 * suite) all need: a directory for it, the end of a daemon's log for a failure message, a pause
 * between polls, and the directory's removal afterwards.
 */
public final class BenchSupport {
    private BenchSupport() {
    }

    /** {@code given} (created if missing), else a new temporary directory named from {@code prefix}. */
    static Path workDir(Path given, String prefix) {
        try {
            return given != null ? Files.createDirectories(given).toAbsolutePath()
                    : Files.createTempDirectory(prefix).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the benchmark's directory: " + e.getMessage(), e);
        }
    }

    /** The last {@code lines} lines of a log, indented under its name. */
    public static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "--- last lines of " + log + ":\n  " + String.join("\n  ",
                    all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
        } catch (IOException | UncheckedIOException e) {
            return "--- " + log + ": cannot read (" + e.getMessage() + ")\n";
        }
    }

    public static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HpcException("interrupted");
        }
    }

    /** Removes what it can: a leftover file in a temporary directory is no reason to fail a benchmark. */
    static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // go on with the others
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // as above
        }
    }
}
