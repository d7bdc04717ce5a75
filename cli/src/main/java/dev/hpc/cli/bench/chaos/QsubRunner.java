package dev.hpc.cli.bench.chaos;

import dev.hpc.api.HpcException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Submits through {@code bin/qsub}, as a user's shell runs it: the launcher, the user's command server (started
 * by the first call, as for a user) and {@code qsub} itself, which makes its own idempotency key and resends it
 * through a takeover for up to {@code HPC_WAIT}. The commands get a home of their own ({@code HOME}), so the
 * command server and its state belong to this run and are stopped by {@link #close()}; the heads and the token
 * are given by {@code HPC_SERVER} and {@code HPC_TOKEN_FILE}, so no {@code ~/.hpc} is read.
 */
final class QsubRunner implements AutoCloseable {
    private static final Duration MARGIN = Duration.ofSeconds(60);

    private final Path qsub;
    private final Path home;
    private final List<String> heads;
    private final Path tokenFile;
    private final Duration wait;

    QsubRunner(Path hpcHome, Path home, List<String> heads, Path tokenFile, Duration wait) {
        this.qsub = hpcHome.resolve("bin").resolve("qsub");
        this.home = home;
        this.heads = List.copyOf(heads);
        this.tokenFile = tokenFile;
        this.wait = wait;
        if (!Files.isExecutable(qsub)) {
            throw new HpcException(qsub + " is missing or not executable: give the repository root");
        }
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + home + ": " + e.getMessage(), e);
        }
    }

    /** {@code cd submitDir && qsub -N name -j oe -o outDir/ script}: the id it printed, or why it failed. */
    Submission submit(int index, String name, Path script, Path submitDir, Path outDir) {
        List<String> cmd = List.of(qsub.toString(), "-N", name, "-j", "oe", "-o", outDir + "/", script.toString());
        try {
            Path out = Files.createTempFile(home, "qsub", ".out");
            Path err = Files.createTempFile(home, "qsub", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(submitDir.toFile())
                        .redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
                Map<String, String> env = pb.environment();
                env.put("HOME", home.toString());
                env.put("HPC_CONFIG", home.resolve("config").toString());
                env.put("HPC_SERVER", String.join(",", heads));
                env.remove("HPC_TOKEN");
                env.put("HPC_TOKEN_FILE", tokenFile.toString());
                env.put("HPC_WAIT", Long.toString(wait.toSeconds()));
                env.remove("HPC_NO_SERVER");
                Process p = pb.start();
                if (!p.waitFor(wait.plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                    return Submission.failed(index, name, Submission.Route.QSUB, "", "qsub did not end within "
                            + wait.plus(MARGIN).toSeconds() + " s");
                }
                String id = Files.readString(out, StandardCharsets.UTF_8).strip();
                if (p.exitValue() == 0 && MarkerJob.jobNumber(id).isPresent()) {
                    return Submission.acknowledged(index, name, Submission.Route.QSUB, "", id);
                }
                return Submission.failed(index, name, Submission.Route.QSUB, "", "qsub exit " + p.exitValue() + ": "
                        + (Files.readString(err, StandardCharsets.UTF_8).strip() + " " + id).strip());
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return Submission.failed(index, name, Submission.Route.QSUB, "", "cannot run qsub: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Submission.failed(index, name, Submission.Route.QSUB, "", "interrupted");
        }
    }

    /** Stops the command servers that the calls started under this home (SIGTERM; they hold no work). */
    @Override
    public void close() {
        Path states = home.resolve(".hpc").resolve("command-server");
        if (!Files.isDirectory(states)) {
            return;
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(states)) {
            // the state files, beside their locks, logs and sockets
            s.filter(f -> Files.isRegularFile(f) && !f.getFileName().toString().endsWith(".lock")
                    && !f.getFileName().toString().endsWith(".log")).forEach(files::add);
        } catch (IOException e) {
            return;
        }
        for (Path f : files) {
            try {
                // PID SOCKET-PATH
                String[] w = Files.readString(f, StandardCharsets.UTF_8).strip().split(" ", 2);
                long pid = w.length == 2 && w[0].matches("\\d{1,10}") ? Long.parseLong(w[0]) : -1;
                ProcessHandle.of(pid).filter(h -> h.info().arguments().map(a -> String.join(" ", a))
                        .filter(cmd -> cmd.contains("dev.hpc.cli.CommandServer") && cmd.contains(f.toString()))
                        .isPresent()).ifPresent(h -> {
                            h.destroy();
                            h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> {
                                h.destroyForcibly();
                                return h;
                            }).join();
                        });
            } catch (IOException | RuntimeException e) {
                // a server that removed its state file meanwhile has left by itself
            }
        }
    }
}
