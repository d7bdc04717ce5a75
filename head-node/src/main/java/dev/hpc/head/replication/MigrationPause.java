package dev.hpc.head.replication;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * How long Hazelcast's migration thread sleeps when it finds migrations paused before it looks again: a fixed
 * 250 ms in Hazelcast 5, with no setting below it. A head that takes over from a killed head that was the head
 * cluster's oldest member (the active head always is: it is the one that stayed at the last takeover) claims
 * mastership, and Hazelcast pauses migrations during the claim; the migration thread that comes to promote the
 * killed head's backups in that window sleeps those 250 ms, about half of a takeover (docs/performance.md). So the
 * head shortens the sleep of its own member to {@link #CHECK_EVERY}.
 *
 * <p>Hazelcast has no public call for it: the field is reached through the instance's internals, as
 * {@link HeadCluster#evict} reaches the member service. Where that fails (another Hazelcast version, a JDK that
 * refuses to change a final field) the member keeps Hazelcast's own sleep, and the head logs why.
 */
final class MigrationPause {
    static final Duration CHECK_EVERY = Duration.ofMillis(10);
    private static final Logger LOG = Logger.getLogger(MigrationPause.class.getName());

    private MigrationPause() {
    }

    /** Sets the sleep of {@code hazelcast}'s migration thread; the sleep in force after it, empty if unreadable. */
    static Optional<Duration> shorten(HazelcastInstance hazelcast, Duration sleep) {
        try {
            Field field = sleepField(hazelcast);
            Thread migrationThread = migrationThread(hazelcast);
            field.setLong(migrationThread, sleep.toMillis());
            return Optional.of(Duration.ofMillis(field.getLong(migrationThread)));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.warning("cannot shorten the migration thread's pause of this head's Hazelcast member (" + e
                    + "): a takeover from a killed head may wait its 250 ms more");
            return Optional.empty();
        }
    }

    /** The sleep now in force, empty if it cannot be read. */
    static Optional<Duration> current(HazelcastInstance hazelcast) {
        try {
            return Optional.of(Duration.ofMillis(sleepField(hazelcast).getLong(migrationThread(hazelcast))));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return Optional.empty();
        }
    }

    private static Thread migrationThread(HazelcastInstance hazelcast) throws ReflectiveOperationException {
        if (!(hazelcast instanceof HazelcastInstanceProxy proxy)) {
            throw new IllegalArgumentException("not a member instance: " + hazelcast.getClass().getName());
        }
        Object manager = proxy.getOriginal().node.partitionService.getMigrationManager();
        Field thread = manager.getClass().getDeclaredField("migrationThread");
        thread.setAccessible(true);
        return (Thread) thread.get(manager);
    }

    private static Field sleepField(HazelcastInstance hazelcast) throws ReflectiveOperationException {
        Field sleep = migrationThread(hazelcast).getClass().getDeclaredField("sleepTime");
        sleep.setAccessible(true);
        return sleep;
    }
}
