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

    @Test
    void aFrameThatFailsItsChecksumEndsTheReplay() throws IOException {
        Path file = dir.resolve("changes.log");
        long firstEnds = twoFrames(file);
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.write(java.nio.ByteBuffer.wrap(new byte[] {'X'}), firstEnds + 12);
        }
        try (ChangeLog log = ChangeLog.open(file)) {
            ChangeLog.Replay replay = log.replay();
            assertTrue(replay.tornTail());
            assertEquals(1, replay.frames());
            assertEquals(FIRST, replay.changes());
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
