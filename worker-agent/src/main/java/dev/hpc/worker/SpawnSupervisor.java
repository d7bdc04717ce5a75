package dev.hpc.worker;

import dev.hpc.api.wire.SpawnProtocol;
import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage.Spawn;
import dev.hpc.api.wire.WireMessage.SpawnExited;
import dev.hpc.api.wire.WireMessage.SpawnRef;
import dev.hpc.api.wire.WireMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.logging.Logger;

/**
 * The commands spawned on this node into running attempts (MPI's daemons started by {@code hpc-rsh},
 * the copies of {@code hpc dsh}; docs/mpi.md), whether this node runs the attempt's script or is
 * another node of its allocation. They belong to the attempt: a kill of the attempt kills them, and so
 * does the end of its script here, a stop of the agent, and the head when their caller went away.
 *
 * <p>Each runs as the attempt's owner ({@link RunAs}), as {@link SpawnLauncher} starts it, with
 * {@code TMPDIR} {@code <spool>/spawn-<attempt>/}, removed when the attempt's last command here ends.
 *
 * <p>{@link #start}, {@link #kill}, {@link #killAttempt} and {@link #killAll} are called on the
 * verticle's event loop and never block; starts and kills run on threads of this class. Messages for
 * the head go to {@code send}, which must carry them to the verticle's context.
 */
