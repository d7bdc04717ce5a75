package dev.hpc.head.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.hazelcast.spi.merge.MergingLastUpdateTime;
import com.hazelcast.spi.merge.MergingValue;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: when a split of the head cluster heals, the entry of the newer epoch wins, whatever the members'
 * clocks say; Hazelcast's latest-update policy, used before, kept the entry with the later wall-clock time.
 */
class NewerVersionMergePolicyTest {
    /** An entry as Hazelcast hands it to a merge policy: its value (here already deserialized) and update time. */
    private record Entry(Object value, long lastUpdateTime) implements MergingValue<Object>, MergingLastUpdateTime {
        @Override
        public Object getDeserializedValue() {
            return value;
        }

        @Override
        public Object getRawValue() {
            return value;
        }

        @Override
        public long getLastUpdateTime() {
            return lastUpdateTime;
        }
    }

    private final NewerVersionMergePolicy<Entry> policy = new NewerVersionMergePolicy<>();

    private static String body(long version) {
        return "{\"id\":\"7.c\",\"number\":7,\"version\":" + version + ",\"spec\":{\"version\":1}}";
    }

    @Test
    void theBodyOfTheNewerEpochWinsEvenWhenTheDeposedHeadWroteItLater() {
        String deposed = body((3L << 32) + 900);
        String next = body(4L << 32);
        assertEquals(next, policy.merge(new Entry(deposed, 2_000), new Entry(next, 1_000)));
        assertEquals(next, policy.merge(new Entry(next, 1_000), new Entry(deposed, 2_000)));
    }

    @Test
    void theReplicatedEpochKeepsTheLargerNumber() {
        assertEquals(5L, policy.merge(new Entry(4L, 2_000), new Entry(5L, 1_000)));
        assertEquals(5L, policy.merge(new Entry(5L, 1_000), new Entry(4L, 2_000)));
    }

    @Test
    void entriesWithoutAVersionOrWithTheSameOneKeepTheLaterUpdate() {
        assertEquals("later", policy.merge(new Entry("later", 2_000), new Entry("{\"head\":\"h1\"}", 1_000)));
        assertEquals("{\"a\":1}", policy.merge(new Entry("{\"a\":1}", 1_000), new Entry("not json", 1_000)));
        String same = body(4L << 32);
        assertEquals(same + " ", policy.merge(new Entry(same + " ", 3_000), new Entry(same, 1_000)));
        assertEquals("new", policy.merge(new Entry("new", 0), null));
    }

    @Test
    void aMergeNeverBringsInAJobTheOtherSideDoesNotHave() {
        // a deposed head's job, written as it froze: nobody acknowledged it, and the head that took over does not hold it
        HeldJobsMergePolicy<Entry> jobs = new HeldJobsMergePolicy<>();
        assertNull(jobs.merge(new Entry(body(3L << 32), 2_000), null));
        String deposed = body((3L << 32) + 900);
        String next = body(4L << 32);
        assertEquals(next, jobs.merge(new Entry(deposed, 2_000), new Entry(next, 1_000)));
        assertEquals(next, jobs.merge(new Entry(next, 1_000), new Entry(deposed, 2_000)));
    }
}
