package dev.hpc.cli.bench.chaos;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.cli.bench.BenchSupport;
import dev.hpc.cli.bench.Poll;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Injects the schedule's faults one after the other: waits until the cluster is whole again (starting any daemon
 * that ended by itself, and noting it), pauses the fault's gap (the one deliberate wait: faults must not all come
 * at once), lets the fault's batch of submissions go ({@link Gate}) and injects the fault, starts again what it
 * killed after {@code restartAfter}, thaws what it froze after {@code freezeFor}, and heals what it cut after the
 * cut's hold. A kill or freeze of the active head is timed by a probe submission. If the cluster does not become
 * whole within the step timeout, the schedule stops there and says why; the run still accounts for every job.
 */
final class FaultInjector implements Runnable {
    /**
     * The probe asks the heads as a client does, but every 10 ms: a frozen head keeps the request it took while the
     * other head is asked beside it, so a takeover is seen when it happens, not when a try of the frozen head times
     * out (with one try of each head per call, a freeze was timed in whole seconds of the frozen head's timeout).
     */
    private static final HeadTransport.Settings PROBE = new HeadTransport.Settings(Duration.ofSeconds(2),
            Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMillis(10));
    private static final int RESTARTS_PER_WAIT = 3;

    private final ChaosSettings settings;
    private final ChaosCluster cluster;
    private final List<Fault> schedule;
    private final Submitter submitter;
    private final Gate gate;
    private final PrintWriter log;
    private final long upNanos;
    private final HeadClient quick;
    private final List<FaultRecord> records = new ArrayList<>();
    private final List<NodeLoss> nodeLosses = new ArrayList<>();
    private final List<UnplannedExit> exits = new ArrayList<>();
    private volatile String failure = "";
    /** The last fault injected (or being injected): an exit found while the cluster recovers belongs to it. */
    private int lastFault;

    FaultInjector(ChaosSettings settings, ChaosCluster cluster, List<Fault> schedule, Submitter submitter, Gate gate,
                  PrintWriter log, long upNanos) {
        this.settings = settings;
        this.cluster = cluster;
        this.schedule = List.copyOf(schedule);
        this.submitter = submitter;
        this.gate = gate;
        this.log = log;
        this.upNanos = upNanos;
        this.quick = cluster.client(PROBE);
    }

    @Override
    public void run() {
        try {
            for (Fault f : schedule) {
                awaitWhole();
                BenchSupport.pause(f.gap());
                // a head that ended by itself during the gap (a fail-stop) must be noted, not taken for the kill
                awaitWhole();
                FaultRecord r = inject(f);
                synchronized (this) {
                    records.add(r);
                }
                say("fault " + f.number() + "/" + schedule.size() + ": " + f.kind().label() + " " + r.target()
                        + (r.acceptedMs() >= 0 ? ", a submission accepted after " + r.acceptedMs() + " ms" : "")
                        + ", whole again after " + r.recoveredMs() + " ms");
            }
            awaitWhole();
        } catch (HpcException e) {
            failure = "the fault schedule stopped after " + records.size() + " of " + schedule.size() + " faults: "
                    + e.getMessage();
            say(failure + "\n" + cluster.logTails(20));
        } finally {
            gate.openFully();
        }
    }

