package dev.hpc.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 22: the head's loops caught only RuntimeException, and a periodic task that throws is never run again by
 * its executor, so one Error ended the failure detector for good.
 */
class LoopRunnerTest {
    @Test
    void aPeriodicStepThatThrowsAnErrorRunsAgainAndEachFailureIsCounted() throws Exception {
        List<String> failStops = new CopyOnWriteArrayList<>();
        CountDownLatch threeRuns = new CountDownLatch(3);
        try (LoopRunner loops = new LoopRunner(failStops::add)) {
            loops.every("test loop", Duration.ofMillis(1), Duration.ofMillis(1), () -> {
                threeRuns.countDown();
                throw new OutOfMemoryError("thrown by the test, not a real one");
            });
            assertTrue(threeRuns.await(10, TimeUnit.SECONDS), "the loop ran again after its step threw an Error");
            assertTrue(loops.errors() >= 2, "each failed step is counted, not " + loops.errors());
        }
        assertEquals(List.of(), failStops, "a failed step is no reason to stop the head");
    }

    @Test
    void aFailingListenerIsCountedAndTheCallerGoesOn() {
        try (LoopRunner loops = new LoopRunner(why -> { })) {
            loops.tolerate("a listener of the test", () -> {
                throw new IllegalStateException("thrown by the test");
            });
            assertEquals(1, loops.errors());
        }
    }
}
