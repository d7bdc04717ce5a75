package dev.hpc.cli.local;

import dev.hpc.api.HpcException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The processes of a {@link LocalCluster}'s daemons: starting one, telling whether it is alive, signalling it
 * and waiting for it to end. A daemon this instance started is its child, and is asked through its
 * {@link Process}: waiting on it reaps it, so that it never lingers as a zombie. One another process started is
 * found by its pid and start time. Loaded with the first start, so that a stop needs no class not loaded yet.
 */
final class DaemonProcesses {
    private final Path dir;
    /** The daemons this instance started, by name. */
    private final Map<String, Process> children = new HashMap<>();

    DaemonProcesses(Path dir) {
        this.dir = dir;
    }

    /** Starts {@code d}'s command, its output appended to its log; the returned record has the new pid. */
    Daemon launch(Daemon d) {
        try {
            Files.writeString(d.log(), "=== " + Instant.now() + " starting " + d.name() + ": "
                    + String.join(" ", d.command()) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(d.command())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(d.log().toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p = pb.start();
            children.put(d.name(), p);
            return d.withProcess(p.pid(), p.info().startInstant().orElse(Processes.startOf(p.pid())));
        } catch (IOException e) {
            throw new HpcException("cannot start " + d.name() + " (" + String.join(" ", d.command()) + "): "
                    + e.getMessage(), e);
        }
    }

    /** The process of {@code d} if this instance started it. */
    private Optional<Process> child(Daemon d) {
        Process p = children.get(d.name());
        return p != null && p.pid() == d.pid() ? Optional.of(p) : Optional.empty();
    }

    boolean isAlive(Daemon d) {
        Optional<Process> p = child(d);
        if (p.isPresent()) {
            return p.get().isAlive();
        }
        return d.pid() > 0 && Processes.alive(d.pid(), d.started());
    }

    /** The exit status of {@code d} if this instance started it and it has ended since. */
    Optional<Integer> exitStatus(Daemon d) {
        return child(d).filter(p -> !p.isAlive()).map(Process::exitValue);
    }

    /** SIGSTOP ({@code frozen}) or SIGCONT. */
    void freeze(Daemon d, boolean frozen) {
        try {
            Process kill = new ProcessBuilder("kill", frozen ? "-STOP" : "-CONT", Long.toString(d.pid()))
                    .redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (kill.waitFor() != 0) {
                throw new HpcException("cannot " + (frozen ? "freeze " : "thaw ") + d.name() + ": " + out);
            }
        } catch (IOException e) {
            throw new HpcException("cannot run kill: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HpcException("interrupted while signalling " + d.name());
        }
    }

    /** SIGKILL ({@code kill}) or SIGTERM, after a SIGCONT that lets a frozen daemon act on the SIGTERM. */
    void signal(Daemon d, boolean kill) {
        // a frozen daemon could not act on SIGTERM; SIGCONT first (harmless to a running one)
        ProcessHandle.of(d.pid()).filter(h -> h.isAlive()).ifPresent(h -> {
            try {
                new ProcessBuilder("kill", "-CONT", Long.toString(d.pid())).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            } catch (IOException e) {
                // no kill command: a frozen daemon stays frozen until SIGKILL, which needs no thaw
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Optional<Process> p = child(d);
        if (p.isPresent()) {
            if (kill) {
                p.get().destroyForcibly();
            } else {
                p.get().destroy();
            }
            return;
        }
        ProcessHandle.of(d.pid()).ifPresent(h -> {
            if (kill) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
        });
    }

    /** Whether {@code d} ended within {@code timeout}. */
    boolean awaitExit(Daemon d, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Optional<Process> p = child(d);
        if (p.isPresent()) {
            try {
                return p.get().waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HpcException("interrupted while waiting for " + d.name() + " to exit");
            }
        }
        while (isAlive(d)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            pause(Duration.ofMillis(50));
        }
        return true;
    }

    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HpcException("interrupted");
        }
    }
}
