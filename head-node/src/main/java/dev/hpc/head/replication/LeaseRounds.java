package dev.hpc.head.replication;

import dev.hpc.head.lease.LeaseHolder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What this head heard when it asked the voters for the lease: the last round, how many rounds there were, the
 * highest epoch any voter promised, and when the voters were last asked. Shared by {@link Leadership}'s decision
 * thread and the renewal thread ({@link LeaseRenewal}): the count of rounds and the highest epoch are guarded by
 * this object's lock, the rest is volatile.
 */
final class LeaseRounds {
    /** The highest epoch any voter has promised, as heard in their answers. */
    private long highestEpochSeen;
    private volatile long lastLeaseAskNanos = Long.MIN_VALUE / 2;
    private volatile LeaseHolder.Round lastRound;
    /** How many times the voters were asked, for status: a test can wait for a head to have asked again. */
    private long rounds;

    /** Whether a third of the lease has passed since the voters were last asked. */
    boolean askDue(LeaseHolder l) {
        return sinceAskedNanos() >= l.length().toNanos() / 3;
    }

    /** How long ago, in {@link System#nanoTime()}, the voters were last asked. */
    long sinceAskedNanos() {
        return System.nanoTime() - lastLeaseAskNanos;
    }

    /** The voters are being asked now. */
    void asking() {
        lastLeaseAskNanos = System.nanoTime();
    }

    /** The next renewal asks the voters whenever it runs, as though they had not been asked for long. */
    void askAtOnce() {
        lastLeaseAskNanos = Long.MIN_VALUE / 2;
    }

    synchronized void note(LeaseHolder.Round round) {
        lastRound = round;
        rounds++;
        highestEpochSeen = Math.max(highestEpochSeen, round.highestEpochSeen());
    }

    synchronized long highestEpochSeen() {
        return highestEpochSeen;
    }

    /** An epoch found raised by another head: asks from now on go above it. */
    synchronized void sawEpoch(long epoch) {
        highestEpochSeen = Math.max(highestEpochSeen, epoch);
    }

    /** What the voters answered last time they were asked, for {@code hpc cluster status}; none before any. */
    Optional<Map<String, Object>> lastRound() {
        LeaseHolder.Round r = lastRound;
        if (r == null) {
            return Optional.empty();
        }
        Map<String, Object> round = new LinkedHashMap<>();
        round.put("epoch", r.epoch());
        round.put("granted", r.granted());
        round.put("voters", r.voters());
        round.put("refusals", r.refusals());
        synchronized (this) {
            round.put("rounds", rounds);
        }
        return Optional.of(round);
    }
}
