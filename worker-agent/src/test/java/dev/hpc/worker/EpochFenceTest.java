package dev.hpc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpc.worker.EpochFence.Verdict;
import java.util.OptionalLong;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EpochFenceTest {

    @Test
    void theHighestEpochSeenWinsAndOlderOnesAreRefused() {
        EpochFence fence = new EpochFence();
        assertTrue(fence.admits(1), "before any welcome nothing is fenced");
        assertEquals(Verdict.NEWER, fence.observe(3));
        assertEquals(Verdict.SAME, fence.observe(3));
        assertEquals(Verdict.STALE, fence.observe(2));
        assertEquals(OptionalLong.of(3), fence.highest());
        assertFalse(fence.admits(2));
        assertTrue(fence.admits(3));
        assertTrue(fence.admits(4));
        assertEquals(Verdict.NEWER, fence.observe(4));
        assertFalse(fence.admits(3));
    }

    /** Regression (issue 17): the fence lived in memory, so a restarted worker obeyed a deposed head again. */
    @Test
    void aFenceKeptInAFileRefusesADeposedHeadAfterARestart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("epoch");
        EpochFence first = EpochFence.keptIn(file);
        assertTrue(first.admits(1));
        assertEquals(Verdict.NEWER, first.observe(5));
        assertEquals("5", Files.readString(file).strip(), "written when it rises, before anything of 5 is obeyed");

        EpochFence restarted = EpochFence.keptIn(file);
        assertEquals(OptionalLong.of(5), restarted.highest());
        assertFalse(restarted.admits(4), "the deposed head of epoch 4 is still refused");
        assertEquals(Verdict.STALE, restarted.observe(4));
        assertEquals(Verdict.SAME, restarted.observe(5));
    }
}
