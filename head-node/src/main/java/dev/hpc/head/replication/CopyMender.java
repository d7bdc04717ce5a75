package dev.hpc.head.replication;

import dev.hpc.api.json.Json;
import dev.hpc.head.HeadService;
import dev.hpc.head.Term;
import dev.hpc.head.access.TokenRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * Makes the active head's copies whole again once it may hold the only copy ({@link SoleCopy}) and its standby
 * is back in step. Confined to {@link Leadership}'s decision thread.
 */
final class CopyMender {
    private static final Logger LOG = Logger.getLogger(Leadership.class.getName());

    private final HeadCluster cluster;
    private final HeadService service;
    /** A recommit of everything under way to make the copies whole again, and when the last one ended. */
    private Recommit recommit;
    private long lastRecommitEndNanos = Long.MIN_VALUE / 2;

    /** A recommit of everything this head holds, begun when the copies could be made whole again. */
    private record Recommit(SoleCopy.Attempt attempt, CompletableFuture<Term.HeldJobs> done) {
    }

    CopyMender(HeadCluster cluster, HeadService service) {
        this.cluster = cluster;
        this.service = service;
    }

    /** Forgets a recommit under way: this head has just become active. */
    void reset() {
        recommit = null;
    }

    /**
     * While this head may hold the only copy, and its standby is back with every backup in step: commits
     * everything again (the maps may have lost entries in a merge, or never got them), drops entries of jobs it
     * no longer holds (a merge can bring back old ones), and then tells the voters its copies are whole. Runs
     * over several ticks, never blocking this thread on the commit.
     */
    void makeCopiesWhole(SoleCopy sole) {
        if (recommit == null) {
            if (System.nanoTime() - lastRecommitEndNanos < Duration.ofSeconds(2).toNanos()) {
                return;
            }
            if (cluster.writesInDoubt()) {
                return; // a write a commit gave up on could land over what the recommit writes
            }
            sole.clearable().ifPresent(a -> recommit = new Recommit(a, service.term().recommitAll()));
            return;
        }
        if (!recommit.done().isDone()) {
            return;
        }
        Recommit r = recommit;
        recommit = null;
        lastRecommitEndNanos = System.nanoTime();
        if (r.done().isCompletedExceptionally()) {
            return;
        }
        Term.HeldJobs held = r.done().join();
        try {
            dropStaleEntries(held);
        } catch (RuntimeException e) {
            LOG.warning("could not drop old entries from the replicated maps: " + e);
            return;
        }
        sole.clear(r.attempt());
    }

    /** Removes map entries this head does not hold: jobs long finished, revoked tokens, brought back by merges. */
    private void dropStaleEntries(Term.HeldJobs held) {
        for (Long number : new ArrayList<>(cluster.jobs().keySet())) {
            // a job numbered from nextNumber on was submitted after the recommit began
            if (number < held.nextNumber() && !held.numbers().contains(number)) {
                cluster.jobs().delete(number);
            }
        }
        for (String key : new ArrayList<>(cluster.segments().keySet())) {
            long number = Long.parseLong(key.substring(0, key.indexOf('/')));
            if (number < held.nextNumber() && !held.numbers().contains(number)) {
                cluster.segments().delete(key);
            }
        }
        Set<String> liveTokens = new HashSet<>();
        for (TokenRecord t : service.tokens().list()) {
            liveTokens.add(t.id());
            cluster.tokens().set(t.id(), Json.write(t.replicaMap()));
        }
        Set<String> extra = new HashSet<>(cluster.tokens().keySet());
        extra.removeAll(liveTokens);
        if (!extra.isEmpty()) {
            // listed again: a token made meanwhile is in the registry now
            service.tokens().list().forEach(t -> extra.remove(t.id()));
            extra.forEach(id -> cluster.tokens().delete(id));
        }
    }
}
