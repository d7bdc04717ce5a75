package dev.hpc.head.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.cluster.ClusterState;
import com.hazelcast.core.Hazelcast;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A head that joins the head cluster holds a complete copy of the maps only once every partition has moved to it:
 * until then a standby must not take over from them (the fault suite saw a restarted standby do so, and lose a
 * result acknowledged before it joined). Two Hazelcast members in this JVM, on 127.0.0.1; migrations are held
 * back by the cluster state, so the half-joined moment lasts as long as the test needs.
 */
class HeadClusterCopyTest {
    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
        }
    }

    @Test
    void aJoiningHeadHoldsACompleteCopyOnlyOnceEveryPartitionHasMovedToIt() throws Exception {
        int port1 = freePort();
        int port2 = freePort();
        List<String> peers = List.of("127.0.0.1:" + port1, "127.0.0.1:" + port2);
        try (HeadCluster first = HeadCluster.join("copy", "head1", "127.0.0.1:9001",
                new ReplicationConfig("127.0.0.1", port1, peers, "", Duration.ofSeconds(3)))) {
            assertFalse(first.holdsEveryPartition(), "alone, a head has no backups: no standby holds a copy");
            for (long n = 1; n <= 200; n++) {
                first.jobs().set(n, "{\"version\":" + n + "}");
            }
            Hazelcast.getHazelcastInstanceByName("hpc-copy-head1").getCluster()
                    .changeClusterState(ClusterState.NO_MIGRATION);
            try (HeadCluster second = HeadCluster.join("copy", "head2", "127.0.0.1:9002",
                    new ReplicationConfig("127.0.0.1", port2, peers, "", Duration.ofSeconds(3)))) {
                await("both heads are members", () -> second.memberIds().size() == 2);
                assertFalse(second.holdsEveryPartition(), "joined, but no partition has moved to it yet");

                // refused while the master still has the held-back migrations queued: asked again until it takes
                await("migrations are allowed again", () -> {
                    try {
                        Hazelcast.getHazelcastInstanceByName("hpc-copy-head1").getCluster()
                                .changeClusterState(ClusterState.ACTIVE);
                        return true;
                    } catch (IllegalStateException e) {
                        return false;
                    }
                });
                await("the partitions have moved to head2", second::holdsEveryPartition);
                assertTrue(first.holdsEveryPartition());
                assertEquals(200, second.jobs().size());
            }
        }
    }
}
