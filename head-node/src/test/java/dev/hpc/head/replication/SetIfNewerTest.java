package dev.hpc.head.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertThrows;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import com.hazelcast.internal.serialization.impl.SerializationConstants;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A late write of a deposed head never replaces the newer epoch's body in the maps (issue 17). */
class SetIfNewerTest {
    private static final long EPOCH_2 = 2L << 32;
    private static final long EPOCH_3 = 3L << 32;

    private static String job(long version, String name) {
        return "{\"id\":\"7.c\",\"spec\":{\"name\":\"" + name + "\",\"env\":{\"version\":\"1\"},\"args\":[\"version\"]},"
                + "\"tasks\":[{\"version\":99999999999999}],\"version\": " + version + "}";
    }

    @Test
    void readsOnlyTheTopLevelVersionWhereverItStands() {
        assertEquals(EPOCH_3 + 4, SetIfNewer.version(job(EPOCH_3 + 4, "a")));
        assertEquals(EPOCH_2, SetIfNewer.version("{\"version\":" + EPOCH_2 + ",\"spec\":{\"version\":1}}"));
        assertEquals(-1, SetIfNewer.version("{\"name\":\"version\",\"spec\":{\"version\":5}}"));
        assertEquals(-1, SetIfNewer.version("{\"note\":\"a \\\"version\\\": 9\"}"));
        assertEquals(-1, SetIfNewer.version("{}"));
    }

    @Test
    void travelsAsIdentifiedDataWithItsBody() {
        SerializationService hazelcast = new DefaultSerializationServiceBuilder()
                .addDataSerializableFactory(SetIfNewer.FACTORY_ID, SetIfNewer.factory()).build();
        Data sent = hazelcast.toData(new SetIfNewer<Long>(job(EPOCH_3 + 1, "sent")));
        assertEquals(SerializationConstants.CONSTANT_TYPE_DATA_SERIALIZABLE, sent.getType(),
                "identified data, not Java serialization");
        SetIfNewer<Long> received = hazelcast.toObject(sent);
        Map.Entry<Long, String> entry = new AbstractMap.SimpleEntry<>(7L, job(EPOCH_3, "old"));
        assertTrue(received.process(entry));
        assertEquals(job(EPOCH_3 + 1, "sent"), entry.getValue());
    }

    @Test
    void anOlderEpochsBodyIsRefusedAndANewerOrEqualOneIsSet() {
        Map.Entry<Object, String> entry = new AbstractMap.SimpleEntry<>(7L, job(EPOCH_3 + 1, "new"));
        assertFalse(new SetIfNewer<>(job(EPOCH_2 + 50, "late")).process(entry), "the deposed head's late write");
        assertEquals(job(EPOCH_3 + 1, "new"), entry.getValue());
        assertTrue(new SetIfNewer<>(job(EPOCH_3 + 1, "new")).process(entry), "the same change written again");
        assertTrue(new SetIfNewer<>(job(EPOCH_3 + 2, "newer")).process(entry));
        assertEquals(job(EPOCH_3 + 2, "newer"), entry.getValue());
        Map.Entry<Object, String> absent = new AbstractMap.SimpleEntry<>(8L, null);
        assertTrue(new SetIfNewer<>(job(EPOCH_2, "first")).process(absent));
        assertEquals(job(EPOCH_2, "first"), absent.getValue());
    }

    @Test
    void aCommitThatFindsANewerEpochInTheMapsFailsAndLeavesTheNewerBody() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (HeadCluster cluster = HeadCluster.join("fence", "head1", "127.0.0.1:9001", new ReplicationConfig(
                "127.0.0.1", port, List.of("127.0.0.1:" + port), "", Duration.ofSeconds(3)))) {
            HeadCluster.putNewerAwaitingBackups(cluster.jobs(), Map.of(7L, job(EPOCH_3 + 1, "new"), 8L,
                    job(EPOCH_2, "other")), BackupWait.WHOLE);
            StaleWriteException e = assertThrows(StaleWriteException.class, () -> HeadCluster
                    .putNewerAwaitingBackups(cluster.jobs(), Map.of(7L, job(EPOCH_2 + 9, "late")), BackupWait.WHOLE));
            assertTrue(e.getMessage().contains("newer epoch"), e.getMessage());
            assertEquals(job(EPOCH_3 + 1, "new"), cluster.jobs().get(7L));
            HeadCluster.putNewerAwaitingBackups(cluster.jobs(), Map.of(8L, job(EPOCH_3, "taken over")), BackupWait.WHOLE);
            assertEquals(job(EPOCH_3, "taken over"), cluster.jobs().get(8L));
        }
    }
}
