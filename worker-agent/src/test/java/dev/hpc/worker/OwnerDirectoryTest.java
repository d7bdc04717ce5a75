package dev.hpc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** Account look-ups: one for tasks of the same owner that start together, then kept for a while. */
class OwnerDirectoryTest {
    private static final TaskOwner ALICE = new TaskOwner("alice", 1000, 1000, List.of(1000L), "/home/alice",
            "/bin/bash");

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void tasksThatStartTogetherShareOneLookUp() throws Exception {
        AtomicInteger lookUps = new AtomicInteger();
        CountDownLatch answer = new CountDownLatch(1);
        OwnerDirectory directory = new OwnerDirectory(Clock.systemUTC(), name -> {
            lookUps.incrementAndGet();
            try {
                answer.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Optional.of(ALICE);
        });
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Thread> waiting = new ArrayList<>();
            List<Future<Optional<TaskOwner>>> found = new ArrayList<>();
            found.add(pool.submit(() -> directory.find("alice")));
            await("the first look-up is under way", () -> lookUps.get() == 1);
            for (int i = 0; i < 7; i++) {
                found.add(pool.submit(() -> {
                    synchronized (waiting) {
                        waiting.add(Thread.currentThread());
                    }
                    return directory.find("alice");
                }));
            }
            await("the other seven wait for it", () -> {
                synchronized (waiting) {
                    return waiting.size() == 7 && waiting.stream().allMatch(t -> t.getState() == Thread.State.WAITING);
                }
            });
            answer.countDown();
            for (Future<Optional<TaskOwner>> f : found) {
                assertEquals(Optional.of(ALICE), f.get(30, TimeUnit.SECONDS));
            }
            assertEquals(1, lookUps.get(), "one look-up for eight tasks");
            assertEquals(Optional.of(ALICE), directory.find("alice"));
            assertEquals(1, lookUps.get(), "the answer is kept");
        } finally {
            pool.shutdownNow();
        }
    }
}
