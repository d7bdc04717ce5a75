package dev.hpc.worker;

import dev.hpc.api.job.FileModes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Opens a task's output files as the task's owner. When the agent runs as root, it never opens a path
 * the job named itself: a short {@code sh} run as the owner ({@code setpriv}) creates or appends, so
 * the file system checks the owner's rights, symlinks included, and a job cannot write where its owner
 * could not (another user's home, the agent's spool). An agent running as the owner opens them itself.
 * Blocking.
 */
final class OwnerFiles {
    private static final long TIMEOUT_SECONDS = 30;

    private OwnerFiles() {
    }

    /**
     * Makes {@code file} ready for a task's output as the owner: created with the job's umask when it is new
     * (with the agent's when the job has none), then emptied, or kept as it is with Slurm's
     * {@code --open-mode=append}. An existing file keeps its permissions, as a shell's {@code >} leaves them.
     * The reason when that is not possible.
     */
    static Optional<String> open(RunAs.Identity who, Path file, FileModes modes) {
        if (!who.switchUser()) {
            try {
                if (modes.umask().isPresent()) {
                    createWithUmask(file, modes.umask().getAsInt());
                }
                Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        modes.appendOutput() ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)
                        .close();
                return Optional.empty();
            } catch (IOException | RuntimeException e) {
                return Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        String umask = modes.umask().isPresent() ? "umask " + modes.umaskText() + " || exit 1; " : "";
        return asOwner(who, umask + (modes.appendOutput() ? ": >>\"$1\"" : ": >\"$1\""), file.toString());
    }

    /**
     * Creates {@code file} with mode {@code 0666 & ~umask} unless it exists. The JVM cannot change its own umask,
     * and the agent's masks a mode given at creation, so the mode is set once the file is there; until then it
     * has no more rights than the agent's umask gives, and no content.
     */
    static void createWithUmask(Path file, int umask) throws IOException {
        try {
            Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            return;
        }
        Files.setPosixFilePermissions(file, permissions(0666 & ~umask));
    }

    /** The permission bits of {@code mode} as NIO names them. */
    static Set<PosixFilePermission> permissions(int mode) {
        PosixFilePermission[] all = {
            PosixFilePermission.OTHERS_EXECUTE,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        Set<PosixFilePermission> set =
                EnumSet.noneOf(PosixFilePermission.class);
        for (int bit = 0; bit < all.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(all[bit]);
            }
        }
        return set;
    }

    /** Appends {@code text} to {@code file} as the owner; best effort, the reason when it failed. */
    static Optional<String> append(RunAs.Identity who, Path file, String text) {
        if (!who.switchUser()) {
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
                return Optional.empty();
            } catch (IOException | RuntimeException e) {
                return Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        return asOwner(who, "printf '%s' \"$2\" >>\"$1\"", file.toString(), text);
    }

    /**
     * Removes a directory the owner's task wrote into. With a switch the contents go as the owner
     * ({@code rm -rf}), so that a symlink the task swapped in mid-way cannot make root delete elsewhere;
     * the then empty directory, whose parent only the agent can write, goes as the agent.
     */
    static void deleteTree(RunAs.Identity who, Path dir) {
        if (who.switchUser() && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            asOwner(who, "rm -rf -- \"$1\"/* \"$1\"/.[!.]* \"$1\"/..?* 2>/dev/null; exit 0", dir.toString());
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // left for the next clean-up; nothing of the agent's is at stake
            }
            return;
        }
        AttemptSpool.deleteTree(dir);
    }

    private static Optional<String> asOwner(RunAs.Identity who, String shell, String... args) {
        List<String> command = new ArrayList<>(who.prefix());
        command.addAll(List.of("/bin/sh", "-c", shell, "hpc-output"));
        command.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .directory(Path.of("/").toFile());
            OwnerShell.asRoot(pb); // setpriv runs as root until it switches: nothing of the job's or the agent's
            BoundedRun.Ran ran = BoundedRun.run(pb, Duration.ofSeconds(TIMEOUT_SECONDS), 4096);
            if (ran.timedOut()) {
                return Optional.of("opening it as " + who.owner().name() + " took longer than " + TIMEOUT_SECONDS + " s");
            }
            if (ran.exit() == 0) {
                return Optional.empty();
            }
            String said = ran.output().strip();
            // sh says "/bin/sh: 1: cannot create /x: Permission denied"; the part after the last ": " is the news
            int colon = said.lastIndexOf(": ");
            return Optional.of((colon < 0 ? said : said.substring(colon + 2)) + " (as " + who.owner().name() + ")");
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }
}
