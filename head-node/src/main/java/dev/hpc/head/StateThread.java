package dev.hpc.head;

import dev.hpc.head.state.ClusterState;
import dev.hpc.head.state.HalfAppliedException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one thread that reads and changes the cluster state, and whether this head may change it at all. Every
 * command, query and loop step runs here in the order it was queued, so the state needs no locks and its changes
 * reach the store in the order they were applied. The state is held only while this head is active; a head leads
 * (acts on anything) only while it is active, has not fail-stopped, is not stepping down and holds its lease.
 */
final class StateThread implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StateThread.class.getName());

    private final String head;
    private final LoopRunner loops;
    private volatile Thread thread;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = HeadThreads.daemon(r, "cluster-state");
        thread = t;
        return t;
    });
    /** Null while this head is not the active one: a standby holds no state of its own to change. */
    private volatile ClusterState state;
    /** Set for good when a commit failed or a command was half-applied (fail-stop). */
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile boolean standingDown;
    /** Whether this head's leadership lease holds now; always, for a head without voters. */
    private volatile BooleanSupplier leaseHolds = () -> true;
    private volatile Consumer<String> failStopAction = why -> { };

    /** @param head this head's name, for log lines and the answers to callers */
    StateThread(String head, LoopRunner loops) {
        this.head = head;
        this.loops = loops;
    }

    /** The state; read and change it only in work run by this thread, and only while {@link #leading()}. */
    ClusterState state() {
        return state;
    }

    /** Puts {@code loaded} in place, after everything queued before it; returns once it is. */
    void activate(ClusterState loaded) {
        CompletableFuture.runAsync(() -> state = loaded, executor).join();
    }

    /** Drops the state (a newer epoch exists elsewhere); leads no more from the moment it is called. */
    void stepDown() {
        standingDown = true;
        try {
            // a stuck state thread must not hold the step-down: leading() is false from here on anyway
            CompletableFuture.runAsync(() -> state = null, executor).get(2, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            LOG.severe("head " + head + ": the state thread did not take the step-down within 2 s; it is "
                    + "stuck, and this head acts on nothing");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.log(Level.SEVERE, "stepping down failed on the state thread", e);
        } finally {
            standingDown = false;
        }
    }

    boolean isActive() {
        return state != null;
    }

    /** The epoch of the term in place, 0 while there is none. */
    long epoch() {
        ClusterState s = state;
        return s == null ? 0 : s.epoch();
    }

    /** Active, not stopped, and within its lease: the only state in which this head changes anything. */
    boolean leading() {
        return state != null && !stopped.get() && !standingDown && leaseHolds.getAsBoolean();
    }

    boolean stopped() {
        return stopped.get();
    }

    /** Whether the lease holds at this moment: checked right before an effect goes out or a caller is answered. */
    boolean leaseHolds() {
        return leaseHolds.getAsBoolean();
    }

    void leaseGuard(BooleanSupplier holds) {
        this.leaseHolds = holds;
    }

    void onFailStop(Consumer<String> action) {
        this.failStopAction = action;
    }

    /**
     * Stops acting at once, on whatever thread learns of the failure: no command is applied, no effect is
     * sent and no caller is answered from here on (each checks the flag first); the state is dropped.
     */
    void failStop(String why) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        LOG.severe("head " + head + " stops being active (fail-stop): " + why);
        executor.execute(() -> state = null);
        try {
            failStopAction.accept(why);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "the fail-stop action failed", e);
        }
    }

    /** A caller's work, run here while this head leads; refused with 503 otherwise. */
    <T> CompletableFuture<T> onState(Supplier<T> work) {
        return CompletableFuture.supplyAsync(() -> {
            if (!leading()) {
                throw unavailable("is not the active head");
            }
            try {
                return work.get();
            } catch (HalfAppliedException e) {
                // a caller's command, like a loop step, that left the state half-applied stops the head
                LOG.log(Level.SEVERE, "a command left the state half-applied", e);
                failStop(e.getMessage());
                throw unavailable("stopped being active");
            }
        }, executor);
    }

    /** As {@link #onState}, for work whose answer comes once what it changed is committed. */
    <T> CompletableFuture<T> onStateCommitted(Supplier<CompletableFuture<T>> work) {
        return onState(work).thenCompose(committed -> committed);
    }

    /** Runs a loop step here only while this head leads; a standby has nothing to do. */
    void whileActive(String loop, Runnable step) {
        executor.execute(() -> {
            if (leading()) {
                loops.step(loop, step);
            }
        });
    }

    /** Runs {@code work} here after everything queued before it, whether this head leads or not. */
    void execute(Runnable work) {
        executor.execute(work);
    }

    Executor executor() {
        return executor;
    }

    /** The thread itself, once started: its processor time tells a busy step from a stuck one. */
    Thread thread() {
        return thread;
    }

    /** The answer to a caller while this head cannot act: 503, which clients retry, as during a takeover. */
    RequestRejected unavailable(String because) {
        return new RequestRejected(503, "UNAVAILABLE", "head " + head + " " + because
                + "; ask another head or retry in a moment");
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
