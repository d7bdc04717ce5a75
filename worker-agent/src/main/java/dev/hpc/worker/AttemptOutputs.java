package dev.hpc.worker;

import dev.hpc.api.wire.WireMessage.LaunchOrder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Where an attempt's output goes; {@code stdout == stderr} when the streams are joined. {@code notes} are the
 * {@code hpc:} lines the task's error file starts with (written by the owner's shell when switching).
 */
record AttemptOutputs(Path stdout, Path stderr, List<String> notes) {
    private static final Logger LOG = Logger.getLogger(AttemptOutputs.class.getName());

    boolean joined() {
        return stdout.equals(stderr);
    }

    /**
     * Opens the output files the order asks for, or their fallbacks in the attempt's directory {@code dir}. An
     * agent that runs as the owner writes the notes into the error file at once.
     */
    static AttemptOutputs open(LaunchOrder order, Path dir, RunAs.Identity who, String nodeName) {
        List<String> notes = new ArrayList<>();
        AttemptOutputs outputs = switch (order.join()) {
            case STDOUT_STDERR -> {
                Path p = open(order, order.stdoutPath(), dir.resolve("stdout"), notes, who, nodeName);
                yield new AttemptOutputs(p, p, notes);
            }
            case STDERR_STDOUT -> {
                Path p = open(order, order.stderrPath(), dir.resolve("stderr"), notes, who, nodeName);
                yield new AttemptOutputs(p, p, notes);
            }
            case NONE -> new AttemptOutputs(
                    open(order, order.stdoutPath(), dir.resolve("stdout"), notes, who, nodeName),
                    open(order, order.stderrPath(), dir.resolve("stderr"), notes, who, nodeName), notes);
        };
        if (!who.switchUser()) {
            notes.forEach(note -> outputs.explain(who, note));
        }
        return outputs;
    }

    /**
     * Creates the asked file as the owner with the job's umask, and truncates it unless the job appends
     * ({@code --open-mode=append}); when that fails, the spool fallback, and says so.
     * The fallback is created by the agent in the attempt's directory, which only the agent can write,
     * and then given to the owner.
     */
    private static Path open(LaunchOrder order, String requested, Path fallback, List<String> notes,
                             RunAs.Identity who, String nodeName) {
        if (!requested.isBlank()) {
            Path p = resolve(order, requested);
            Optional<String> refused = OwnerFiles.open(who, p, order.files());
            if (refused.isEmpty()) {
                return p;
            }
            String note = "cannot write " + p + " (" + refused.get() + "); this output goes to " + nodeName + ":"
                    + fallback + " instead";
            LOG.warning(() -> "attempt " + order.attemptId() + ": " + note);
            notes.add(note);
        } else {
            notes.add("no output file was given; this output goes to " + nodeName + ":" + fallback);
        }
        try {
            truncate(fallback);
            who.give(fallback, "rw-------");
            return fallback;
        } catch (IOException e) {
            throw new LaunchFailedException("cannot write the output of attempt " + order.attemptId() + " to "
                    + requested + " nor to " + fallback + ": " + e.getMessage(), e);
        }
    }

    private static Path resolve(LaunchOrder order, String path) {
        Path p = Path.of(path);
        if (p.isAbsolute() || order.submitDir().isBlank()) {
            return p;
        }
        return Path.of(order.submitDir()).resolve(p);
    }

    private static void truncate(Path p) throws IOException {
        Files.newOutputStream(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING).close();
    }

    /** One {@code hpc:} line in the task's error file; best effort. */
    void explain(RunAs.Identity who, String message) {
        OwnerFiles.append(who, stderr, "hpc: " + message + "\n")
                .ifPresent(why -> LOG.fine(() -> "cannot write to " + stderr + ": " + why));
    }
}
