package dev.hpc.head.replication;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingLastUpdateTime;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import java.util.OptionalLong;

/**
 * How an entry is chosen when a split of the head cluster heals: the newer version wins. Job and node bodies
 * carry a version whose high half is the epoch of the head that wrote it ({@code ClusterState}), so a write of
 * a deposed head, whatever its wall-clock time, never replaces one of the head that followed it; Hazelcast's
 * {@code LatestUpdateMergePolicy}, used before, compared the members' clocks. Numbers (the replicated epoch)
 * keep the larger. Anything else (the head registry, tokens) keeps the later update, as before.
 */
public final class NewerVersionMergePolicy<T extends MergingValue<Object> & MergingLastUpdateTime>
        implements SplitBrainMergePolicy<Object, T, Object> {
    @Override
    public Object merge(T merging, T existing) {
        if (existing == null) {
            return merging.getRawValue();
        }
        Object m = merging.getDeserializedValue();
        Object e = existing.getDeserializedValue();
        if (m instanceof Long ml && e instanceof Long el) {
            return ml >= el ? merging.getRawValue() : existing.getRawValue();
        }
        OptionalLong mv = versionOf(m);
        OptionalLong ev = versionOf(e);
        if (mv.isPresent() && ev.isPresent() && mv.getAsLong() != ev.getAsLong()) {
            return mv.getAsLong() > ev.getAsLong() ? merging.getRawValue() : existing.getRawValue();
        }
        return merging.getLastUpdateTime() >= existing.getLastUpdateTime() ? merging.getRawValue()
                : existing.getRawValue();
    }

    static OptionalLong versionOf(Object value) {
        if (!(value instanceof String body)) {
            return OptionalLong.empty();
        }
        try {
            // merges are rare (a split that heals): parsing the whole body is affordable
            JsonFields fields = Json.readObject(body);
            return fields.has("version") ? OptionalLong.of(fields.longValue("version")) : OptionalLong.empty();
        } catch (RuntimeException notAVersionedBody) {
            return OptionalLong.empty();
        }
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
