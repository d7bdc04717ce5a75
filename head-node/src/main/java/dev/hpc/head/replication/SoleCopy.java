package dev.hpc.head.replication;

import dev.hpc.api.HpcException;
import dev.hpc.head.lease.LeaseHolder;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Whether every change the active head acknowledged is also on its standby, and what the voters were told of it
 * (docs/architecture.md, "The only copy"). While the standby is away (frozen, cut off, restarting) or the head
 * cluster moves partitions or merges after a split, a commit lands in this head's store and in maps without a
 * backup. Before such a commit is acknowledged, a majority of the voters hear that this head may hold the only
 * copy; a standby that finds this when it asks for the lease waits for this head instead of leading from maps
 * that lack those changes. Once the standby is back and every backup in step, this head commits everything it
 * holds again and tells the voters its changes are replicated.
 *
 * <p>Commits call {@link #before} and {@link #after} on the store's writer thread; the leadership thread calls
 * {@link #clearable} and {@link #clear}.
 */
final class SoleCopy {
    private static final Logger LOG = Logger.getLogger(SoleCopy.class.getName());

    private final HeadCluster cluster;
    private final LeaseHolder lease;
    private final String head;
    /** Grows with every event after which a backup may be missing: membership, merges, failed writes. */
    private final AtomicLong doubts = new AtomicLong();
    /** The members with which every commit since the last clear had its backup; empty while in doubt. */
    private Set<UUID> verified = Set.of();
    /** Whether a majority of the voters was last told that this head may hold the only copy. */
    private boolean votersTold;

    SoleCopy(HeadCluster cluster, LeaseHolder lease, String head) {
        this.cluster = cluster;
        this.lease = lease;
        this.head = head;
        cluster.onMembershipChange(removed -> doubts.incrementAndGet());
    }

    /** What a commit's replication is compared with afterwards. */
    record Before(Set<UUID> members, long merges, long doubts) {
    }

    /**
     * This head has just become active: its takeover round told the voters it holds the only copy, which is
     * true until its standby is in step.
     */
    synchronized void tookOver() {
        verified = Set.of();
        votersTold = true;
    }

    Before before() {
        return new Before(cluster.memberIds(), cluster.merges(), doubts.get());
    }

    /**
     * After a commit's replication, which failed with {@code failure} or not: a commit that may lack its backup is
     * acknowledged only once the voters know this head may hold the only copy. Throws when they could not be
     * told: the commit must then not count, and this head stops.
     */
    synchronized void after(Before before, RuntimeException failure) {
        Set<UUID> now = cluster.memberIds();
        boolean anomaly = failure != null || now.size() < 2 || !now.equals(before.members())
                || cluster.merges() != before.merges() || doubts.get() != before.doubts();
        if (anomaly) {
            doubts.incrementAndGet();
            verified = Set.of();
        }
        if (!anomaly && now.equals(verified) || votersTold) {
            return;
        }
        LeaseHolder.Round told = lease.declare(true);
        if (!told.majority()) {
            throw new HpcException("head " + head + " may hold the only copy of this change (" + (failure != null
                    ? "replication failed: " + failure.getMessage() : now.size() < 2 ? "no standby in the head "
                    + "cluster" : "the head cluster changed while it was replicated") + ") and could not tell a "
                    + "majority of the voters so: " + told.refusals(), failure);
        }
        votersTold = true;
        LOG.warning("head " + head + " may hold the only copy of changes it acknowledges from now on ("
                + (failure != null ? "replication failed: " + failure.getMessage() : now.size() < 2
                ? "no standby in the head cluster" : "the head cluster changed") + "); the voters know, and a "
                + "standby waits for this head rather than lead without them");
    }

    /** A chance to make the copies whole again: the members and doubts when it began. */
    record Attempt(Set<UUID> members, long doubts) {
    }

    /**
     * Whether the standby may lack changes while it is now present with every backup in step: then this head
     * should commit everything again and {@link #clear} with what this gives.
     */
    Optional<Attempt> clearable() {
        synchronized (this) {
            if (!votersTold && !verified.isEmpty()) {
                return Optional.empty();
            }
        }
        Attempt a = new Attempt(cluster.memberIds(), doubts.get());
        if (a.members().size() < 2 || !cluster.backupsInStep()) {
            return Optional.empty();
        }
        return Optional.of(a);
    }

    /**
     * After everything this head holds was committed again since {@code attempt} began: when nothing may have
     * cost a backup meanwhile, the voters hear that this head's changes are replicated. Whether they did.
     */
    synchronized boolean clear(Attempt attempt) {
        if (doubts.get() != attempt.doubts() || !cluster.memberIds().equals(attempt.members())
                || !cluster.backupsInStep()) {
            return false;
        }
        verified = attempt.members();
        votersTold = false;
        LeaseHolder.Round told = lease.declare(false);
        if (!told.majority()) {
            verified = Set.of();
            return false;
        }
        LOG.info("head " + head + ": every change it acknowledged is on its standby again; the voters know");
        return true;
    }

    /** Whether the voters may hear that this head holds the only copy; for status. */
    synchronized boolean inDoubt() {
        return votersTold || verified.isEmpty();
    }
}
