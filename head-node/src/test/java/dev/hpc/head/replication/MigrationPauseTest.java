package dev.hpc.head.replication;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A head's Hazelcast member looks again for paused migrations every {@link MigrationPause#CHECK_EVERY}, not after
 * Hazelcast's fixed 250 ms. The field is Hazelcast's own: a version that renames it fails here, not in a slower
 * takeover that nobody notices.
 */
class MigrationPauseTest {
    @Test
    void aJoinedHeadChecksForPausedMigrationsEveryTenMilliseconds() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (HeadCluster cluster = HeadCluster.join("pause", "head1", "127.0.0.1:9001", new ReplicationConfig(
                "127.0.0.1", port, List.of("127.0.0.1:" + port), "", Duration.ofSeconds(3)))) {
            assertEquals(Optional.of(MigrationPause.CHECK_EVERY), cluster.migrationPause());
        }
    }
}
