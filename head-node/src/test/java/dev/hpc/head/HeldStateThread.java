package dev.hpc.head;

import java.util.concurrent.CountDownLatch;

/** Holds a head's state thread from the moment it is made until it is closed: what is queued meanwhile waits. */
final class HeldStateThread implements AutoCloseable {
    private final CountDownLatch release = new CountDownLatch(1);

    HeldStateThread(HeadService head) throws InterruptedException {
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
    }

    @Override
    public void close() {
        release.countDown();
    }
}
