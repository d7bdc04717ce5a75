package dev.hpc.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * The agent's spool directory, which jobs must not write: created the agent's and not writable by
 * group or others, checked at start-up. An agent running as root makes it {@code 0711}, so a task can
 * reach its own attempt directory by its full path (its script and TMPDIR are there) but can neither
 * list nor change the spool; an agent running as an ordinary user makes it {@code 0700}.
 */
final class SpoolDir {
    private SpoolDir() {
    }

    /** Creates or checks the spool; throws {@link WorkerConfigException} saying what to fix. */
    static void prepare(Path spool, long agentUid) {
        String mode = agentUid == 0 ? "rwx--x--x" : "rwx------";
        try {
            if (!Files.isDirectory(spool, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(spool);
                Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString(mode));
            }
            Object owner = Files.getAttribute(spool, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (agentUid >= 0 && ((Number) owner).longValue() != agentUid) {
                throw new WorkerConfigException("the spool directory " + spool + " belongs to uid " + owner
                        + ", not to the worker's uid " + agentUid + ": give one of the worker's own with --spool-dir");
            }
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(spool, LinkOption.NOFOLLOW_LINKS);
            if (p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new WorkerConfigException("the spool directory " + spool + " is writable by group or others ("
                        + PosixFilePermissions.toString(p) + "), so jobs could change what the worker runs: "
                        + "chmod " + (agentUid == 0 ? "711 " : "700 ") + spool);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new WorkerConfigException("cannot create the spool directory " + spool + " ("
                    + e.getMessage() + "): give a writable one with --spool-dir");
        }
        if (!Files.isWritable(spool)) {
            throw new WorkerConfigException("the spool directory " + spool
                    + " is not writable: give a writable one with --spool-dir");
        }
        removeHandOvers(spool);
    }

    /**
     * Removes the hand-over files ({@link OwnerShell}) an agent that died mid-launch left: each holds a
     * job's whole environment, its spawn token included, and no process will read it any more.
     */
    static void removeHandOvers(Path spool) {
        try (var files = Files.newDirectoryStream(spool, OwnerShell.HAND_OVER_PREFIX + "*")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new WorkerConfigException("cannot remove the hand-over files left in the spool directory " + spool
                    + " (" + e.getMessage() + "): remove " + spool + "/" + OwnerShell.HAND_OVER_PREFIX + "* by hand");
        }
    }

    /**
     * The first directory, from the spool up, that others may not enter (no {@code o+x}). A task that
     * runs as its owner reaches its script and TMPDIR through the spool, so under such a directory
     * (root's home is 0700) every job of another user would fail to start.
     */
    static Optional<Path> closedToOthers(Path spool) {
        for (Path p = spool.toAbsolutePath(); p != null; p = p.getParent()) {
            try {
                if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return Optional.of(p);
                }
            } catch (IOException | UnsupportedOperationException e) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
