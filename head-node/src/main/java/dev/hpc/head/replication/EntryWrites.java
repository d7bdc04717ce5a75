package dev.hpc.head.replication;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import java.util.function.Consumer;

/**
 * A listener of a replicated map that hands each added or changed entry to one consumer: the standby treats both
 * alike, the newer body replaces what it holds. Hazelcast sends a member only the kinds of events its listener
 * implements, so a map whose removals matter takes {@link AndRemovals}, and the others get none.
 */
class EntryWrites<K> implements EntryAddedListener<K, String>, EntryUpdatedListener<K, String> {
    private final Consumer<EntryEvent<K, String>> onWrite;

    EntryWrites(Consumer<EntryEvent<K, String>> onWrite) {
        this.onWrite = onWrite;
    }

    @Override
    public void entryAdded(EntryEvent<K, String> e) {
        onWrite.accept(e);
    }

    @Override
    public void entryUpdated(EntryEvent<K, String> e) {
        onWrite.accept(e);
    }

    /** The same, and each removed entry to its own consumer. */
    static final class AndRemovals<K> extends EntryWrites<K> implements EntryRemovedListener<K, String> {
        private final Consumer<EntryEvent<K, String>> onRemove;

        AndRemovals(Consumer<EntryEvent<K, String>> onWrite, Consumer<EntryEvent<K, String>> onRemove) {
            super(onWrite);
            this.onRemove = onRemove;
        }

        @Override
        public void entryRemoved(EntryEvent<K, String> e) {
            onRemove.accept(e);
        }
    }
}
