package dev.hpc.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The highest head epoch this worker has seen in a welcome (DESIGN.md invariant 2). A head whose
 * epoch is lower is a deposed head: its commands are ignored. Confined to the event loop.
 *
 * <p>With a file, the fence survives the worker's restarts (issue 17: it lived in memory, so a restarted
 * worker obeyed a deposed head again): the file is read at start, and written and synced each time the
 * epoch rises, before anything of the new epoch is obeyed. Epochs rise only at a takeover, so the short
 * write on the event loop is rare.
 */
public final class EpochFence {

    /** How a head's epoch compares with the highest seen so far. */
    public enum Verdict {
        /** Higher than any seen: this head is now the one to obey. */
        NEWER,
        /** Equal to the highest: the head already obeyed (or another link to it). */
        SAME,
        /** Lower: a deposed head. */
        STALE
    }

    private OptionalLong highest = OptionalLong.empty();
    private final Optional<Path> file;

    /** A fence in memory only (tests, simulated nodes). */
    public EpochFence() {
        this.file = Optional.empty();
    }

    private EpochFence(Path file, OptionalLong highest) {
        this.file = Optional.of(file);
        this.highest = highest;
    }

    /** The fence kept in {@code file}, starting from the epoch the file holds (none when it does not exist). */
    public static EpochFence keptIn(Path file) {
        try {
            if (!Files.exists(file)) {
                return new EpochFence(file, OptionalLong.empty());
            }
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return new EpochFence(file, OptionalLong.of(Long.parseLong(text)));
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read the worker's epoch fence " + file + " (" + e.getMessage()
                    + "); without it a deposed head could command this worker again. Fix or remove the file ("
                    + "remove it only when no head older than the current one can still run)", e);
        }
    }

    /** Compares {@code epoch} with the highest seen, and raises the highest when it is newer. */
    public Verdict observe(long epoch) {
        if (highest.isEmpty() || epoch > highest.getAsLong()) {
            file.ifPresent(f -> keep(f, epoch));
            highest = OptionalLong.of(epoch);
            return Verdict.NEWER;
        }
        return epoch == highest.getAsLong() ? Verdict.SAME : Verdict.STALE;
    }

    /** Whether a command of {@code epoch} may be obeyed, without changing anything. */
    public boolean admits(long epoch) {
        return highest.isEmpty() || epoch >= highest.getAsLong();
    }

    public OptionalLong highest() {
        return highest;
    }

    private static void keep(Path file, long epoch) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((epoch + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep epoch " + epoch + " in " + file + ": " + e.getMessage(), e);
        }
    }
}
