package dev.hpc.head;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: a head whose state thread is stuck, though its process and connections live, kept its leadership
 * (the lease is renewed by another thread). The lease is renewed only while the head's own work progresses.
 */
class ProgressTest {
    @TempDir
    Path dir;

    @Test
    void aStuckStateThreadIsNoProgressAndAFreedOneIsAgain() throws Exception {
        try (HeadService head = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            Duration within = Duration.ofMillis(300);
            Poll.until(() -> head.term().progressing(within, Duration.ofHours(1)));
            try (HeldStateThread held = new HeldStateThread(head)) {
                Poll.until(() -> !head.term().progressing(within, Duration.ofHours(1)));
                assertFalse(head.term().progressing(within, Duration.ofHours(1)),
                        "a state thread held for longer than the window is no progress");
            }
            Poll.until(() -> head.term().progressing(within, Duration.ofHours(1)));
            assertTrue(head.term().progressing(within, Duration.ofHours(1)));
        }
    }

    /**
     * A state thread that works on one long step (it uses the processor) is given the longer window: on a loaded
     * machine that is not a hung head. Past that window it counts as stuck all the same.
     */
    @Test
    void aBusyStateThreadIsGivenTheLongerWindow() throws Exception {
        try (HeadService head = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            Duration within = Duration.ofSeconds(1);
            Duration busyWithin = Duration.ofSeconds(5);
            Poll.until(() -> head.term().progressing(within, busyWithin));
            java.util.concurrent.atomic.AtomicBoolean release = new java.util.concurrent.atomic.AtomicBoolean();
            CountDownLatch held = new CountDownLatch(1);
            head.onStateThread(() -> {
                held.countDown();
                long spin = 0;
                while (!release.get()) {
                    spin += System.nanoTime() & 1; // work, not a wait
                }
                if (spin < 0) {
                    throw new AssertionError();
                }
            });
            held.await();
            long start = System.nanoTime();
            try {
                // sampled every 20 ms, as the lease renewal does every 100 ms, for three times the short window
                while (System.nanoTime() - start < within.multipliedBy(3).toNanos()) {
                    assertTrue(head.term().progressing(within, busyWithin), "a busy state thread counted as stuck");
                    Thread.sleep(20);
                }
                Poll.until(() -> !head.term().progressing(within, busyWithin));
            } finally {
                release.set(true);
            }
            Poll.until(() -> head.term().progressing(within, busyWithin));
        }
    }

    /** Polls a condition every 20 ms for at most 30 s. */
    private static final class Poll {
        static void until(java.util.function.BooleanSupplier done) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!done.getAsBoolean()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("the condition did not hold within 30 s");
                }
                Thread.sleep(20);
            }
        }
    }
}
