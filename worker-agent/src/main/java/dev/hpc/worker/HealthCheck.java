package dev.hpc.worker;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the node-health-check script once, as PBS's NHC is run by the node daemon: exit status 0
 * passes; any other status, or still running after the timeout (its whole process tree is then
 * killed), fails. The message of a failure is the script's first non-blank line of output (NHC prints
 * {@code ERROR ...}; stdout and stderr together), else a sentence that says what went wrong.
 * Blocking: the verticle runs it on a worker thread, never on the event loop.
 *
 * <p>It runs as the agent, root on a real node, so it gets {@link #ENVIRONMENT} alone, not the agent's
 * environment: whatever the shell that started the agent had ({@code sudo -E}, a login's
 * {@code LD_LIBRARY_PATH}) must not steer a program root runs (docs/security.md). A script that needs more
 * sets it itself.
 */
public final class HealthCheck {
    /** At most this much of a message is kept: it travels in every heartbeat. */
    static final int MAX_MESSAGE = 500;

    /** The whole environment of the script: the system's programs, the administrator's in sbin included. */
    static final Map<String, String> ENVIRONMENT = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");

    /** The outcome of one run; {@link #PASS} when no script is configured. */
    public record Verdict(boolean passed, String message) {
        public static final Verdict PASS = new Verdict(true, "");
    }

    private final Path script;
    private final Duration timeout;
    private final Path outputFile;

    /** @param workDir where the script runs and its output is kept between runs (the spool directory) */
    public HealthCheck(Path script, Duration timeout, Path workDir) {
        this.script = script;
        this.timeout = timeout;
        this.outputFile = workDir.resolve("health-check.out");
    }

    public Verdict run() {
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(List.of(script.toString()))
                    .directory(outputFile.getParent().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(outputFile.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().clear();
            pb.environment().putAll(ENVIRONMENT);
            p = pb.start();
        } catch (IOException e) {
            return new Verdict(false, "cannot run the health check " + script + ": " + e.getMessage());
        }
        boolean ended;
        try {
            ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killTree(p);
            return new Verdict(false, "the health check was interrupted");
        }
        if (!ended) {
            killTree(p);
            String first = firstLine();
            return new Verdict(false, "health check timed out after " + timeout.toMillis() + " ms"
                    + (first.isEmpty() ? "" : ": " + first));
        }
        int status = p.exitValue();
        if (status == 0) {
            return Verdict.PASS;
        }
        String first = firstLine();
        return new Verdict(false, first.isEmpty() ? "health check " + script.getFileName() + " exited with status "
                + status : first);
    }

    private static void killTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String firstLine() {
        try (var lines = Files.lines(outputFile, StandardCharsets.UTF_8)) {
            String line = lines.map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
            return line.length() > MAX_MESSAGE ? line.substring(0, MAX_MESSAGE) : line;
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }
}
