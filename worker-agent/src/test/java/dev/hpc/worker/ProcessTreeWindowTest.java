package dev.hpc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Looking for a short task's leftover processes among the pids given out since it started. */
class ProcessTreeWindowTest {

    @Test
    void aWindowFollowsTheCursorUpwardsAndAroundTheWrap() {
        ProcessTree.PidWindow plain = new ProcessTree.PidWindow(100, 200);
        assertFalse(plain.contains(100), "the cursor itself was given out before");
        assertTrue(plain.contains(101));
        assertTrue(plain.contains(200));
        assertFalse(plain.contains(201));
        assertFalse(plain.contains(50));

        ProcessTree.PidWindow wrapped = new ProcessTree.PidWindow(32_700, 310);
        assertTrue(wrapped.contains(32_767));
        assertTrue(wrapped.contains(300));
        assertTrue(wrapped.contains(310));
        assertFalse(wrapped.contains(311));
        assertFalse(wrapped.contains(32_700));
        assertFalse(wrapped.contains(5_000));
    }

    @Test
    void anOldStartOrAnUnknownCursorMeansTheWholeScan() {
        assertTrue(ProcessTree.startedSince(OptionalLong.empty(), 0).isEmpty());
        long pidMax = ProcessTree.PID_MAX.orElse(32_768);
        long tooLong = pidMax * 1_000_000_000L / ProcessTree.ASSUMED_MOST_PIDS_PER_SECOND;
        assertTrue(ProcessTree.startedSince(OptionalLong.of(1), tooLong).isEmpty(),
                "the cursor may have come round since");
    }

    @Test
    void anOrphanLeftInTheSessionIsFoundInTheWindowSinceTheStart() throws Exception {
        OptionalLong cursor = ProcessTree.pidCursor();
        assumeTrue(cursor.isPresent() && ProcessTree.PID_MAX.isPresent(), "the kernel shows its pid cursor");
        Process leader = new ProcessBuilder("setsid", "bash", "-c", "sleep 30 </dev/null >/dev/null 2>&1 & echo $!")
                .redirectErrorStream(true).start();
        long orphan;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(leader.getInputStream(),
                StandardCharsets.UTF_8))) {
            orphan = Long.parseLong(out.readLine().strip());
        }
        // held from now on: the JDK checks its start time, so a reused pid is never killed
        Optional<ProcessHandle> orphanHandle = ProcessHandle.of(orphan);
        try {
            assertTrue(leader.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the leader ended");
            // built directly: how young a start must be for its window is anOldStart...'s test, not this one's
            Optional<ProcessTree.PidWindow> window = Optional.of(new ProcessTree.PidWindow(cursor.getAsLong(),
                    ProcessTree.pidCursor().orElseThrow()));
            assertEquals(java.util.Set.of(orphan), ProcessTree.members(leader.pid(), () -> window).keySet());
            assertEquals(ProcessTree.members(leader.pid()).keySet(),
                    ProcessTree.members(leader.pid(), () -> window).keySet(), "the same as the whole scan");
            assumeTrue(orphan > leader.pid(), "no wrap of the pids between the two starts");
            ProcessTree.PidWindow upToTheLeader = new ProcessTree.PidWindow(leader.pid() - 1, leader.pid());
            assertTrue(ProcessTree.members(leader.pid(), () -> Optional.of(upToTheLeader)).isEmpty(),
                    "a window that ends before the orphan does not look at it");
            ProcessTree.PidWindow wrapped = new ProcessTree.PidWindow(orphan, orphan);
            assertEquals(java.util.Set.of(orphan),
                    ProcessTree.members(leader.pid(), () -> Optional.of(wrapped)).keySet(),
                    "a window without the leader has come round: the whole scan");
        } finally {
            orphanHandle.ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
