package dev.hpc.worker;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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

    /** Creates or truncates {@code file} as the owner; the reason when that is not possible. */
    static Optional<String> truncate(RunAs.Identity who, Path file) {
        if (!who.switchUser()) {
            try {
                Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING).close();
                return Optional.empty();
            } catch (IOException | RuntimeException e) {
                return Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        return asOwner(who, ": >\"$1\"", file.toString());
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
        if (who.switchUser() && Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            asOwner(who, "rm -rf -- \"$1\"/* \"$1\"/.[!.]* \"$1\"/..?* 2>/dev/null; exit 0", dir.toString());
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // left for the next clean-up; nothing of the agent's is at stake
            }
            return;
        }
        TaskLauncher.deleteTree(dir);
    }

    private static Optional<String> asOwner(RunAs.Identity who, String shell, String... args) {
        List<String> command = new ArrayList<>(who.prefix());
        command.addAll(List.of("/bin/sh", "-c", shell, "hpc-output"));
        command.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .directory(Path.of("/").toFile());
            OwnerShell.asRoot(pb); // setpriv runs as root until it switches: nothing of the job's or the agent's
            BoundedRun.Ran ran = BoundedRun.run(pb, java.time.Duration.ofSeconds(TIMEOUT_SECONDS), 4096);
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
