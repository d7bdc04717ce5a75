package dev.hpc.head;

import dev.hpc.head.store.JobStore;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A standby slow to take one commit: the first replicated write whose jobs {@code holds} matches waits until
 * {@link #release} (or close), so that commit stays in flight while a test looks at the head.
 */
final class HeldReplica implements AutoCloseable {
    private final JobStore store;
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    HeldReplica(JobStore store, Predicate<Map<Long, String>> holds) {
        this.store = store;
        store.replicateTo((jobs, nodes, segments, settings) -> {
            if (holds.test(jobs) && reached.getCount() > 0) {
                reached.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    /** Whether the held write reached the replica within 10 seconds. */
    boolean reached() throws InterruptedException {
        return reached.await(10, TimeUnit.SECONDS);
    }

    void release() {
        release.countDown();
    }

    @Override
    public void close() {
        release();
        store.replicateTo(JobStore.Replica.NONE);
    }
}
