package dev.hpc.cli.bench;

import dev.hpc.api.HpcException;
import dev.hpc.cli.local.LocalCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * What the benchmarks that start a cluster of their own (failover, recovery, chaos and its fault
 * suite) all need: a directory for it, free ports and a start that tries again when one was taken
 * meanwhile, the end of a daemon's log for a failure message, a pause between polls ({@link Poll}
 * waits for a condition), and the directory's removal afterwards.
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

    /**
     * Starts a cluster with {@code start} on base port {@code port}, or when that is 0 on one {@code freePort}
     * finds: found again, up to three times in all, when another process took one of its ports between the
     * probe and the start ({@link dev.hpc.cli.local.LocalCluster#start} says a port "is taken").
     */
    public static <T> T startOnFreePorts(int port, IntSupplier freePort, IntFunction<T> start) {
        for (int attempt = 1; ; attempt++) {
            int p = port != 0 ? port : freePort.getAsInt();
            try {
                return start.apply(p);
            } catch (HpcException e) {
                if (port != 0 || attempt >= 3 || !String.valueOf(e.getMessage()).contains("is taken")) {
                    throw e;
                }
            }
        }
    }

    /**
     * A base port P from 20000 to 29999 with P plus each of {@code offsets} free on 127.0.0.1, if one of
     * {@code tries} random draws has them all.
     */
    public static OptionalInt freeBasePort(int tries, int... offsets) {
        for (int i = 0; i < tries; i++) {
            int p = 20_000 + ThreadLocalRandom.current().nextInt(10_000);
            if (IntStream.of(offsets).allMatch(k -> LocalCluster.portFree("127.0.0.1", p + k))) {
                return OptionalInt.of(p);
            }
        }
        return OptionalInt.empty();
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
