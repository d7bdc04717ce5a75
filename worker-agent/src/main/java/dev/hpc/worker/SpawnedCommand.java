package dev.hpc.worker;

import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage.SpawnExited;
import dev.hpc.api.wire.WireMessage.SpawnOutput;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One command spawned into an attempt ({@code setsid sh -c COMMAND}): a session and process group of
 * its own whose id is its pid. Its standard output and error are read by two threads and sent to the
 * head in chunks as they come; once both have ended and the command has exited, its exit status goes
 * (128 + signal when a signal ended it). A kill is SIGTERM to the group, the session and every
 * descendant, then SIGKILL after the grace period. Processes the command leaves behind when it exits
 * are swept the same way, as for a task's script.
 */
final class SpawnedCommand {
    private static final Logger LOG = Logger.getLogger(SpawnedCommand.class.getName());
    private static final int CHUNK = 32 * 1024;
    private static final long POLL_MILLIS = 50;

    private final String spawnId;
    private final long attemptId;
    private final Process process;
    private final long pid;
    private final Consumer<FromWorker> send;
    private final ScheduledExecutorService timers;
    private final Duration grace;
    private final AtomicBoolean killing = new AtomicBoolean();
    private final CompletableFuture<Integer> exited = new CompletableFuture<>();
    private final Map<Long, ProcessHandle> known = new ConcurrentSkipListMap<>();

    SpawnedCommand(String spawnId, long attemptId, Process process, Consumer<FromWorker> send,
                   ScheduledExecutorService timers, Duration grace) {
        this.spawnId = spawnId;
        this.attemptId = attemptId;
        this.process = process;
        this.pid = process.pid();
        this.send = send;
        this.timers = timers;
        this.grace = grace;
    }

    String spawnId() {
        return spawnId;
    }

    long attemptId() {
        return attemptId;
    }

    long pid() {
        return pid;
    }

    /** Completes with the exit status once the output is sent and the command has exited. */
    CompletableFuture<Integer> exited() {
        return exited;
    }

    /** Starts the readers and the exit watch; called once, right after the start. */
    void watch(Executor io) {
        CompletableFuture<Void> out = CompletableFuture.runAsync(() -> pump(process.getInputStream(), 1), io);
        CompletableFuture<Void> err = CompletableFuture.runAsync(() -> pump(process.getErrorStream(), 2), io);
        process.onExit().thenRunAsync(this::leaderExited, timers);
        CompletableFuture.allOf(out, err, process.onExit()).whenComplete((v, e) -> {
            int status = process.exitValue();
            send.accept(new SpawnExited(spawnId, status, ""));
            exited.complete(status);
        });
    }

    private void pump(InputStream in, int stream) {
        byte[] buffer = new byte[CHUNK];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (n > 0) {
                    send.accept(new SpawnOutput(spawnId, stream, Arrays.copyOf(buffer, n)));
                }
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "spawn " + spawnId + ": reading stream " + stream + " failed", e);
        }
    }

    /** {@code qsig}: {@code signal} to the command's whole tree, unless it is being killed. Never blocks. */
    void signal(String signal) {
        if (killing.get()) {
            return;
        }
        timers.execute(() -> {
            collect();
            List<Long> outsiders = new ArrayList<>();
            for (ProcessHandle h : known.values()) {
                if (h.pid() != pid && !ProcessTree.inGroup(h.pid(), pid)) {
                    outsiders.add(h.pid());
                }
            }
            if (!known.isEmpty()) {
                ProcessTree.signalGroupAndOthers(pid, outsiders, signal);
            }
        });
    }

    /** SIGTERM to the whole tree now, SIGKILL to what is left after the grace period. Never blocks. */
    void kill() {
        if (!killing.compareAndSet(false, true)) {
            return;
        }
        timers.execute(() -> {
            collect();
            LOG.info(() -> "spawn " + spawnId + " of attempt " + attemptId + ": SIGTERM to process group " + pid
                    + " " + known.keySet());
            signalAll(grace.isZero() ? "KILL" : "TERM");
            long deadline = System.nanoTime() + grace.toNanos();
            timers.schedule(() -> awaitEnd(deadline), POLL_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    private void awaitEnd(long deadline) {
        collect();
        if (known.isEmpty()) {
            return;
        }
        if (System.nanoTime() - deadline >= 0) {
            LOG.info(() -> "spawn " + spawnId + ": SIGKILL to " + known.keySet());
            signalAll("KILL");
            process.destroyForcibly();
            // a last look; what survives SIGKILL is stuck in the kernel and cannot be helped
            timers.schedule(() -> {
                collect();
                known.values().forEach(h -> ProcessTree.signal(h, "KILL"));
            }, POLL_MILLIS * 4, TimeUnit.MILLISECONDS);
            return;
        }
        timers.schedule(() -> awaitEnd(deadline), POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The command exited: what it left behind in its session is swept, as for a task's script. */
    private void leaderExited() {
        collect();
        if (!known.isEmpty() && !killing.get()) {
            LOG.info(() -> "spawn " + spawnId + " ended leaving processes " + known.keySet() + ": killing them");
            kill();
        }
    }

    private void collect() {
        known.putAll(ProcessTree.members(pid));
        known.values().removeIf(h -> !ProcessTree.alive(h));
        if (!process.isAlive()) {
            known.remove(pid);
        }
    }

    private void signalAll(String signal) {
        ProcessTree.signalGroup(pid, signal);
        for (ProcessHandle h : known.values()) {
            if (!ProcessTree.inGroup(h.pid(), pid)) {
                ProcessTree.signal(h, signal);
            }
        }
    }
}
