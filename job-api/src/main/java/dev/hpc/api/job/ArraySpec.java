package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import java.util.List;

/**
 * The indices of an array job ({@code -t 1-100%5}, {@code -J 1-100:2}, {@code --array=1,3,5-7}) and
 * its throttle: at most {@code throttle} tasks run at once, 0 for no limit. {@code indices} is an
 * {@link IndexSet}: sorted, distinct, and as small as the ranges that wrote it.
 */
public record ArraySpec(String expression, List<Integer> indices, int throttle) {
    public ArraySpec {
        indices = IndexSet.copyOf(indices);
        if (indices.isEmpty()) {
            throw new InvalidRequestException("array range '" + expression + "' has no index");
        }
        if (throttle < 0) {
            throw new InvalidRequestException("array throttle must not be negative, got " + throttle);
        }
    }

    /** The indices as the set they are. */
    public IndexSet indexSet() {
        return (IndexSet) indices;
    }
}
