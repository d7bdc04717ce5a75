package dev.hpc.head.state;

/**
 * The version a record changed by this head gets: above the last, and with this head's epoch in its high half,
 * so that whatever a deposed head writes late is older than every write of the head that followed it, in each
 * head's store (which keeps the higher version) and when a split of the head cluster heals
 * ({@code NewerVersionMergePolicy}). Within an epoch it counts up by one.
 */
record Versions(long epoch) {
    long after(long last) {
        return Math.max(last + 1, epoch << 32);
    }
}
