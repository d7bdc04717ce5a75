package dev.hpc.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The process table as the tests need it (Linux, read from {@code /proc}): pid, parent, session, state
 * and the full command line. A zombie (dead, waiting to be reaped; in a container without an init
 * that reaps, it may wait forever) counts as gone, as it does for the worker.
 */
final class Procs {
    private static final Path PROC = Path.of("/proc");

    /** One live process. {@code commandLine} is its arguments joined by blanks. */
    record Proc(long pid, long parent, long session, char state, String commandLine) {
        boolean zombie() {
            return state == 'Z' || state == 'X';
        }

        @Override
        public String toString() {
            return pid + " (" + commandLine + ")";
        }
    }

    private Procs() {
    }

    /** Every process that is alive and not a zombie. */
    static List<Proc> all() {
        List<Proc> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, p -> p.getFileName().toString()
                .matches("\\d+"))) {
            for (Path d : dirs) {
                read(Long.parseLong(d.getFileName().toString())).filter(p -> !p.zombie()).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: these tests need Linux", e);
        }
        return out;
    }

    /** The live, non-zombie processes that {@code filter} accepts. */
    static List<Proc> matching(Predicate<Proc> filter) {
        return all().stream().filter(filter).toList();
    }

    /** The live processes whose command line contains {@code text}. */
    static List<Proc> withCommandLineContaining(String text) {
        return matching(p -> p.commandLine().contains(text));
    }

    /** Whether {@code pid} is a live process that is not a zombie. */
    static boolean alive(long pid) {
        return read(pid).filter(p -> !p.zombie()).isPresent();
    }

    static Optional<Proc> read(long pid) {
        Path dir = PROC.resolve(Long.toString(pid));
        try {
            String stat = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
            // the command name is in parentheses and may itself hold blanks and parentheses
            int close = stat.lastIndexOf(')');
            String[] f = stat.substring(close + 2).split(" ");
            byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
            String cmd = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
            return Optional.of(new Proc(pid, Long.parseLong(f[1]), Long.parseLong(f[3]), f[0].charAt(0), cmd));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // gone meanwhile
        }
    }

    /**
     * SIGKILL to each of {@code pids} that still lives, then waits up to {@code wait} for them to go;
     * returns those that were killed.
     */
    static List<Long> killAll(Collection<Long> pids, Duration wait) {
        List<Long> killed = new ArrayList<>();
        for (long pid : pids) {
            if (alive(pid)) {
                ProcessHandle.of(pid).ifPresent(h -> {
                    if (h.destroyForcibly()) {
                        killed.add(pid);
                    }
                });
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (killed.stream().anyMatch(Procs::alive) && System.nanoTime() < deadline) {
            Poll.pause(Duration.ofMillis(50));
        }
        return killed;
    }

    /** Sends signal {@code name} ({@code INT}, {@code TERM}, ...) to {@code pid} with kill(1). */
    static void signal(long pid, String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
            if (!kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -" + name + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + pid, e);
        }
    }

    /** Runs a command to its end (at most a minute), its output discarded; its exit status. */
    static int exitStatus(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(List.of(command) + " did not end within 60 s");
        }
        return p.exitValue();
    }
}
