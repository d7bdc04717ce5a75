package dev.hpc.worker;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;

/** The agent's own threads, which never keep the JVM alive. */
final class Daemons {
    private Daemons() {
    }

    /** A daemon thread named {@code name} that runs {@code r}. */
    static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Timers on {@code threads} threads of {@code factory}; a cancelled timer leaves the queue at once. */
    static ScheduledExecutorService timers(int threads, ThreadFactory factory) {
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(threads, factory);
        pool.setRemoveOnCancelPolicy(true);
        return Executors.unconfigurableScheduledExecutorService(pool);
    }
}
