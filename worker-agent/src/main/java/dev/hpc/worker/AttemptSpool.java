package dev.hpc.worker;

import dev.hpc.api.wire.WireMessage.LaunchOrder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The attempts' directories in the agent's spool. An agent running as root keeps each its own, 0711
 * (reachable, not listable, not writable); its script, TMPDIR and fallback output files are the owner's.
 *
 * <p>Layout: {@code <spool>/<attemptId>/script}, {@code nodefile}, {@code tmp/} (the task's
 * TMPDIR, removed when the attempt ends), {@code sandbox/} (the work directory of a job with
 * {@code -W sandbox=PRIVATE}, removed likewise) and, only when the asked output file could not be
 * written, {@code stdout} or {@code stderr}. {@link #cleanUp} removes the script, the node file
 * and the directory once the head has the result, but keeps fallback output files.
 */
final class AttemptSpool {
    private static final Logger LOG = Logger.getLogger(AttemptSpool.class.getName());
    /** The directory of an attempt with {@code -W sandbox=PRIVATE}, in its spool directory. */
    static final String SANDBOX = "sandbox";

    private final Path spoolDir;
    private final String nodeName;
    private final RunAs runAs;

    AttemptSpool(Path spoolDir, String nodeName, RunAs runAs) {
        this.spoolDir = spoolDir;
        this.nodeName = nodeName;
        this.runAs = runAs;
    }

    Path attemptDir(long attemptId) {
        return spoolDir.resolve(Long.toString(attemptId));
    }

    /**
     * Creates the directory of the order's attempt; throws {@link LaunchFailedException} when it cannot, or when
     * {@code who}, another user than the agent's, could not reach it.
     */
    Path create(LaunchOrder order, RunAs.Identity who) {
        Path dir = attemptDir(order.attemptId());
        if (who.switchUser()) {
            SpoolDir.closedToOthers(dir.getParent()).ifPresent(closed -> {
                throw new LaunchFailedException("the worker's spool " + dir.getParent() + " is under " + closed
                        + ", which other users may not enter, so " + order.owner() + "'s job could not reach its "
                        + "script: start the worker with --spool-dir in a directory others may enter, such as "
                        + "/var/spool/hpc/" + nodeName);
            });
        }
        try {
            Files.createDirectories(dir);
            if (runAs.privileged()) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            }
        } catch (IOException e) {
            throw new LaunchFailedException("cannot create the spool directory " + dir + " of attempt "
                    + order.attemptId() + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /**
     * {@code -W sandbox=PRIVATE}: the attempt's own directory {@code sandbox} in its spool directory, the owner's
     * with mode 0700, where the job starts (its {@code PBS_JOBDIR}) whatever {@code -d} said, as OpenPBS runs such
     * a job in a directory it makes for it. Removed with what the job left in it when the attempt ends; the output
     * files still go where {@code -o} and {@code -e} say.
     */
    static Path sandbox(Path attemptDir, RunAs.Identity who) throws IOException {
        Path sandbox = attemptDir.resolve(SANDBOX);
        Files.createDirectories(sandbox);
        who.give(sandbox, "rwx------");
        return sandbox;
    }

    /** Removes what the attempt left in the spool, except output that had nowhere else to go. */
    void cleanUp(long attemptId) {
        Path dir = attemptDir(attemptId);
        try {
            Files.deleteIfExists(dir.resolve("script"));
            Files.deleteIfExists(dir.resolve("nodefile"));
            Files.deleteIfExists(dir.resolve(SpawnSupport.OPEN_MPI_HOSTFILE));
            Files.deleteIfExists(dir.resolve(SpawnSupport.MPICH_HOSTFILE));
            if (runAs.privileged()) {
                // the owner's TMPDIR was emptied as the owner when the task ended; root walks no tree a job wrote
                for (String owners : List.of("tmp", SANDBOX)) {
                    try {
                        Files.deleteIfExists(dir.resolve(owners));
                    } catch (DirectoryNotEmptyException e) {
                        LOG.fine(() -> "the " + owners + " directory of attempt " + attemptId + " is not empty yet; "
                                + "left for its owner's clean-up");
                    }
                }
            } else {
                deleteTree(dir.resolve("tmp"));
                deleteTree(dir.resolve(SANDBOX));
            }
            try (Stream<Path> left = Files.list(dir)) {
                if (left.findAny().isEmpty()) {
                    Files.deleteIfExists(dir);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "cannot clean up " + dir, e);
        }
    }

    static void writeFile(Path p, String content, String permissions) throws IOException {
        Files.writeString(p, content, StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the default permissions stay
        }
    }

    /** Removes {@code root} and all below it, as the agent; best effort. */
    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.log(Level.FINE, "cannot delete " + p, e);
                }
            });
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "cannot delete " + root, e);
        }
    }
}
