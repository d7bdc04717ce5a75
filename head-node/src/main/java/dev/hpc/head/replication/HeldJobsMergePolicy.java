package dev.hpc.head.replication;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingLastUpdateTime;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;

/**
 * How a job's entry is chosen when a split of the head cluster heals: as {@link NewerVersionMergePolicy}, except
 * that a merge never brings in a job the other side does not have. Such a job can only be one that a head numbered
 * and wrote while it was being deposed (frozen in the middle of a commit, say): nobody acknowledged it, and its
 * submitter sent it again to the head that took over. The active head's own jobs never depend on a merge: after
 * any merge it holds the only copy until it has committed every job it holds again and dropped every entry it does
 * not hold ({@code CopyMender}). But a merge can go on delivering entries after that cleanup, and a standby that took
 * over from the maps then ran the deposed head's job too: the fault suite caught one (three submissions made twice).
 */
public final class HeldJobsMergePolicy<T extends MergingValue<Object> & MergingLastUpdateTime>
        implements SplitBrainMergePolicy<Object, T, Object> {
    private final NewerVersionMergePolicy<T> newer = new NewerVersionMergePolicy<>();

    @Override
    public Object merge(T merging, T existing) {
        // null: the entry is not added
        return existing == null ? null : newer.merge(merging, existing);
    }

    @Override
    public void writeData(ObjectDataOutput out) {
        // no settings
    }

    @Override
    public void readData(ObjectDataInput in) {
        // no settings
    }
}
