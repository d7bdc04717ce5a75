package dev.hpc.head.replication;

import dev.hpc.head.lease.LeaseHolder;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Whether this head, as a standby, holds a complete copy of the replicated state: only then may it take over from
 * the maps (docs/failover.md, "A standby's copy"), and else it waits for the head that led last. Noted on
 * {@link Leadership}'s decision thread, read on any.
 */
final class StandbyCopy {
    private static final Logger LOG = Logger.getLogger(Leadership.class.getName());

    private final HeadCluster cluster;
    private final String head;
    /**
     * The merge count at which this head, as a standby, found it held every partition in step with the active head
     * ({@link HeadCluster#holdsEveryPartition}), or -1: until then its maps may lack what the active head committed
     * before this head joined, whatever the voters say of that head's copies (docs/failover.md, "A standby's copy").
     */
    private volatile long completeCopyAtMerges = -1;

    StandbyCopy(HeadCluster cluster, String head) {
        this.cluster = cluster;
        this.head = head;
    }

    /**
     * A standby that holds every partition in step while the active head is a member has every change that head
     * committed with a backup; from then on each of its commits waits for this member's backup, or the voters
     * hear that the active head may hold the only copy. A merge into another head cluster replaces the maps, so
     * the copy counts only at the merge count at which it was found complete.
     *
     * @return whether the copy was found complete just now
     */
    boolean noteComplete() {
        if (isComplete() || cluster.members().size() < 2 || !cluster.holdsEveryPartition()) {
            return false;
        }
        completeCopyAtMerges = cluster.merges();
        LOG.info("head " + head + " holds a complete copy of the replicated state: it can take "
                + "over from it");
        return true;
    }

    boolean isComplete() {
        return completeCopyAtMerges >= 0 && completeCopyAtMerges == cluster.merges();
    }

    /**
     * Whose copy is complete, once this head is granted the lease: the head that led last committed every change
     * it acknowledged to its own store, so it leads from that store, also over maps a standby kept meanwhile. With
     * no maps at all another head has only its own store, which may be older: it waits for the one that led last.
     * A head that told the voters it held the only copy of some changes (its standby was away) is awaited
     * the same way: the maps lack those changes.
     * A standby that joined the head cluster but never held every partition in step may lack changes the
     * head that led last acknowledged with their backup on the standby before this one: the voters' word on
     * that head's copies was about that standby. (Seen in the fault suite: a restarted standby took over from
     * maps half moved to it, and a result acknowledged there was lost.)
     *
     * @param round   the round that granted this head the lease
     * @param ledLast whether this head is the one that led last
     * @param cold    whether no head has led since the head cluster formed
     * @return the head this one must wait for, and why, when its copy may lack what that head acknowledged
     */
    Optional<String> mustWaitFor(LeaseHolder.Round round, boolean ledLast, boolean cold) {
        String last = round.lastActiveHead();
        boolean partial = !last.isEmpty() && !ledLast && !cold && !isComplete();
        boolean sole = !last.isEmpty() && !ledLast && round.lastActiveSole();
        boolean mayLack = !last.isEmpty() && !ledLast && cold || sole || partial;
        if (!mayLack) {
            return Optional.empty();
        }
        return Optional.of(sole ? last + ", which led last (epoch " + round.lastActiveEpoch() + ") and "
                + "held the only copy of changes it acknowledged while this head was away; start it, or restart "
                + "this head with --force-stale-start to lead from what was replicated (those changes are lost)"
                : partial ? last + ", which led last (epoch " + round.lastActiveEpoch() + "): this head never "
                + "held a complete copy of the replicated state (it joined while " + last + " led, and the "
                + "partitions were still moving to it); start " + last + ", or restart this head with "
                + "--force-stale-start to lead from what it has (changes it lacks are lost)"
                : last + ", which led last (epoch " + round.lastActiveEpoch() + ") and may hold "
                + "jobs this head's store lacks; start it, or restart this head with --force-stale-start to "
                + "serve this head's own copy");
    }
}
