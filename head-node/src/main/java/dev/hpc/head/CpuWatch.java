package dev.hpc.head;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Whether a thread that makes no progress is working or waiting: a state thread busy with one long step uses
 * the processor, one that waits for a commit on a hung disk, or is deadlocked, does not. Sampled by the caller
 * at a steady pace (the lease renewal's tick); the thread's processor time is what the JVM reports for it.
 */
final class CpuWatch {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private long lastCpuNanos = -1;
    private long changedAtNanos = System.nanoTime();

    /**
     * Whether {@code thread} has used no processor time for {@code windowNanos} up to {@code now}. A JVM that
     * cannot tell counts every thread as idle: the caller then falls back on progress alone.
     */
    synchronized boolean idleFor(Thread thread, long windowNanos, long now) {
        long cpu = thread == null || !THREADS.isThreadCpuTimeSupported() ? -1 : THREADS.getThreadCpuTime(
                thread.getId());
        if (cpu < 0) {
            return true;
        }
        if (cpu != lastCpuNanos) {
            lastCpuNanos = cpu;
            changedAtNanos = now;
        }
        return now - changedAtNanos >= windowNanos;
    }
}
