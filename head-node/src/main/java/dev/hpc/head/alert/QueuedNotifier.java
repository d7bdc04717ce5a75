package dev.hpc.head.alert;

import dev.hpc.head.ChangeListener;

/**
 * A notifier that queues what it has to send in an {@link Outbox} and sends it on the outbox's thread: the
 * counts of what was sent, failed and dropped, and the close that stops the thread, are the same for all.
 *
 * @param <T> what one message is
 */
abstract class QueuedNotifier<T> implements ChangeListener, AutoCloseable {
    final Outbox<T> outbox;

    QueuedNotifier(String threadName, int queueCapacity) {
        this.outbox = new Outbox<>(threadName, queueCapacity, this::send, this::sendFailed);
    }

    /** Sends one item on the outbox's thread and counts the outcome, now or later. */
    abstract void send(T item) throws InterruptedException;

    /** {@link #send} threw: counted as a failure; says why. */
    abstract void sendFailed(RuntimeException e);

    public long sent() {
        return outbox.sent();
    }

    public long failed() {
        return outbox.failed();
    }

    public long dropped() {
        return outbox.dropped();
    }

    @Override
    public void close() {
        outbox.close();
    }
}
