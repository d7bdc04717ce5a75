package dev.hpc.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the per-job commands ({@link #SERVED}) for the {@code bin/hpc} launcher of one user, so that a
 * tool that calls {@code qsub} or {@code qstat} once per job does not start a JVM each time (~0.8 s on
 * 2 cores; through the server, a few ms plus the head's answer). The launcher starts it in the
 * background on first use; it listens on 127.0.0.1 only, answers only callers that send the random
 * key of its state file (mode 0600 in a 0700 directory of the user's ~/.hpc), and exits after
 * {@link #IDLE} without a call, when its jar is rebuilt, or when a newer server took its state file.
 * docs/commands.md describes it, and how to turn it off ({@code HPC_NO_SERVER=1}).
 *
 * <p>The server speaks first: {@code HPC-CMD-1 PROOF\n}, with the proof from the state file; a caller
 * that does not see it sends nothing. The proof is shown to whoever connects, so the launcher also
 * checks, before it connects, that the state file's pid is still this server, run by the same user.
 * Then one call, all fields
 * NUL-terminated: {@code HPC-CMD-1} and the key, answered {@code READY\n}
 * (otherwise the caller runs the command itself: nothing was asked yet); then the working directory, the number
 * of arguments, the arguments, then {@code NAME=VALUE} for each exported variable and an empty field.
 * The answer is {@code STDIN\n} when the command reads its standard input (the caller then sends
 * {@code LENGTH\n} and that many bytes), then {@code ERR n\n}, n bytes, {@code EXIT code\n},
 * {@code OUT n\n} and n bytes (the output last, so that a long one can be copied as it is). Once a call is sent the launcher never runs it again itself: a submission must
 * not be made twice.
 */
public final class CommandServer implements AutoCloseable {
    static final String MAGIC = "HPC-CMD-1";
    /** The commands tools call once per job; the others start their own JVM. */
    static final Set<String> SERVED = Set.of("qsub", "qstat", "qdel", "qhold", "qrls", "qalter", "pbsnodes");
    static final Duration IDLE = Duration.ofMinutes(10);
    private static final int MAX_FIELD = 1 << 20;
    private static final int MAX_FIELDS = 100_000;
    /** Variables that name files: relative to the caller's directory, not the server's. */
    private static final List<String> PATH_VARIABLES = List.of(ConfigFile.ENV, dev.hpc.api.ApiToken.FILE_ENV,
            dev.hpc.api.ClientTls.CA_ENV);

    private final Path stateFile;
    private final Path jar;
    private final long jarStamp;
    private final ServerSocket socket;
    private final byte[] key;
    /** What the server shows first, so that a caller never sends its key to whatever took the port. */
    private final String proof;
    private final String stateLine;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ExecutorService calls = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "hpc-command");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong lastCall = new AtomicLong(System.nanoTime());
    private volatile boolean closed;

    private CommandServer(Path stateFile, Path jar, FileChannel lockChannel, FileLock lock) throws IOException {
        this.stateFile = stateFile;
        this.jar = jar;
        this.jarStamp = stamp(jar);
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.socket = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        this.key = new byte[32];
        new SecureRandom().nextBytes(key);
        byte[] proofBytes = new byte[16];
        new SecureRandom().nextBytes(proofBytes);
        this.proof = HexFormat.of().formatHex(proofBytes);
        this.stateLine = socket.getLocalPort() + " " + HexFormat.of().formatHex(key) + " " + ProcessHandle.current().pid()
                + " " + proof + "\n";
        writePrivately(stateFile, stateLine);
    }

    /**
     * A server whose state goes to {@code stateFile}; empty when another server of the same state file
     * is running or starting (its lock file is held).
     */
    static java.util.Optional<CommandServer> start(Path stateFile, Path jar) throws IOException {
        Path dir = stateFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
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
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(new CommandServer(stateFile, jar, channel, lock));
        } catch (IOException | RuntimeException e) {
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
        java.util.Optional<CommandServer> server = start(Path.of(args[0]), Path.of(args[1]));
        if (server.isEmpty()) {
            return; // another is running or starting
        }
        try (CommandServer s = server.get()) {
            s.serve();
            // calls already sent finish before the JVM ends: a submission must not die half-way
            s.calls.shutdown();
            s.calls.awaitTermination(5, java.util.concurrent.TimeUnit.MINUTES);
        }
    }

    int port() {
        return socket.getLocalPort();
    }

    byte[] key() {
        return key.clone();
    }

    /** Answers calls until idle, stale or closed. */
    void serve() {
        Thread watch = new Thread(this::watch, "hpc-command-watch");
        watch.setDaemon(true);
        watch.start();
        while (!closed) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                break; // closed
            }
            if (closed) {
                try {
                    s.close(); // the caller was shown nothing, so it runs the command itself
                } catch (IOException ignored) {
                    // it is gone already
                }
                break;
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
            if (idle || stale()) {
                closeQuietly();
                return;
            }
        }
    }

    /** The jar was rebuilt, or another server took the state file: its callers go there now. */
    private boolean stale() {
        if (running.get() > 0) {
            return false;
        }
        try {
            return stamp(jar) != jarStamp || !Files.readString(stateFile).equals(stateLine);
        } catch (IOException e) {
            return true;
        }
    }

    private void answer(Socket s) throws IOException {
        s.setTcpNoDelay(true);
        // a caller that stops sending does not hold a thread, nor keep the server from ever going idle
        s.setSoTimeout(10_000);
        InputStream in = new BufferedInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        out.write((MAGIC + " " + proof + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        if (!MAGIC.equals(field(in))) {
            return;
        }
        if (!MessageDigest.isEqual(key, HexFormat.of().parseHex(hexOrEmpty(field(in))))) {
            return;
        }
        // the caller sends the call only after this, and runs it itself when it does not come
        out.write("READY\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
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
        s.setSoTimeout(0); // standard input may be typed at a terminal, at the user's pace
        for (String name : PATH_VARIABLES) {
            String value = env.getOrDefault(name, "");
            if (!value.isBlank()) {
                env.put(name, cwd.resolve(value).toString());
            }
        }
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int code;
        try (PrintWriter o = new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8));
             PrintWriter e = new PrintWriter(new OutputStreamWriter(stderr, StandardCharsets.UTF_8))) {
            if (!SERVED.contains(args.get(0))) {
                e.println("hpc: the command server runs only " + String.join(", ", new java.util.TreeSet<>(SERVED))
                        + ", not '" + args.get(0) + "'");
                code = ExitCodes.USAGE;
            } else {
                Invocation invocation = new Invocation(env, cwd, new CallerStdin(in, out), true);
                try {
                    code = Invocation.runAs(invocation, () -> HpcMain.run(o, e, args.toArray(String[]::new)));
                } catch (OutOfMemoryError tooLarge) {
                    o.flush();
                    stdout.reset();
                    e.println(args.get(0) + ": the command server ran out of memory in this call (its heap is "
                            + "limited to " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB); check with "
                            + "qstat whether it was carried out before repeating it, with HPC_NO_SERVER=1");
                    code = ExitCodes.ERROR;
                }
            }
        }
        byte[] o = stdout.toByteArray();
        byte[] e = stderr.toByteArray();
        // one write: a reply in pieces waits for the caller's delayed acknowledgement (~40 ms)
        ByteArrayOutputStream reply = new ByteArrayOutputStream(o.length + e.length + 64);
        // the output last: the caller may copy a long one with cat rather than read it byte by byte
        reply.writeBytes(("ERR " + e.length + "\n").getBytes(StandardCharsets.US_ASCII));
        reply.writeBytes(e);
        reply.writeBytes(("EXIT " + code + "\n").getBytes(StandardCharsets.US_ASCII));
        reply.writeBytes(("OUT " + o.length + "\n").getBytes(StandardCharsets.US_ASCII));
        reply.writeBytes(o);
        reply.writeTo(out);
        out.flush();
    }

    private static String hexOrEmpty(String s) {
        return s.length() == 64 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0) ? s : "";
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
        socket.close();
        calls.shutdown();
        lock.release();
        lockChannel.close();
    }
}
