package dev.hpc.head;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/** What the head counts and times of itself, for {@code /metrics} and the cluster status (docs/monitoring.md). */
public final class HeadFigures {
    /** How many times this head became active (its first start included). */
    private final AtomicLong activations = new AtomicLong();
    private final LoopRunner loops;
    private final SchedulingLoop schedulingLoop;

    HeadFigures(LoopRunner loops, SchedulingLoop schedulingLoop) {
        this.loops = loops;
        this.schedulingLoop = schedulingLoop;
    }

    void activated() {
        activations.incrementAndGet();
    }

    /** How many times this head became active: its first start, and each takeover it made. */
    public long activations() {
        return activations.get();
    }

    /** Loop steps, listeners and alerts that failed and were logged (each loop goes on). */
    public long loopErrors() {
        return loops.errors();
    }

    /** Tells {@code times} how long each scheduling cycle's plan takes, in nanoseconds. */
    public void onCycle(LongConsumer times) {
        schedulingLoop.onCycle(times);
    }

    /** The scheduling cycles' figures: snapshot and plan, as measured around them (docs/performance.md). */
    public Map<String, Object> cycleFigures() {
        return schedulingLoop.figures();
    }
}