    private FaultRecord inject(Fault f) {
        lastFault = f.number();
        String target = switch (f.kind()) {
            case KILL_WORKER -> f.worker();
            case KILL_ACTIVE, FREEZE_ACTIVE, CUT_HEADS, CUT_ACTIVE_FROM_WORKERS, ISOLATE_ACTIVE -> active();
            case KILL_STANDBY, FREEZE_STANDBY, ISOLATE_STANDBY -> ChaosCluster.other(active());
        };
        // the fault's batch of submissions sets off with it, so that it is in flight while the fault strikes
        gate.begun(f.number());
        long t0 = System.nanoTime();
        long at = (t0 - upNanos) / 1_000_000;
        Instant wall = Instant.now();
        CompletableFuture<Long> accepted = CompletableFuture.completedFuture(-1L);
        switch (f.kind()) {
            case KILL_ACTIVE, KILL_STANDBY -> {
                cluster.kill(target);
                accepted = probeIf(f, t0);
                BenchSupport.pause(settings.restartAfter());
                cluster.restart(target);
            }
            case FREEZE_ACTIVE, FREEZE_STANDBY -> {
                cluster.freeze(target, true);
                try {
                    accepted = probeIf(f, t0);
                    BenchSupport.pause(settings.freezeFor());
                } finally {
                    cluster.freeze(target, false);
                }
            }
            case KILL_WORKER -> {
                NodeLoss k = cluster.crash(target);
                synchronized (this) {
                    nodeLosses.add(k);
                }
                BenchSupport.pause(settings.restartAfter());
                cluster.restart(target);
            }
            case CUT_HEADS, CUT_ACTIVE_FROM_WORKERS, ISOLATE_STANDBY, ISOLATE_ACTIVE -> {
                String active = f.kind() == FaultKind.ISOLATE_STANDBY ? ChaosCluster.other(target) : target;
                long cutNs = NodeCrash.wallNanos();
                List<Forwarder> links = cluster.cut(f.kind(), f.cut().orElseThrow(), active);
                try {
                    BenchSupport.pause(f.hold());
                } finally {
                    ChaosCluster.heal(links);
                }
                if (f.kind().workersLost()) {
                    // lost to the active head from the cut to the heal; the accounting finds the launches the cut
                    // held by the head's record of when it launched each attempt
                    long healNs = NodeCrash.wallNanos();
                    synchronized (this) {
                        cluster.workers().forEach(w -> nodeLosses.add(new NodeLoss(w, cutNs, healNs,
                                NodeLoss.Cause.CUT)));
                    }
                }
            }
        }
        long acceptedMs = join(accepted);
        awaitWhole();
        return new FaultRecord(f, target, at, wall, acceptedMs, (System.nanoTime() - t0) / 1_000_000);
    }

    private CompletableFuture<Long> probeIf(Fault f, long t0) {
        if (!f.kind().takeover()) {
            return CompletableFuture.completedFuture(-1L);
        }
        return CompletableFuture.supplyAsync(() -> submitter.probe(quick, t0, settings.stepTimeout()));
    }

    private static long join(CompletableFuture<Long> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HpcException("interrupted while a probe ran");
        } catch (ExecutionException e) {
            throw new HpcException("the probe failed: " + e.getCause(), e.getCause());
        }
    }

    private String active() {
        return Poll.within(settings.stepTimeout()).value("one head is ACTIVE", cluster::active);
    }

    /**
     * Waits until {@link ChaosCluster#missing()} is empty, starting again (and noting) any daemon found dead, at
     * most {@link #RESTARTS_PER_WAIT} times per daemon.
     */
    private void awaitWhole() {
        long deadline = System.nanoTime() + settings.stepTimeout().toNanos();
        Map<String, Integer> restarts = new HashMap<>();
        String last = "";
        while (true) {
            for (String d : cluster.daemons()) {
                if (!cluster.alive(d) && restarts.merge(d, 1, Integer::sum) <= RESTARTS_PER_WAIT) {
                    UnplannedExit e = new UnplannedExit(d, cluster.exitStatus(d).orElse(-1),
                            (System.nanoTime() - upNanos) / 1_000_000, lastFault,
                            BenchSupport.tail(cluster.local().dir().resolve(d + ".log"), 15));
                    synchronized (this) {
                        exits.add(e);
                    }
                    say("UNPLANNED EXIT: " + d + " ended by itself (status " + e.exitStatus() + ") after fault "
                            + e.afterFault() + " was injected; starting it again\n" + e.logTail());
                    cluster.restart(d);
                }
            }
            Optional<String> missing = cluster.missing();
            if (missing.isEmpty()) {
                return;
            }
            last = missing.get();
            if (System.nanoTime() - deadline > 0) {
                throw new HpcException("the cluster was not whole again within " + settings.stepTimeout().toSeconds()
                        + " s: " + last);
            }
            BenchSupport.pause(Duration.ofMillis(100));
        }
    }

    private void say(String line) {
        synchronized (log) {
            log.println("chaos: " + line);
            log.flush();
        }
    }

    synchronized List<FaultRecord> records() {
        return List.copyOf(records);
    }

    synchronized List<NodeLoss> nodeLosses() {
        return List.copyOf(nodeLosses);
    }

    synchronized List<UnplannedExit> exits() {
        return List.copyOf(exits);
    }

    Optional<String> failure() {
        return failure.isEmpty() ? Optional.empty() : Optional.of(failure);
    }
}
