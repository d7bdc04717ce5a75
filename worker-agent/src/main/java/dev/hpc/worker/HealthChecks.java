package dev.hpc.worker;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The worker's health: the probe that samples the heartbeats' figures, and the runs of the node-health-check
 * script whose latest verdict they carry. Called on the verticle's event loop; the runs happen on worker threads.
 */
final class HealthChecks {
    private static final Logger LOG = Logger.getLogger(HealthChecks.class.getName());

    private final Vertx vertx;
    private final WorkerConfig config;
    private final HealthProbe probe;
    private final Optional<HealthCheck> healthCheck;
    /** Whether the worker is stopping: no run starts then. */
    private final BooleanSupplier stopping;
    /** Runs on the event loop when a run's verdict differs from the one before. */
    private final Runnable onChange;
    private Optional<Long> healthTimer = Optional.empty();
    private boolean checking;

    HealthChecks(Vertx vertx, WorkerConfig config, BooleanSupplier stopping, Runnable changed) {
        this.vertx = vertx;
        this.config = config;
        this.stopping = stopping;
        this.onChange = changed;
        probe = new HealthProbe(config.spoolDir());
        healthCheck = config.healthCheck().map(script -> new HealthCheck(script, config.healthTimeout(),
                config.spoolDir()));
    }

    HealthProbe probe() {
        return probe;
    }

    /** The first run of the health check happens before the worker registers, so its verdict comes along. */
    Future<Void> first() {
        return vertx.executeBlocking(() -> {
            healthCheck.ifPresent(c -> recordVerdict(c.run()));
            probe.sample();
            return null;
        }, false);
    }

    void schedule() {
        healthCheck.ifPresent(c -> {
            long ms = Math.max(100, config.healthInterval().toMillis());
            healthTimer = Optional.of(vertx.setPeriodic(ms, ms, id -> runHealthCheck(c)));
        });
    }

    void cancel() {
        healthTimer.ifPresent(vertx::cancelTimer);
    }

    /** One run on a worker thread; a run still going when the next is due makes the next one wait. */
    private void runHealthCheck(HealthCheck check) {
        if (checking || stopping.getAsBoolean()) {
            return;
        }
        checking = true;
        vertx.executeBlocking(() -> recordVerdict(check.run()), false).onComplete(ar -> {
            checking = false;
            if (ar.failed()) {
                LOG.log(Level.WARNING, "the health check could not run", ar.cause());
            } else if (Boolean.TRUE.equals(ar.result())) {
                onChange.run(); // tell the heads at once, not at the next heartbeat
            }
        });
    }

    /** Records a verdict; true when it changed. Called on a worker thread. */
    private boolean recordVerdict(HealthCheck.Verdict v) {
        boolean changed = probe.verdict(v);
        if (changed) {
            if (v.passed()) {
                LOG.info(() -> "health check passes again");
            } else {
                LOG.warning(() -> "health check failed: " + v.message());
            }
        }
        return changed;
    }
}
