package dev.hpc.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

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
    /** What the command running on this thread leaves the launcher to run in a JVM of its own. */
    private static final ThreadLocal<List<String>> THEN = new ThreadLocal<>();
    /** The commands tools call once per job; the others start their own JVM. */
    static final Set<String> SERVED = Set.of("qsub", "qstat", "qselect", "qdel", "qhold", "qrls", "qalter", "pbsnodes");
    static final Duration IDLE = Duration.ofMinutes(10);
    /** A caller that stops sending its call does not hold a thread, nor keep the server from going idle. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_FIELD = 1 << 20;
    private static final int MAX_FIELDS = 100_000;
    /** Variables that name files: relative to the caller's directory, not the server's. */
    private static final List<String> PATH_VARIABLES = List.of(ConfigFile.ENV, dev.hpc.api.ApiToken.FILE_ENV,
            dev.hpc.api.ClientTls.CA_ENV);

    private final Path stateFile;
    private final Path jar;
    private final long jarStamp;
    private final Path socketPath;
    private final ServerSocketChannel socket;
    /** The socket file this server made: another one at its path is not its to remove. */
    private final Object socketKey;
    /** The user the kernel reports for this process's socket: the only one it answers. */
    private final UserPrincipal self;
    private final String stateLine;
    private final ServerLog log;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ExecutorService calls = Executors.newCachedThreadPool(r -> daemon(r, "hpc-command"));
    private final ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor(
            r -> daemon(r, "hpc-command-timeout"));
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong lastCall = new AtomicLong(System.nanoTime());
    private volatile boolean closed;
    private volatile String leaving = "closed";

    private CommandServer(Path stateFile, Path jar, CommandSocketPath.Places places, ServerLog log,
                          FileChannel lockChannel, FileLock lock) throws IOException {
        this.stateFile = stateFile;
        this.jar = jar;
        this.jarStamp = stamp(jar);
        this.log = log;
        this.lockChannel = lockChannel;
        this.lock = lock;
        CommandSocketPath.Choice choice = CommandSocketPath.choose(stateFile, places, uid());
        choice.notes().forEach(log::line);
        this.socketPath = choice.socket();
        removeStale(socketPath);
        this.socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            socket.bind(UnixDomainSocketAddress.of(socketPath), 64);
            // the directory keeps others out already; the socket file itself is the user's alone as well
            Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-------"));
            this.socketKey = Files.readAttributes(socketPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey();
            this.self = asTheKernelSeesIt(socketPath);
            this.stateLine = ProcessHandle.current().pid() + " " + socketPath + "\n";
            writePrivately(stateFile, stateLine);
        } catch (IOException | RuntimeException e) {
            socket.close();
            Files.deleteIfExists(socketPath);
            throw e;
        }
        log.line("pid " + ProcessHandle.current().pid() + " answers " + self.getName() + " only, on " + socketPath);
    }

    /**
     * A server whose state goes to {@code stateFile}; empty when another server of the same state file
     * is running or starting (its lock file is held).
     */
    static Optional<CommandServer> start(Path stateFile, Path jar, CommandSocketPath.Places places) throws IOException {
        Path dir = stateFile.toAbsolutePath().getParent();
        Files.createDirectories(dir.getParent());
        CommandSocketPath.makePrivate(dir, uid());
        FileChannel channel = FileChannel.open(dir.resolve(stateFile.getFileName() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException heldInThisJvm) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            return Optional.empty();
        }
        ServerLog log = null;
        try {
            log = new ServerLog(dir.resolve(stateFile.getFileName() + ".log"));
            return Optional.of(new CommandServer(stateFile, jar, places, log, channel, lock));
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
            server = start(Path.of(args[0]), Path.of(args[1]), CommandSocketPath.Places.of(System.getenv()));
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
        return socketPath;
    }

    /**
     * Asks the launcher to run {@code args} (an {@code hpc} command line) in a JVM of its own once it has
     * printed this call's answer; outside the server it does nothing.
     */
    static void continueWith(List<String> args) {
        THEN.set(List.copyOf(args));
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
            if (!fromThisUser(s)) {
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

    /** The kernel's word on who connected; anyone but this server's user is refused unheard. */
    private boolean fromThisUser(SocketChannel s) {
        try {
            UnixDomainPrincipal peer = s.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (peer.user().equals(self)) {
                return true;
            }
            log.line("refused a caller run by " + peer.user().getName() + ": only " + self.getName()
                    + " may call this server; nothing was read from it or sent to it");
        } catch (IOException | UnsupportedOperationException e) {
            log.line("refused a caller whose user the kernel did not tell: " + e);
        }
        return false;
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
        if (!ownSocketFile()) {
            // a logout empties XDG_RUNTIME_DIR: no caller can reach this one any more
            return Optional.of("its socket file is gone");
        }
        return Optional.empty();
    }

    private boolean ownSocketFile() {
        try {
            return Objects.equals(socketKey, Files.readAttributes(socketPath, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey());
        } catch (IOException e) {
            return false;
        }
    }

    private void answer(SocketChannel s) throws IOException {
        ScheduledFuture<?> cut = timeouts.schedule(() -> closeQuietly(s), CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        InputStream in = new BufferedInputStream(Channels.newInputStream(s));
        OutputStream out = Channels.newOutputStream(s);
        out.write((MAGIC + "\n").getBytes(StandardCharsets.US_ASCII));
        Path cwd = Path.of(field(in));
        int argc = Integer.parseInt(field(in));
        if (argc < 1 || argc > MAX_FIELDS) {
            return;
        }
        List<String> args = new ArrayList<>(argc);
        for (int i = 0; i < argc; i++) {
            args.add(field(in));
        }
        Map<String, String> env = new HashMap<>();
        for (String v = field(in); !v.isEmpty(); v = field(in)) {
            int eq = v.indexOf('=');
            if (eq > 0) {
                env.put(v.substring(0, eq), v.substring(eq + 1));
            }
            if (env.size() > MAX_FIELDS) {
                return;
            }
        }
        if (!cut.cancel(false)) {
            return; // cut off meanwhile: the caller was told the call may not have been made, and it was not
        }
        // standard input, if the command reads it, may be typed at a terminal, at the user's pace
        for (String name : PATH_VARIABLES) {
            String value = env.getOrDefault(name, "");
            if (!value.isBlank()) {
                env.put(name, cwd.resolve(value).toString());
            }
        }
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int code;
        List<String> then = null;
        try (PrintWriter o = new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8));
             PrintWriter e = new PrintWriter(new OutputStreamWriter(stderr, StandardCharsets.UTF_8))) {
            if (!SERVED.contains(args.get(0))) {
                e.println("hpc: the command server runs only " + String.join(", ", new java.util.TreeSet<>(SERVED))
                        + ", not '" + args.get(0) + "'");
                code = ExitCodes.USAGE;
            } else {
                Invocation invocation = new Invocation(env, cwd, new CallerStdin(in, out), true);
                try {
                    THEN.remove();
                    code = Invocation.runAs(invocation, () -> HpcMain.run(o, e, args.toArray(String[]::new)));
                    then = THEN.get();
                } catch (OutOfMemoryError tooLarge) {
                    o.flush();
                    stdout.reset();
                    e.println(args.get(0) + ": the command server ran out of memory in this call (its heap is "
                            + "limited to " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB); check with "
                            + "qstat whether it was carried out before repeating it, with HPC_NO_SERVER=1");
                    code = ExitCodes.ERROR;
                } finally {
                    THEN.remove();
                }
            }
        }
        byte[] o = stdout.toByteArray();
        byte[] e = stderr.toByteArray();
        // one write: each piece would wake the launcher's relay and the launcher once more
        ByteArrayOutputStream reply = new ByteArrayOutputStream(o.length + e.length + 64);
        // the output last: the caller may copy a long one with cat rather than read it byte by byte
        reply.writeBytes(("ERR " + e.length + "\n").getBytes(StandardCharsets.US_ASCII));
        reply.writeBytes(e);
        reply.writeBytes(("EXIT " + code + "\n").getBytes(StandardCharsets.US_ASCII));
        reply.writeBytes(("OUT " + o.length + "\n").getBytes(StandardCharsets.US_ASCII));
        reply.writeBytes(o);
        if (then != null) {
            reply.writeBytes(("THEN " + then.size() + "\n").getBytes(StandardCharsets.US_ASCII));
            for (String arg : then) {
                reply.writeBytes(arg.getBytes(StandardCharsets.UTF_8));
                reply.write(0);
            }
        }
        reply.writeTo(out);
        out.flush();
    }

    /** One NUL-terminated UTF-8 field. */
    static String field(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != 0; c = in.read()) {
            if (c < 0) {
                throw new EOFException("the caller's call ended early");
            }
            if (b.size() >= MAX_FIELD) {
                throw new IOException("a field of the call is longer than " + MAX_FIELD + " bytes");
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** The caller's standard input, asked for only when a command reads it. */
    private static final class CallerStdin extends InputStream {
        private final InputStream in;
        private final OutputStream out;
        private InputStream data;

        CallerStdin(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        private InputStream data() throws IOException {
            if (data == null) {
                out.write("STDIN\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                StringBuilder length = new StringBuilder();
                for (int c = in.read(); c != '\n'; c = in.read()) {
                    if (c < '0' || c > '9' || length.length() > 12) {
                        throw new IOException("the caller sent no length of its standard input");
                    }
                    length.append((char) c);
                }
                long n = Long.parseLong(length.toString());
                data = new java.io.ByteArrayInputStream(in.readNBytes((int) Math.min(n, Integer.MAX_VALUE - 8)));
            }
            return data;
        }

        @Override
        public int read() throws IOException {
            return data().read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return data().read(b, off, len);
        }
    }

    private static long stamp(Path jar) {
        try {
            return Files.getLastModifiedTime(jar).toMillis();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * This process's user as the kernel reports it to a peer: what a caller's credentials are compared
     * with, from the same source, so that neither a file system that maps owners (NFS squashing) nor a
     * uid without a name in the password file can make the server refuse its own user. The kernel
     * tells a client the credentials the listener had at {@code listen()}: those of this process.
     */
    private static UserPrincipal asTheKernelSeesIt(Path socket) throws IOException {
        try (SocketChannel me = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return me.getOption(ExtendedSocketOptions.SO_PEERCRED).user();
        } catch (UnsupportedOperationException e) {
            throw new IOException("this system does not tell who is at the other end of a Unix socket (SO_PEERCRED), "
                    + "which the command server needs to answer its own user only", e);
        }
    }

    /** This process's user id, for the directories it makes or checks. */
    private static long uid() {
        return new com.sun.security.auth.module.UnixSystem().getUid();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Under the lock, whatever socket is at the path was left by a server of this state file that died
     * (SIGKILL leaves it): binding needs the name free. Anything else there is not ours to remove.
     */
    private static void removeStale(Path socket) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = ((Number) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue();
        if ((mode & 0170000) != 0140000) {
            throw new IOException(socket + " is there and is not a socket; the command server binds its socket at "
                    + "that path: remove it");
        }
        Files.delete(socket);
    }

    private static void writePrivately(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp" + ProcessHandle.current().pid());
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, text);
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
        if (ownSocketFile()) {
            Files.deleteIfExists(socketPath);
        }
        socket.close();
        calls.shutdown();
        timeouts.shutdownNow();
        log.line("left: " + leaving);
        log.close();
        lock.release();
        lockChannel.close();
    }

    /**
     * The server's own log, {@code STATE.log} beside the state file (mode 0600): where its socket is and
     * why, and whom it refused. Bounded, since whoever is refused can call again.
     */
    private static final class ServerLog {
        private static final int MAX_LINES = 1_000;
        private final PrintWriter out;
        private int lines;

        ServerLog(Path file) throws IOException {
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
}
