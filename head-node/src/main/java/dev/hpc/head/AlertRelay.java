package dev.hpc.head;

import dev.hpc.api.job.Alert;
import dev.hpc.head.store.JobStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Passes on alerts once what raised them is durable: logged at once, then recorded in the event log and told to
 * the listeners (event stream, webhook) on a thread of its own, so that neither the state thread nor the store's
 * writer waits for a slow listener. An event log that cannot be written loses the record, not the alert: the
 * listeners are told all the same.
 */
public final class AlertRelay implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AlertRelay.class.getName());

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> HeadThreads.daemon(r, "alerts"));
    private final JobStore store;
    private final List<ChangeListener> listeners;
    private final LoopRunner loops;

    AlertRelay(JobStore store, List<ChangeListener> listeners, LoopRunner loops) {
        this.store = store;
        this.listeners = listeners;
        this.loops = loops;
    }

    public void raise(List<Alert> alerts) {
        if (alerts.isEmpty()) {
            return;
        }
        List<Alert> raised = List.copyOf(alerts);
        for (Alert a : raised) {
            LOG.warning("alert " + a.kind() + " " + a.subject() + ": " + a.message());
        }
        thread.execute(() -> loops.step("alerts", () -> {
            List<Alert> recorded = raised;
            try {
                recorded = store.appendEvents(raised);
            } catch (RuntimeException e) {
                loops.failed("recording " + raised.size() + " alerts in the event log", e);
            }
            for (Alert a : recorded) {
                for (ChangeListener l : listeners) {
                    loops.tolerate("alert listener", () -> l.alert(a));
                }
            }
        }));
    }

    /** The newest {@code limit} alerts of the event log, oldest first; read on this relay's thread, off the state's. */
    public CompletableFuture<List<Alert>> eventLog(int limit) {
        return CompletableFuture.supplyAsync(() -> store.events(limit), thread);
    }

    /** The event log's alerts about the tasks of one job ({@code tracejob}), oldest first. */
    public CompletableFuture<List<Alert>> jobEventLog(long jobNumber, int limit) {
        return CompletableFuture.supplyAsync(() -> store.jobEvents(jobNumber, limit), thread);
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
