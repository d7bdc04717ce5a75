package dev.hpc.head.state;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.RunningTask;
import dev.hpc.api.wire.WireMessage.TaskResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** A worker's registration: the node as it says it is now, and its attempts reconciled with the state's. */
final class Registrations {
    private final Map<Long, TaskEntry> running;
    private final NodeTable nodes;
    private final RunningAttempts attempts;
    private final Results results;

    Registrations(Map<Long, TaskEntry> running, NodeTable nodes, RunningAttempts attempts, Results results) {
        this.running = running;
        this.nodes = nodes;
        this.attempts = attempts;
        this.results = results;
    }

    /**
     * A worker (re)registers: record its capacity, take its buffered results, keep the attempts it
     * still runs that are current, kill the stale ones, and requeue what it no longer runs.
     */
    void register(Command.RegisterNode c, Duration launchGrace, Outcome out) {
        Register r = c.registration();
        NodeEntry n = nodes.getOrAdd(r.node());
        n.host = r.host();
        n.cores = r.cores();
        n.memory = r.memory();
        n.generic = new TreeMap<>(r.generic());
        n.traits = r.traits();
        n.up = true;
        n.registeredHere = true;
        n.lastHeartbeat = c.now();
        n.watchedSince = c.now();
        n.reason = "";
        nodes.registered(n, r, c.now(), out);
        for (TaskResult result : r.finished()) {
            results.finish(r.node(), result, out);
        }
        Set<Long> reported = new HashSet<>();
        for (RunningTask rt : r.running()) {
            reported.add(rt.attemptId());
            if (!attempts.isCurrentOn(rt.attemptId(), r.node())) {
                out.effect(new Effect.Kill(r.node(), rt.attemptId(), EndReason.NODE_FAILURE));
            }
        }
        for (long attemptId : new ArrayList<>(n.attempts)) {
            TaskEntry t = running.get(attemptId);
            // A registration may have been sent before a launch that is still on its way: a young
            // attempt is left to the heartbeat check, which requeues it if it never shows up.
            boolean young = t != null && t.current().start().plus(launchGrace).isAfter(c.now());
            if (t != null && t.current().nodes().get(0).node().equals(r.node()) && !reported.contains(attemptId)
                    && !young) {
                attempts.requeueOrFail(t, c.now(), EndReason.NODE_FAILURE, out, r.node(),
                        "its worker registered again without it");
            }
        }
        out.changed(nodes.changed(n));
        out.reschedule();
    }
}
