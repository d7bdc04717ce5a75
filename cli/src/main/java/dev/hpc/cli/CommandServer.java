package dev.hpc.cli;

import com.sun.security.auth.module.UnixSystem;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the per-job commands ({@link #SERVED}) for the {@code bin/hpc} launcher of one user, so that a
 * tool that calls {@code qsub} or {@code qstat} once per job does not start a JVM each time (~0.8 s on
 * 2 cores; through the server, a few ms plus the head's answer). The launcher starts it in the
 * background on first use, detached from the caller (its own session, its standard streams on
 * {@code /dev/null}, no other descriptor of the caller's); it exits after {@link #IDLE} without a call,
 * when its jar is rebuilt, when a newer server took its state file, or when its socket file is gone.
 * docs/commands.md describes it, and how to turn it off ({@code HPC_NO_SERVER=1}).
 *
 * <p><b>Who may call it.</b> It listens on a Unix domain socket in a directory of mode 0700 that
 * belongs to its user ({@link CommandSocketPath}), so another user cannot even reach the socket.
 * For every connection it asks the kernel which user made it ({@code SO_PEERCRED}) and closes any
 * other user's before it reads or writes a byte. The launcher asks the kernel the same about the
 * server before it sends anything. So there is no key: until issue #15 the server listened on
 * 127.0.0.1, where anybody could connect, and trusted a caller that sent a random key from the
 * user's private state file, and a launcher trusted a server that showed a second one after checking
 * its pid in {@code /proc}. Whoever can read such a key (the user, root) can reach the socket too,
 * and the kernel's answer cannot be copied or replayed as a secret can.
 *
 * <p>The state file (mode 0600, in the user's {@code ~/.hpc/command-server}, 0700) holds
 * {@code PID SOCKET-PATH}; the server writes its log beside it ({@code STATE.log}): where the socket
 * is and why, and every refused caller.
 *
 * <p><b>The call.</b> The server speaks first: {@code HPC-CMD-2\n} (a caller that does not see it
 * runs the command itself: nothing was asked yet). Then, all fields NUL-terminated, the working
 * directory, the number of arguments, the arguments, then {@code NAME=VALUE} for each exported
 * variable and an empty field. The answer is {@code STDIN\n} when the command reads its standard input
 * (the caller then sends {@code LENGTH\n} and that many bytes), then {@code ERR n\n}, n bytes,
 * {@code EXIT code\n}, {@code OUT n\n} and n bytes (the output last, so that a long one can be copied as
 * it is). Once a call is sent the launcher never runs it again itself: a submission must not be made
 * twice. A call may end with {@code THEN n\n} and n NUL-terminated arguments: after printing what it
 * got, the launcher runs the command line they make in a JVM of its own (HPC-CMD-3; qsub's wait
 * for a blocking submission, which would otherwise hold a thread of the server for as long as the
 * job runs and could not be stopped with Ctrl-C).
 */
public final class CommandServer implements AutoCloseable {
    static final String MAGIC = "HPC-CMD-3";
    /** The commands tools call once per job; the others start their own JVM. */
    static final Set<String> SERVED = Set.of("qsub", "qstat", "qselect", "qdel", "qhold", "qrls", "qalter", "pbsnodes");
    static final Duration IDLE = Duration.ofMinutes(10);
    /** A caller that stops sending its call does not hold a thread, nor keep the server from going idle. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final Path stateFile;
    private final Path jar;
    private final long jarStamp;
    private final CommandSocket socket;
    private final String stateLine;
    private final CommandServerLog log;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ExecutorService calls = Executors.newCachedThreadPool(r -> daemon(r, "hpc-command"));
    private final ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor(
            r -> daemon(r, "hpc-command-timeout"));
    private final PreparedCommandLines trees;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong lastCall = new AtomicLong(System.nanoTime());
    private volatile boolean closed;
    private volatile String leaving = "closed";

    private CommandServer(Path stateFile, Path jar, CommandSocketPath.Places places, CommandServerLog log,
                          FileChannel lockChannel, FileLock lock, boolean warmUp) throws IOException {
        this.stateFile = stateFile;
        this.trees = new PreparedCommandLines();
        this.jar = jar;
        this.jarStamp = stamp(jar);
        this.log = log;
        this.lockChannel = lockChannel;
        this.lock = lock;
        CommandSocketPath.Choice choice = CommandSocketPath.choose(stateFile, places, uid());
        choice.notes().forEach(log::line);
        this.socket = CommandSocket.bind(choice.socket(), log);
        try {
            this.stateLine = ProcessHandle.current().pid() + " " + socket.path() + "\n";
            Path prepared = prepareStateFile(stateFile, stateLine);
            if (warmUp) {
                // once the socket is bound and the state file's text written beside it, so that a server that cannot
                // start fails before it warms up; but before the state file names it, so that no call finds it cold
                long began = System.nanoTime();
                int calls = CommandServerWarmUp.run(CommandServerWarmUp.ROUNDS, CommandServerWarmUp.AT_MOST, trees);
                log.line("warmed up by " + calls + " calls to no head in " + (System.nanoTime() - began) / 1_000_000
                        + " ms");
            }
            publishStateFile(prepared, stateFile);
        } catch (IOException | RuntimeException e) {
            socket.close();
            trees.close();
            Files.deleteIfExists(preparedStateFile(stateFile));
            throw e;
        }
        log.line("pid " + ProcessHandle.current().pid() + " answers " + socket.user().getName() + " only, on "
                + socket.path());
    }

    /**
     * A server whose state goes to {@code stateFile}; empty when another server of the same state file
     * is running or starting (its lock file is held).
     */
    static Optional<CommandServer> start(Path stateFile, Path jar, CommandSocketPath.Places places) throws IOException {
        return start(stateFile, jar, places, false);
    }

    /**
     * As {@link #start(Path, Path, CommandSocketPath.Places)}; with {@code warmUp}, the server first runs its own
     * calls ({@link CommandServerWarmUp}) and only then binds its socket and names it in the state file, so that
     * the launcher whose call started it, which waits for that, and every call after it find it warm.
     */
    static Optional<CommandServer> start(Path stateFile, Path jar, CommandSocketPath.Places places, boolean warmUp)
            throws IOException {
        Path dir = stateFile.toAbsolutePath().getParent();
        Files.createDirectories(dir.getParent());
        CommandSocketPath.makePrivate(dir, uid());
        FileChannel channel = FileChannel.open(dir.resolve(stateFile.getFileName() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException heldInThisJvm) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            return Optional.empty();
        }
        CommandServerLog log = null;
        try {
            log = new CommandServerLog(dir.resolve(stateFile.getFileName() + ".log"));
            return Optional.of(new CommandServer(stateFile, jar, places, log, channel, lock, warmUp));
        } catch (IOException | RuntimeException e) {
            if (log != null) {
                log.line("cannot start: " + e.getMessage() + "; the commands start their own JVM meanwhile");
                log.close();
            }
            lock.release();
            channel.close();
            throw e;
        }
    }

    /** {@code java -cp hpc-cli.jar dev.hpc.cli.CommandServer STATE-FILE JAR}, as the launcher starts it. */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: CommandServer STATE-FILE JAR");
            System.exit(2);
        }
        Optional<CommandServer> server;
        try {
            server = start(Path.of(args[0]), Path.of(args[1]), CommandSocketPath.Places.of(System.getenv()), true);
        } catch (IOException e) {
            System.err.println("hpc command server: " + e.getMessage());
            System.exit(1);
            return;
        }
        if (server.isEmpty()) {
            return; // another is running or starting
        }
        try (CommandServer s = server.get()) {
            // killed with SIGTERM (as the docs say to stop it): no state file or socket is left behind
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                s.leaving = "stopped by a signal";
                s.closeQuietly();
            }, "hpc-command-exit"));
            s.serve();
            // calls already sent finish before the JVM ends: a submission must not die half-way
            s.calls.shutdown();
            s.calls.awaitTermination(5, TimeUnit.MINUTES);
        }
    }

    Path socketPath() {
        return socket.path();
    }

    /**
     * Asks the launcher to run {@code args} (an {@code hpc} command line) in a JVM of its own once it has
     * printed this call's answer; outside the server it does nothing.
     */
    static void continueWith(List<String> args) {
        CommandCall.continueWith(args);
    }

    /** Answers calls until idle, stale or closed. */
    void serve() {
        Thread watch = daemon(this::watch, "hpc-command-watch");
        watch.start();
        while (!closed) {
            SocketChannel s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                break; // closed
            }
            if (closed) {
                closeQuietly(s); // the caller was shown nothing, so it runs the command itself
                break;
            }
            if (!socket.fromThisUser(s)) {
                closeQuietly(s);
                continue;
            }
            running.incrementAndGet();
            lastCall.set(System.nanoTime());
            calls.execute(() -> {
                try (s) {
                    answer(s);
                } catch (IOException | RuntimeException e) {
                    // the caller went away; it reports that itself
                } finally {
                    lastCall.set(System.nanoTime());
                    running.decrementAndGet();
                }
            });
        }
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException e) {
                return;
            }
            boolean idle = running.get() == 0 && System.nanoTime() - lastCall.get() > IDLE.toNanos();
            Optional<String> stale = stale();
            if (idle || stale.isPresent()) {
                leaving = stale.orElse("idle for " + IDLE.toMinutes() + " minutes");
                closeQuietly();
                return;
            }
        }
    }

    /** Why the callers no longer come here: the jar was rebuilt, another server took over, the socket is gone. */
    private Optional<String> stale() {
        if (running.get() > 0) {
            return Optional.empty();
        }
        if (stamp(jar) != jarStamp) {
            return Optional.of("its jar was rebuilt");
        }
        try {
            if (!Files.readString(stateFile).equals(stateLine)) {
                return Optional.of("another server took its state file");
            }
        } catch (IOException e) {
            return Optional.of("its state file is gone");
        }
        if (!socket.ownsItsFile()) {
            // a logout empties XDG_RUNTIME_DIR: no caller can reach this one any more
            return Optional.of("its socket file is gone");
        }
        return Optional.empty();
    }

    private void answer(SocketChannel s) throws IOException {
        ScheduledFuture<?> cut = timeouts.schedule(() -> closeQuietly(s), CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        InputStream in = new BufferedInputStream(Channels.newInputStream(s));
        OutputStream out = Channels.newOutputStream(s);
        out.write((MAGIC + "\n").getBytes(StandardCharsets.US_ASCII));
        Optional<CommandCall> call = CommandCall.read(in);
        if (call.isEmpty()) {
            return; // more than a call may hold: nothing is run
        }
        if (!cut.cancel(false)) {
            return; // cut off meanwhile: the caller was told the call may not have been made, and it was not
        }
        // standard input, if the command reads it, may be typed at a terminal, at the user's pace
        call.get().answer(in, out, trees);
    }

    private static long stamp(Path jar) {
        try {
            return Files.getLastModifiedTime(jar).toMillis();
        } catch (IOException e) {
            return -1;
        }
    }

    /** This process's user id, for the directories it makes or checks. */
    private static long uid() {
        return new UnixSystem().getUid();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The state file's text written beside it, private to the user; {@link #publishStateFile} puts it in place. */
    private static Path prepareStateFile(Path file, String text) throws IOException {
        Path tmp = preparedStateFile(file);
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, text);
        return tmp;
    }

    private static Path preparedStateFile(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp" + ProcessHandle.current().pid());
    }

    private static void publishStateFile(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void closeQuietly(SocketChannel s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // it is gone already
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException e) {
            // exiting anyway
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (Files.readString(stateFile).equals(stateLine)) {
                Files.deleteIfExists(stateFile);
            }
        } catch (IOException e) {
            // already gone or taken by another server
        }
        // before the lock goes: the next server of this state file binds the same path
        socket.close();
        calls.shutdown();
        timeouts.shutdownNow();
        trees.close();
        log.line("left: " + leaving);
        log.close();
        lock.release();
        lockChannel.close();
    }
}
