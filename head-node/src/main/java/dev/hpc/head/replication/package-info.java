/**
 * Replication of the head's state to the standby heads and the choice of the active head.
 *
 * <p>The heads form a Hazelcast cluster (TCP-IP member list, no multicast). Every committed change
 * is also put into replicated maps with one synchronous backup, so each head holds all of it
 * before anything is acknowledged (invariant 1). The oldest member is the active head; a standby
 * that finds itself oldest takes over only when the workers, its witnesses, have lost the active
 * head too, so a cut between the two heads alone never gives two active heads (invariant 2). Each
 * takeover raises the epoch with an entry processor on the replicated map; workers obey only the
 * highest epoch they have seen, and a head that finds a higher epoch than its own steps down.
 */
package dev.hpc.head.replication;
