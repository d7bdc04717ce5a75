package dev.hpc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpc.worker.EpochFence.Verdict;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

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
}
