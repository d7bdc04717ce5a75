package dev.hpc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Helper commands are given up on when they hang with their output open (a hung look-up, a FIFO). */
class BoundedRunTest {
    @Test
    void aCommandThatEndsGivesItsStatusAndOutput() throws Exception {
        BoundedRun.Ran ran = BoundedRun.run(new ProcessBuilder("/bin/sh", "-c", "echo hello; exit 3"),
                Duration.ofSeconds(20), 1024);
        assertFalse(ran.timedOut());
        assertEquals(3, ran.exit());
        assertEquals("hello\n", ran.output());
    }

    @Test
    void aCommandThatHangsWithItsOutputOpenIsGivenUpOn() {
        // the guard only keeps a regression from hanging the build; the command would run for 10 minutes
        BoundedRun.Ran ran = assertTimeoutPreemptively(Duration.ofMinutes(2), () -> BoundedRun.run(
                new ProcessBuilder("/bin/sh", "-c", "echo started; exec sleep 600"), Duration.ofMillis(300), 1024));
        assertTrue(ran.timedOut());
    }
}