final class SpawnSupervisor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SpawnSupervisor.class.getName());
    /** How many ended attempts to remember, to refuse a spawn that arrives after its attempt's kill. */
    private static final int ENDED_MEMORY = 10_000;

    private final String nodeName;
    private final Path spoolDir;
    private final Consumer<FromWorker> send;
    private final ExecutorService io;
    private final ScheduledExecutorService timers;
    /** Starts the commands' processes. */
    private final SpawnLauncher launcher;
    /** Every spawn starting or running; a starting one has no command yet. */
    private final Map<String, Entry> spawns = new ConcurrentHashMap<>();
    /**
     * How the newest spawns here ended, by spawn id: a head that took over asks for a command whose end the
     * previous head may never have passed on (event loop and spawn threads).
     */
    private final Map<String, SpawnExited> endedSpawns = Collections.synchronizedMap(
            new LinkedHashMap<>(256, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, SpawnExited> eldest) {
                    return size() > ENDED_MEMORY;
                }
            });
    /** Attempts killed here (event loop only). */
    private final Set<Long> ended = new LinkedHashSet<>();
    private final RunAs runAs;

    private static final class Entry {
        final long attemptId;
        volatile Optional<SpawnedCommand> command = Optional.empty();
        volatile boolean killed;
        /** Who the command runs as, once known. */
        volatile Optional<RunAs.Identity> who = Optional.empty();
        /** An interactive session's standard input, once started; one thread writes it, in order. */
        final CompletableFuture<SessionShell.Input> input =
                new CompletableFuture<>();
        final Optional<ExecutorService> writer;

        Entry(long attemptId, boolean session) {
            this.attemptId = attemptId;
            this.writer = session
                    ? Optional.of(Executors.newSingleThreadExecutor(r -> Daemons.thread(r, "hpc-session-input")))
                    : Optional.empty();
        }

        Entry(long attemptId) {
            this(attemptId, false);
        }
    }

    SpawnSupervisor(String nodeName, Path spoolDir, Duration grace, Map<String, String> agentEnvironment,
                    Consumer<FromWorker> send, RunAs runAs) {
        this.runAs = runAs;
        this.nodeName = nodeName;
        this.spoolDir = spoolDir.toAbsolutePath().normalize();
        this.send = send;
        AtomicInteger n = new AtomicInteger();
        this.io = Executors.newCachedThreadPool(r -> Daemons.thread(r, "hpc-spawn-io-" + n.incrementAndGet()));
        this.timers = Daemons.timers(1, r -> Daemons.thread(r, "hpc-spawn-kill"));
        this.launcher = new SpawnLauncher(nodeName, this.spoolDir, grace, agentEnvironment, send, timers, runAs);
    }

    /**
     * Starts a spawned command; its failure to start is reported to the head as exit status 255. A spawn id
     * that runs here is not started again: its output already goes to the active head, which now follows it
     * (a head that took over). One that ended here is answered with its end again, and one asked to be
     * resumed is never started anew.
     */
    void start(Spawn s) {
        if (spawns.containsKey(s.spawnId())) {
            LOG.info(() -> "spawn " + s.spawnId() + " runs already; the head that asked follows it");
            return;
        }
        Optional<SpawnExited> end = Optional.ofNullable(endedSpawns.get(s.spawnId()));
        if (end.isPresent() || s.resume()) {
            send.accept(end.orElseGet(() -> new SpawnExited(s.spawnId(), SpawnProtocol.LOST, "the command is no "
                    + "longer known on node " + nodeName + " (its worker restarted, or it ended long ago): its end "
                    + "is unknown")));
            return;
        }
        if (ended.contains(s.attemptId())) {
            send.accept(new SpawnExited(s.spawnId(), SpawnProtocol.LOST, "attempt " + s.attemptId()
                    + " has ended on node " + nodeName + ": nothing more can start in it"));
            return;
        }
        Entry entry = new Entry(s.attemptId());
        spawns.put(s.spawnId(), entry);
        io.execute(() -> {
            try {
                SpawnedCommand command = launch(s, entry);
                entry.command = Optional.of(command);
                command.exited().whenComplete((status, e) -> {
                    rememberEnd(new SpawnExited(s.spawnId(), e == null ? status : SpawnProtocol.LOST, ""));
                    ended(s.spawnId(), entry);
                });
                command.watch(io);
                if (entry.killed) {
                    command.kill();
                }
            } catch (IOException | RuntimeException e) {
                LOG.warning(() -> "spawn " + s.spawnId() + " of attempt " + s.attemptId() + " failed to start: "
                        + e.getMessage());
                send.accept(new SpawnExited(s.spawnId(), SpawnProtocol.LOST, "cannot start the command on node "
                        + nodeName + ": " + e.getMessage()));
                ended(s.spawnId(), entry);
            }
        });
    }

    /**
     * Starts the shell of an interactive session of attempt {@code o.attemptId()}, whose script runs here as
     * {@code setup} tells (empty: it does not run here). {@code shellEnded} gets the shell's exit status once
     * its output is sent, to end the attempt with it. Output and end go to the head as for a spawned command.
     */
    void startSession(WireMessage.OpenSession o,
                      CompletionStage<Optional<TaskProcess.SessionSetup>> setup,
                      IntConsumer shellEnded) {
        if (spawns.containsKey(o.spawnId())) {
            LOG.info(() -> "session " + o.spawnId() + " runs already; the head that asked follows it");
            return;
        }
        Optional<SpawnExited> end = Optional.ofNullable(endedSpawns.get(o.spawnId()));
        if (end.isPresent()) {
            send.accept(end.get());
            return;
        }
        if (ended.contains(o.attemptId())) {
            send.accept(notRunning(o));
            return;
        }
        // the entry exists from now on, so that input coming before the start waits for it, in order
        Entry entry = new Entry(o.attemptId(), true);
        spawns.put(o.spawnId(), entry);
        setup.whenCompleteAsync((found, error) -> {
            if (error != null || found == null || found.isEmpty() || entry.killed) {
                send.accept(notRunning(o));
                entry.input.completeExceptionally(new IllegalStateException("not started"));
                ended(o.spawnId(), entry);
                return;
            }
            try {
                entry.who = Optional.of(found.get().who());
                SpawnLauncher.Started started = launcher.session(o, found.get());
                SpawnedCommand command = started.command();
                entry.command = Optional.of(command);
                entry.input.complete(started.input()); // after the command: the input's end looks at it
                command.exited().whenComplete((status, e) -> {
                    int s = e == null ? status : SpawnProtocol.LOST;
                    rememberEnd(new SpawnExited(o.spawnId(), s, ""));
                    ended(o.spawnId(), entry);
                    shellEnded.accept(s);
                });
                command.watch(io);
                if (entry.killed) {
                    command.kill();
                }
            } catch (IOException | RuntimeException e) {
                LOG.warning(() -> "session " + o.spawnId() + " of attempt " + o.attemptId() + " failed to start: "
                        + e.getMessage());
                send.accept(new SpawnExited(o.spawnId(), SpawnProtocol.LOST, "cannot start the session's shell on "
                        + "node " + nodeName + ": " + e.getMessage()));
                entry.input.completeExceptionally(e);
                ended(o.spawnId(), entry);
                shellEnded.accept(SpawnProtocol.LOST);
            }
        }, io);
    }

    private SpawnExited notRunning(WireMessage.OpenSession o) {
        return new SpawnExited(o.spawnId(), SpawnProtocol.LOST, "attempt " + o.attemptId() + " does not run its "
                + "script on node " + nodeName + " (it ended, or has not started here): no session can open in it");
    }

    /** Bytes for a session's standard input, written in order by the session's own thread; {@code end} closes it. */
    void input(String spawnId, byte[] data, boolean end) {
        Entry e = spawns.get(spawnId);
        if (e == null || e.writer.isEmpty()) {
            return;
        }
        e.writer.get().execute(() -> {
            SessionShell.Input in;
            try {
                in = e.input.get(); // this thread waits for the start; the input keeps its order meanwhile
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException ex) {
                return; // the start failed, and its end is on the way to the head
            }
            try {
                if (data.length > 0) {
                    in.write(data);
                }
            } catch (IOException ex) {
                LOG.fine(() -> "session " + spawnId + ": its shell no longer reads its input: " + ex.getMessage());
            }
            if (end) {
                Optional<SpawnedCommand> c = e.command;
                in.end(c.map(SpawnedCommand::pid).orElse(-1L), () -> c.isEmpty() || c.get().exited().isDone());
            }
        });
    }

    /** A session's terminal has a new size (in order with its input). */
    void resize(String spawnId, int rows, int cols) {
        Entry e = spawns.get(spawnId);
        if (e == null || e.writer.isEmpty()) {
            return;
        }
        e.writer.get().execute(() -> {
            Optional<SpawnedCommand> c = e.command;
            Optional<RunAs.Identity> who = e.who;
            if (c.isEmpty() || who.isEmpty()) {
                return;
            }
            try {
                if (!SessionShell.resize(c.get().pid(), who.get(), rows, cols)) {
                    LOG.fine(() -> "session " + spawnId + ": no terminal to resize");
                }
            } catch (IOException ex) {
                LOG.fine(() -> "session " + spawnId + ": resizing failed: " + ex.getMessage());
            }
        });
    }

    private void rememberEnd(SpawnExited end) {
        endedSpawns.put(end.spawnId(), end);
    }

    /** This node's GPUs, whose ids replace the positions the head gives spawned commands. */
    SpawnSupervisor withGpuDevices(GpuDevices devices) {
        launcher.gpuDevices(devices);
        return this;
    }

    /**
     * Starts {@code s} as its owner, with the attempt's TMPDIR here, made under the lock under which {@link #ended}
     * removes it with the attempt's last command.
     */
    private SpawnedCommand launch(Spawn s, Entry entry) throws IOException {
        RunAs.Identity who = runAs.identify(s.owner());
        entry.who = Optional.of(who);
        Path tmp = tmpDir(s.attemptId());
        synchronized (this) {
            Files.createDirectories(tmp);
            who.give(tmp, "rwx------");
        }
        return launcher.spawn(s, who, tmp);
    }

    Path tmpDir(long attemptId) {
        return spoolDir.resolve("spawn-" + attemptId);
    }

    /** A command ended (or never started): forget it; the attempt's last one here takes its TMPDIR along. */
    private void ended(String spawnId, Entry entry) {
        spawns.remove(spawnId, entry);
        entry.writer.ifPresent(w -> {
            w.shutdownNow(); // a write blocked on a full FIFO is interrupted, and the channel closes
            entry.input.thenAccept(SessionShell.Input::close);
        });
        synchronized (this) {
            boolean last = spawns.values().stream().noneMatch(e -> e.attemptId == entry.attemptId);
            if (last) {
                Optional<RunAs.Identity> who = entry.who;
                if (who.isPresent()) {
                    OwnerFiles.deleteTree(who.get(), tmpDir(entry.attemptId));
                } else {
                    AttemptSpool.deleteTree(tmpDir(entry.attemptId));
                }
            }
        }
    }

    /** Kills one spawned command (its caller went away); unknown ids are ignored. */
    void kill(String spawnId) {
        Entry e = spawns.get(spawnId);
        if (e != null) {
            e.killed = true;
            e.command.ifPresent(SpawnedCommand::kill);
        }
    }

    /** {@code qsig}: {@code signal} to every command spawned into the attempt here; how many there were. */
    int signalAttempt(long attemptId, String signal) {
        int n = 0;
        for (Entry e : spawns.values()) {
            if (e.attemptId == attemptId && !e.killed && e.command.isPresent()) {
                e.command.get().signal(signal);
                n++;
            }
        }
        return n;
    }

    /** Kills every command of the attempt and refuses new ones: the attempt ended, here or elsewhere. */
    void killAttempt(long attemptId) {
        ended.add(attemptId);
        if (ended.size() > ENDED_MEMORY) {
            Iterator<Long> oldest = ended.iterator();
            oldest.next();
            oldest.remove();
        }
        int n = 0;
        for (Entry e : spawns.values()) {
            if (e.attemptId == attemptId) {
                e.killed = true;
                e.command.ifPresent(SpawnedCommand::kill);
                n++;
            }
        }
        if (n > 0) {
            int killed = n;
            LOG.info(() -> "attempt " + attemptId + " ended: killing its " + killed + " spawned command(s) on "
                    + nodeName);
        }
    }

    /** Kills everything spawned here (the agent is stopping). */
    void killAll() {
        for (Entry e : spawns.values()) {
            e.killed = true;
            e.command.ifPresent(SpawnedCommand::kill);
        }
    }

    /** What runs (or starts) now, for the head's reconciliation. */
    List<SpawnRef> running() {
        List<SpawnRef> out = new ArrayList<>();
        spawns.forEach((id, e) -> out.add(new SpawnRef(id, e.attemptId)));
        return out;
    }

    boolean idle() {
        return spawns.isEmpty();
    }

    @Override
    public void close() {
        io.shutdownNow();
        timers.shutdownNow();
    }
}
