package dev.hpc.worker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The shell of an interactive session ({@code qsub -I}; docs/commands.md), started on the node that runs the
 * job's script, as the script was: as the owner, in the script's work directory, with the script's whole
 * environment, and, for an agent running as root, through {@link OwnerShell} so that nothing root runs sees
 * that environment.
 *
 * <p>In a terminal the shell runs under util-linux {@code script}, which makes the pseudo-terminal: Java has
 * no pty API, and {@code script} is the well-kept tool every node has with {@code setsid} and {@code setpriv}
 * (the worker needs util-linux anyway). Its line discipline turns the client's Ctrl-C (0x03) into SIGINT for
 * the foreground job, and {@link #resize} sets the size with {@code stty}, which makes the kernel send
 * SIGWINCH. Without a terminal the shell reads commands from its standard input, as PBS does.
 *
 * <p>Standard input: an agent that is not root gives the shell a pipe. Root cannot: the owner's shell takes
 * root's hand-over file as its standard input, and a process that dropped root cannot reopen root's pipe. So
 * root makes a FIFO in its own spool (which only root may write, so nobody can put a link in its place),
 * gives it to the owner with mode 0600, and holds it open for reading and writing (an open that never
 * blocks, and that keeps the reader from seeing an end before the session's input ends); the owner's shell
 * opens it as its standard input before it enters the work directory. The FIFO goes when the session ends.
 */
final class SessionShell {
    private static final Optional<Path> SCRIPT = Executables.first("/usr/bin/script", "/bin/script");
    private static final Optional<Path> STTY = Executables.first("/usr/bin/stty", "/bin/stty");
    private static final Optional<Path> MKFIFO = Executables.first("/usr/bin/mkfifo", "/bin/mkfifo");
    private static final Pattern PTS = Pattern.compile("/dev/pts/[0-9]+");
    static final String FIFO_PREFIX = ".session-";

    private SessionShell() {
    }

    /**
     * The command {@code sh -c} runs: the owner's login shell, in a pseudo-terminal of {@code rows} by
     * {@code cols} with {@code tty}, else reading its standard input.
     */
    static String command(boolean tty, int rows, int cols) {
        String shell = "exec \"${SHELL:-/bin/sh}\"";
        if (!tty) {
            return shell;
        }
        Path script = SCRIPT.orElseThrow(() -> new LaunchFailedException("no 'script' command (util-linux) in "
                + "/usr/bin or /bin on this node, so it cannot give the session a terminal: install util-linux, or "
                + "run qsub -I with standard input that is not a terminal"));
        // -q: no banner; -e: the shell's exit status; -f: output as it comes; /dev/null: no typescript file
        String inner = (rows > 0 && cols > 0 ? "stty rows " + rows + " cols " + cols + " 2>/dev/null; " : "")
                + shell + " -i";
        return "exec " + OwnerShell.quote(script.toString()) + " -q -e -f -c " + OwnerShell.quote(inner)
                + " /dev/null";
    }

    /** The session's environment: the script's, with what marks an interactive session. */
    static Map<String, String> environment(Map<String, String> scriptEnvironment, boolean tty, String term) {
        Map<String, String> env = new TreeMap<>(scriptEnvironment);
        env.put("PBS_ENVIRONMENT", "PBS_INTERACTIVE");
        if (tty) {
            env.put("TERM", term.isBlank() || !term.matches("[A-Za-z0-9._+-]{1,64}") ? "xterm" : term);
        }
        return env;
    }

    /** Where the shell's standard input is written. */
    interface Input extends AutoCloseable {
        void write(byte[] data) throws IOException;

        /**
         * Ends the input (the shell reads an end of file after what was written); {@code sessionPid} is the
         * session's leader, {@code ended} whether it has ended. May wait for the shell to open its input.
         */
        void end(long sessionPid, BooleanSupplier ended);

        /** Frees what the input holds, once the session ended. */
        @Override
        void close();
    }

    /** A pipe to the process (an agent that is not root). */
    static Input pipe(OutputStream stdin) {
        return new Input() {
            @Override
            public void write(byte[] data) throws IOException {
                stdin.write(data);
                stdin.flush();
            }

            @Override
            public void end(long sessionPid, BooleanSupplier ended) {
                close();
            }

            @Override
            public void close() {
                try {
                    stdin.close();
                } catch (IOException e) {
                    // the shell is gone: nothing to end
                }
            }
        };
    }

    /** A FIFO in root's spool, the owner's, held open by the agent; see the class comment. */
    static final class Fifo implements Input {
        private final Path path;
        private final FileChannel channel;

        private Fifo(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
        }

        static Fifo create(Path spool, RunAs.Identity who) throws IOException {
            Path mkfifo = MKFIFO.orElseThrow(() -> new LaunchFailedException("no mkfifo (coreutils) in /usr/bin or "
                    + "/bin on this node"));
            Path path = spool.resolve(FIFO_PREFIX + UUID.randomUUID());
            Process p = OwnerShell.asRoot(new ProcessBuilder(mkfifo.toString(), "-m", "600", "--", path.toString()))
                    .redirectErrorStream(true).start();
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new IOException("mkfifo " + path + " failed: "
                            + new String(p.getInputStream().readAllBytes()).strip());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while making " + path, e);
            }
            try {
                who.give(path, "rw-------");
                // READ and WRITE: O_RDWR, which never blocks on a FIFO
                FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS);
                return new Fifo(path, channel);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(path);
                throw e;
            }
        }

        Path path() {
            return path;
        }

        @Override
        public void write(byte[] data) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }

        /**
         * Closing the agent's descriptor before the shell opened the FIFO would throw away what was written
         * (a pipe nobody holds open keeps nothing): so this waits until a process of the session holds it, or
         * the session ended, polling the session's open files.
         */
        @Override
        public void end(long sessionPid, BooleanSupplier ended) {
            while (!ended.getAsBoolean() && !held(sessionPid)) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            closeChannel();
        }

        private boolean held(long sessionPid) {
            for (long pid : ProcessTree.members(sessionPid).keySet()) {
                try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
                    if (fds.anyMatch(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).equals(path);
                        } catch (IOException e) {
                            return false;
                        }
                    })) {
                        return true;
                    }
                } catch (IOException | UncheckedIOException e) {
                    // gone: the next one
                }
            }
            return false;
        }

        private void closeChannel() {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing more to end
            }
        }

        @Override
        public void close() {
            closeChannel();
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // a FIFO left in the spool is harmless; the next start of the agent does not need it
            }
        }
    }

    /**
     * Sets the size of the session's terminal: finds the pseudo-terminal the shell under {@code script} reads
     * (a process of the session whose standard input is {@code /dev/pts/N}) and runs {@code stty} on it as the
     * owner, never as root. Returns false when no terminal was found (the session has none, or ended).
     */
    static boolean resize(long sessionPid, RunAs.Identity who, int rows, int cols) throws IOException {
        if (rows <= 0 || cols <= 0 || rows > 10_000 || cols > 10_000) {
            return false;
        }
        Optional<String> pts = terminalOf(sessionPid);
        if (pts.isEmpty() || STTY.isEmpty()) {
            return false;
        }
        List<String> command = new ArrayList<>(who.prefix());
        command.addAll(List.of(STTY.get().toString(), "-F", pts.get(), "rows", Integer.toString(rows), "cols",
                Integer.toString(cols)));
        Process p = OwnerShell.asRoot(new ProcessBuilder(command)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return false;
        }
    }

    /** The pseudo-terminal a process of the session reads, if any. */
    static Optional<String> terminalOf(long sessionPid) {
        for (long pid : ProcessTree.members(sessionPid).keySet()) {
            try {
                String target = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "fd", "0")).toString();
                if (PTS.matcher(target).matches()) {
                    return Optional.of(target);
                }
            } catch (IOException | UnsupportedOperationException e) {
                // gone, or not ours to read: the next one
            }
        }
        return Optional.empty();
    }
}
