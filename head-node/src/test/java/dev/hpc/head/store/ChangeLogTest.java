package dev.hpc.head.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChangeLogTest {
    @TempDir
    Path dir;

    private static final List<ChangeLog.Change> FIRST = List.of(
            new ChangeLog.Change(ChangeLog.Kind.SEGMENT, "7/0", "{\"job\": 7}"),
            new ChangeLog.Change(ChangeLog.Kind.JOB, "7", "{\"name\": \"π ≈ 3.14 \\u0000\"}"));
    private static final List<ChangeLog.Change> SECOND = List.of(
            new ChangeLog.Change(ChangeLog.Kind.NODE, "node1", "{}"),
            new ChangeLog.Change(ChangeLog.Kind.SETTING, "queues", "{\"version\": 2}"),
            new ChangeLog.Change(ChangeLog.Kind.JOB, "8", ""));

    @Test
    void framesReadBackInOrderAcrossAReopen() throws IOException {
        Path file = dir.resolve("changes.log");
        try (ChangeLog log = ChangeLog.open(file)) {
            log.append(FIRST);
            log.append(SECOND);
        }
        try (ChangeLog log = ChangeLog.open(file)) {
            ChangeLog.Replay replay = log.replay();
            assertEquals(2, replay.frames());
            assertFalse(replay.tornTail());
            List<ChangeLog.Change> all = new ArrayList<>(FIRST);
            all.addAll(SECOND);
            assertEquals(all, replay.changes());
            log.clear();
            assertEquals(0, log.size());
            assertEquals(List.of(), log.replay().changes(), "a cleared log replays nothing");
            log.append(SECOND);
            assertEquals(SECOND, log.replay().changes(), "appends after a clear start at the beginning");
        }
    }

    /** The frame being appended when the head died is the only one that can be torn; the others replay. */
    @Test
    void aTornLastFrameIsDroppedAndTheWholeOnesReplay() throws IOException {
        Path file = dir.resolve("changes.log");
        long firstEnds = twoFrames(file);
        for (long cut = java.nio.file.Files.size(file) - 1; cut > firstEnds; cut -= 7) {
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                c.truncate(cut);
            }
            try (ChangeLog log = ChangeLog.open(file)) {
                ChangeLog.Replay replay = log.replay();
                assertTrue(replay.tornTail(), "cut at " + cut);
                assertEquals(FIRST, replay.changes(), "cut at " + cut);
            }
        }
    }

    /** The last frame, whole in length but not in content (a crash), is the torn tail too. */
    @Test
    void aLastFrameThatFailsItsChecksumIsTheTornTail() throws IOException {
        Path file = dir.resolve("changes.log");
        twoFrames(file);
        flipLastByteOfTheBodyBefore(file, java.nio.file.Files.size(file));
        try (ChangeLog log = ChangeLog.open(file)) {
            ChangeLog.Replay replay = log.replay();
            assertTrue(replay.tornTail());
            assertEquals(-1, replay.damagedAt());
            assertEquals(FIRST, replay.changes());
        }
    }

    /** A bad frame with more of the log after it is damage: the frames after it were acknowledged. */
    @Test
    void aBadFrameBeforeTheEndIsDamageNotATornTail() throws IOException {
        Path file = dir.resolve("changes.log");
        long firstEnds = twoFrames(file);
        flipLastByteOfTheBodyBefore(file, firstEnds);
        try (ChangeLog log = ChangeLog.open(file)) {
            ChangeLog.Replay replay = log.replay();
            assertFalse(replay.tornTail());
            assertEquals(0, replay.damagedAt());
            assertEquals(List.of(), replay.changes());
        }
    }

    /** A crash can leave the file longer than what was written, the rest zeros: that is a torn tail. */
    @Test
    void zerosAfterTheLastFrameAreATornTail() throws IOException {
        Path file = dir.resolve("changes.log");
        twoFrames(file);
        long end = java.nio.file.Files.size(file);
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.write(java.nio.ByteBuffer.allocate(4096), end);
        }
        try (ChangeLog log = ChangeLog.open(file)) {
            ChangeLog.Replay replay = log.replay();
            assertTrue(replay.tornTail());
            assertEquals(-1, replay.damagedAt());
            assertEquals(2, replay.frames());
        }
    }

    /** Changes one byte of a JSON body (the last byte of the frame that ends at {@code frameEnd}). */
    private static void flipLastByteOfTheBodyBefore(Path file, long frameEnd) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            c.read(b, frameEnd - 1);
            b.put(0, (byte) (b.get(0) ^ 0x20));
            b.rewind();
            c.write(b, frameEnd - 1);
        }
    }

    /** Appends FIRST and SECOND as two frames; returns where the first ends. */
    private static long twoFrames(Path file) throws IOException {
        try (ChangeLog log = ChangeLog.open(file)) {
            log.append(FIRST);
            long firstEnds = log.size();
            log.append(SECOND);
            return firstEnds;
        }
    }
}
