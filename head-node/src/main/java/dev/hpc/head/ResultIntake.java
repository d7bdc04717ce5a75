package dev.hpc.head;

import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.head.state.Command;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Takes in the workers' task results and applies them in batches: one state step and one durable write for all
 * that arrived while the state thread was busy, instead of one each. A worker's result is acknowledged (an effect
 * of the step) only once its batch is durable; a result dropped here is sent again by its worker.
 */
final class ResultIntake {
    /** Bounds one step, so that heartbeats and requests queued behind it wait little. */
    private static final int MAX_RESULTS_PER_STEP = 2_000;

    private final StateThread stateThread;
    private final LoopRunner loops;
    private final CommitPipeline commits;
    /** Task results from the workers not yet applied; drained by one state step at a time. */
    private final Queue<Command.Finish> arrived = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainQueued = new AtomicBoolean();

    ResultIntake(StateThread stateThread, LoopRunner loops, CommitPipeline commits) {
        this.stateThread = stateThread;
        this.loops = loops;
        this.commits = commits;
    }

    /**
     * Takes up to {@code max} of the oldest items off {@code queue}. The bound is checked before an item is taken:
     * one taken past it was once dropped, never applied, when more than a step's worth of results had arrived.
     */
    static <T> List<T> takeBatch(Queue<T> queue, int max) {
        List<T> batch = new ArrayList<>();
        for (T item; batch.size() < max && (item = queue.poll()) != null; ) {
            batch.add(item);
        }
        return batch;
    }

    void finished(String node, TaskResult result) {
        arrived.add(new Command.Finish(node, result));
        drainSoon();
    }

    private void drainSoon() {
        if (drainQueued.compareAndSet(false, true)) {
            stateThread.execute(() -> {
                drainQueued.set(false);
                if (!stateThread.isActive() || stateThread.stopped()) {
                    arrived.clear(); // a standby applies nothing; the workers report again on takeover
                } else if (!stateThread.leading()) {
                    // active, but its lease is being renewed late: keep the results for when it holds again
                    // (or is dropped with the state): dropped, their attempts were requeued and ran again
                    loops.after(Duration.ofMillis(100), "results", this::drainSoon);
                } else {
                    loops.step("results", this::applyArrived);
                }
            });
        }
    }

    private void applyArrived() {
        List<Command.Finish> batch = takeBatch(arrived, MAX_RESULTS_PER_STEP);
        if (!batch.isEmpty()) {
            commits.apply(batch.size() == 1 ? batch.get(0) : new Command.FinishAll(batch));
        }
        if (!arrived.isEmpty()) {
            drainSoon();
        }
    }
}
