package dev.hpc.head.alert;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * What a notifier has to send, in a bounded queue, and the one daemon thread that hands each item in
 * order to the notifier's sender, with the counts of sent, failed and dropped items. Queuing never
 * blocks: it happens on the store's writer thread, which must not wait for a mail command or a webhook.
 */
final class Outbox<T> implements AutoCloseable {
    /** Sends one item and counts the outcome ({@link #countSent}, {@link #countFailed}), now or later. */
    interface Sender<T> {
        void send(T item) throws InterruptedException;
    }

    private final BlockingQueue<T> queue;
    private final ExecutorService thread;
    private final Runnable sendLoop;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;

    /**
     * The sender thread starts with the first item, so that {@code sender} is called only once whoever made the
     * outbox has been made whole. A sender that throws counts as a failure, and {@code onError} says why.
     */
    Outbox(String threadName, int capacity, Sender<T> sender, Consumer<RuntimeException> onError) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        this.sendLoop = () -> sendLoop(sender, onError);
    }

    /** Queues {@code item}; when the queue is full, drops it and returns how many were dropped so far, else 0. */
    long offer(T item) {
        if (closed) {
            return 0;
        }
        if (!started.get() && started.compareAndSet(false, true)) {
            try {
                thread.execute(sendLoop);
            } catch (RejectedExecutionException closedMeanwhile) {
                return 0;
            }
        }
        if (queue.offer(item)) {
            return 0;
        }
        return dropped.incrementAndGet();
    }

    /** How many items wait to be sent. */
    int waiting() {
        return queue.size();
    }

    private void sendLoop(Sender<T> sender, Consumer<RuntimeException> onError) {
        while (!closed) {
            try {
                T item = queue.poll(200, TimeUnit.MILLISECONDS);
                if (item != null) {
                    sender.send(item);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                onError.accept(e);
            }
        }
    }

    void countSent() {
        sent.incrementAndGet();
    }

    void countFailed() {
        failed.incrementAndGet();
    }

    long sent() {
        return sent.get();
    }

    long failed() {
        return failed.get();
    }

    long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        closed = true;
        thread.shutdownNow();
    }
}
