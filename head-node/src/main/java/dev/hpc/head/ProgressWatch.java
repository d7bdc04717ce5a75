package dev.hpc.head;

import dev.hpc.head.store.JobStore;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether this head's own work goes on: its state thread ran a probe and its store's writer came round its loop
 * within a window, or, while the thread uses the processor, within a longer one. The leadership lease is renewed
 * only while it does, so a head whose state thread or disk is stuck, though its process and connections live, is
 * replaced (issue 17); one long step of real work is given longer.
 */
final class ProgressWatch {
    private final StateThread stateThread;
    private final JobStore store;
    private final AtomicBoolean probeQueued = new AtomicBoolean();
    private volatile long probeAskedNanos = System.nanoTime();
    private final CpuWatch stateCpu = new CpuWatch();
    private final CpuWatch writerCpu = new CpuWatch();

    ProgressWatch(StateThread stateThread, JobStore store) {
        this.stateThread = stateThread;
        this.store = store;
    }

    /** Call it at a steady pace: it samples the threads' processor time. */
    boolean progressing(Duration within, Duration busyWithin) {
        long now = System.nanoTime();
        if (probeQueued.compareAndSet(false, true)) {
            // a probe asked for now: no evidence of a stall until it has waited longer than the window
            probeAskedNanos = now;
            stateThread.execute(() -> probeQueued.set(false));
        }
        long stateWaited = probeQueued.get() ? now - probeAskedNanos : 0;
        boolean stateIdle = stateCpu.idleFor(stateThread.thread(), within.toNanos(), now);
        long writerWaited = store.writerStalledNanos(now);
        // a commit that waits for the standby's backups is given the longer window too: that wait is the head
        // cluster's (a frozen standby, dropped or timed out within seconds), not this head's own work
        boolean writerIdle = writerCpu.idleFor(store.writerThread(), within.toNanos(), now)
                && !store.writerReplicating();
        return !stuck(stateWaited, stateIdle, within, busyWithin) && !stuck(writerWaited, writerIdle, within,
                busyWithin);
    }

    /** Whether a commit has waited for the head cluster's backups for at least {@code within}. */
    boolean replicationWaiting(Duration within) {
        return store.writerReplicating() && store.writerStalledNanos(System.nanoTime()) >= within.toNanos();
    }

    private static boolean stuck(long waitedNanos, boolean idle, Duration within, Duration busyWithin) {
        return waitedNanos >= busyWithin.toNanos() || waitedNanos >= within.toNanos() && idle;
    }
}
