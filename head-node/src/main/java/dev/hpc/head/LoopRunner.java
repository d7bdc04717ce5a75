package dev.hpc.head;

import dev.hpc.head.state.HalfAppliedException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs the head's loops so that none dies silently (STYLE.md 6): every step, periodic or queued, catches whatever
 * it throws, logs it under the step's name (which names the job or node where there is one), counts it and lets
 * the loop go on. An {@link Error} is caught too: a periodic task that throws is never run again by its executor,
 * and a head whose failure detector stopped for good would keep dead nodes up. A step that left the state
 * half-applied is the one exception that does not go on: memory then holds what the store lacks, so the head
 * stops (fail-stop).
 */
final class LoopRunner implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LoopRunner.class.getName());

    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            r -> HeadThreads.daemon(r, "head-ticker"));
    private final AtomicLong errors = new AtomicLong();
    private final Consumer<String> failStop;

    /** @param failStop told why, when a step left the state half-applied */
    LoopRunner(Consumer<String> failStop) {
        this.failStop = failStop;
    }

    /** Runs one step of {@code loop} now, on the calling thread. */
    void step(String loop, Runnable step) {
        try {
            step.run();
        } catch (HalfAppliedException e) {
            LOG.log(Level.SEVERE, loop + " step left the state half-applied", e);
            failStop.accept(e.getMessage());
        } catch (Throwable e) {
            errors.incrementAndGet();
            LOG.log(Level.SEVERE, loop + " step failed", e);
        }
    }

    /**
     * Runs a listener's part of a step: its failure is its own and is only a warning, unless it is an
     * {@link Error}, which says something about the whole process.
     */
    void tolerate(String what, Runnable part) {
        try {
            part.run();
        } catch (Throwable e) {
            failed(what, e);
        }
    }

    /** Counts and logs a failure that the caller has handled. */
    void failed(String what, Throwable e) {
        errors.incrementAndGet();
        LOG.log(e instanceof Error ? Level.SEVERE : Level.WARNING, what + " failed", e);
    }

    /** Runs {@code step} every {@code period}, the first time after {@code firstAfter}. */
    void every(String loop, Duration firstAfter, Duration period, Runnable step) {
        ticker.scheduleWithFixedDelay(() -> step(loop, step), firstAfter.toMillis(), period.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Runs {@code step} once, after {@code delay}. */
    void after(Duration delay, String loop, Runnable step) {
        ticker.schedule(() -> step(loop, step), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Steps, listeners and alerts that failed and were logged. */
    long errors() {
        return errors.get();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
