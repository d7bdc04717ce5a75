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
            Poll.until(() -> head.progressing(within));
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch held = new CountDownLatch(1);
            head.onStateThread(() -> {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            held.await();
            Poll.until(() -> !head.progressing(within));
            assertFalse(head.progressing(within), "a state thread held for longer than the window is no progress");
            release.countDown();
            Poll.until(() -> head.progressing(within));
            assertTrue(head.progressing(within));
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
