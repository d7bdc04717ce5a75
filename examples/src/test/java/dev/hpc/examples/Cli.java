package dev.hpc.examples;

import dev.hpc.cli.HpcMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the commands ({@code qsub}, {@code qstat}, ...) against one cluster and captures what they print
 * and their exit code.
 *
 * <p>{@link #run} runs them in this JVM through {@link HpcMain#run}, which writes to the given writers
 * and never exits: fast, and what the launchers run. {@code --server} is put right after the command
 * name, so the user's {@code ~/.hpc/config} is never read. {@link #qsubIn} is qsub run from a
 * directory: qsub sends {@code user.dir} as the submit directory (where the output goes by
 * default), so that property is set for the call, as {@code cd DIR && qsub} would; the JVM's file
 * resolution does not follow {@code user.dir} after start-up, so script paths must be absolute.
 *
 * <p>{@link #process} runs the launchers of {@code bin/} as real processes instead, in a directory and
 * with {@code HPC_CONFIG} pointing at the cluster's own config file and {@code HPC_TOKEN_FILE} at its
 * admin token, so that they never touch the machine's own {@code ~/.hpc}.
 */
final class Cli {
    /** What one command printed and how it exited. */
    record Result(String command, int exitCode, String out, String err) {
        /** Standard output without the final newline: a job id, for qsub. */
        String line() {
            return out.strip();
        }

        /** For failure messages. */
        String describe() {
            return command + " -> exit " + exitCode + ", stdout [" + out + "], stderr [" + err + "]";
        }
    }

    private static final Object USER_DIR_LOCK = new Object();
    private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(90);

    private final String server;
    private final Path hpcHome;
    private final Path config;
    /** The cluster's admin token: the commands never read the machine's own ~/.hpc/token. */
    private final Path tokenFile;

    Cli(String server, Path hpcHome, Path config, Path tokenFile) {
        this.server = server;
        this.hpcHome = hpcHome;
        this.config = config;
        this.tokenFile = tokenFile;
    }

    /** {@code hpc COMMAND --server HEAD ARGS...} in this JVM. */
    Result run(String command, String... args) {
        List<String> all = new ArrayList<>();
        all.add(command);
        all.add("--server");
        all.add(server);
        all.add("--token-file");
        all.add(tokenFile.toString());
        all.addAll(Arrays.asList(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            code = HpcMain.run(o, e, all.toArray(String[]::new));
        }
        return new Result(command + " " + String.join(" ", args), code, out.toString(), err.toString());
    }

    /** {@code cd submitDir && qsub ARGS...} in this JVM. */
    Result qsubIn(Path submitDir, String... args) {
        synchronized (USER_DIR_LOCK) {
            String before = System.getProperty("user.dir");
            System.setProperty("user.dir", submitDir.toAbsolutePath().toString());
            try {
                return run("qsub", args);
            } finally {
                System.setProperty("user.dir", before);
            }
        }
    }

    /**
     * {@code cd dir && bin/COMMAND ARGS...} as a process, finding the head through {@code HPC_CONFIG}
     * (the cluster's own config file) like a user's shell finds it through {@code ~/.hpc/config}.
     */
    Result process(Path dir, String command, String... args) {
        Running p = start(dir, command, args);
        try {
            return p.await(PROCESS_TIMEOUT);
        } finally {
            p.close();
        }
    }

    /** A launcher of {@code bin/} started by {@link #start}, its output going to files until it ends. */
    static final class Running implements AutoCloseable {
        private final String command;
        private final Process process;
        private final Path out;
        private final Path err;

        private Running(String command, Process process, Path out, Path err) {
            this.command = command;
            this.process = process;
            this.out = out;
            this.err = err;
        }

        Process process() {
            return process;
        }

        /** What it printed on standard output so far. */
        String outSoFar() {
            try {
                return Files.readString(out, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** What it printed on standard error so far. */
        String errSoFar() {
            try {
                return Files.readString(err, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Waits for it to end; one that does not within {@code timeout} is killed and fails the test. */
        Result await(Duration timeout) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError(command + " did not end within " + timeout.toSeconds() + " s; stdout ["
                            + outSoFar() + "], stderr [" + errSoFar() + "]");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running " + command, e);
            }
            return new Result(command, process.exitValue(), outSoFar(), errSoFar());
        }

        /** Kills it if it still runs and removes its output files. */
        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** {@link #process} started, not waited for: for a command that blocks (qsub -W block=true). */
    Running start(Path dir, String command, String... args) {
        return start(dir, List.of(), command, args);
    }

    /** As {@link #start(Path, String, String...)}, run through {@code wrapper} (a program and its arguments). */
    Running start(Path dir, List<String> wrapper, String command, String... args) {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(hpcHome.resolve("bin").resolve(command).toString());
        cmd.addAll(Arrays.asList(args));
        return startCommand(dir, cmd, ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    }

    /**
     * As {@link #start(Path, String, String...)} with a pipe as standard input, which the test writes through
     * {@code process().getOutputStream()} (qsub -I reads its commands there).
     */
    Running startWithInput(Path dir, String command, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(hpcHome.resolve("bin").resolve(command).toString());
        cmd.addAll(Arrays.asList(args));
        return startCommand(dir, cmd, ProcessBuilder.Redirect.PIPE);
    }

    /**
     * As {@link #startWithInput}, in a pseudo-terminal of its own made by util-linux {@code script}: the command
     * sees a terminal on its standard input and output; what the test writes is typed at that terminal.
     */
    Running startInTerminal(Path dir, String command, String... args) {
        StringBuilder line = new StringBuilder("exec '" + hpcHome.resolve("bin").resolve(command) + "'");
        for (String a : args) {
            line.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        return startCommand(dir, List.of("script", "-q", "-e", "-f", "-c", line.toString(), "/dev/null"),
                ProcessBuilder.Redirect.PIPE);
    }

    private Running startCommand(Path dir, List<String> cmd, ProcessBuilder.Redirect input) {
        try {
            Path out = Files.createTempFile("cli", ".out");
            Path err = Files.createTempFile("cli", ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(input);
            Map<String, String> env = pb.environment();
            env.remove("HPC_SERVER");
            env.remove("HPC_WAIT");
            env.put("HPC_CONFIG", config.toString());
            env.remove("HPC_TOKEN");
            env.put("HPC_TOKEN_FILE", tokenFile.toString());
            // each call starts its own JVM: a command server would outlive the test (CommandServerIT tests it)
            env.put("HPC_NO_SERVER", "1");
            try {
                return new Running(String.join(" ", cmd), pb.start(), out, err);
            } catch (IOException e) {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd + ": " + e.getMessage(), e);
        }
    }
}
