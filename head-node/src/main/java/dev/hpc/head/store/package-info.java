/**
 * The durable record of the head in H2: every job as of its last change, the known nodes and a
 * few counters (the epoch). One writer thread commits whatever has queued up in one transaction
 * (group commit) with {@code WRITE_DELAY=0}, so a change is on disk before anyone is told it
 * happened, yet a burst of submissions costs one commit rather than one each (invariant 1).
 */
package dev.hpc.head.store;
