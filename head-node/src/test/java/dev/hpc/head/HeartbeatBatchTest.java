package dev.hpc.head;

import dev.hpc.api.job.Health;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.wire.WireMessage.Register;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Heartbeats that arrive while the state thread is busy are applied together, the latest of each node: what a
 * step queued after them reads is what the last of them said.
 */
class HeartbeatBatchTest {
    @TempDir
    Path dir;

    @Test
    void aStepQueuedAfterHeartbeatsSeesTheLatestOfEachNode() throws Exception {
        try (HeadService head = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            for (String node : List.of("n1", "n2")) {
                CountDownLatch welcomed = new CountDownLatch(1);
                head.workerEvents().registered(new Register(node, "127.0.0.1", 2, 4L << 30, Map.of(), "", List.of(), List.of()),
                        welcomed::countDown, why -> { });
                assertTrue(welcomed.await(10, TimeUnit.SECONDS), node + " was not welcomed");
            }
            CompletableFuture<Optional<NodeInfo>> n1;
            CompletableFuture<Optional<NodeInfo>> n2;
            try (HeldStateThread held = new HeldStateThread(head)) {
                head.workerEvents().heartbeat("n1", new Health(0, 0, 0, true, ""), List.of());
                head.workerEvents().heartbeat("n2", new Health(0, 0, 0, false, "scratch is full"), List.of());
                head.workerEvents().heartbeat("n1", new Health(0, 0, 0, false, "no GPU driver"), List.of());
                n1 = head.reads().node("n1");
                n2 = head.reads().node("n2");
            }

            NodeInfo one = n1.get(10, TimeUnit.SECONDS).orElseThrow();
            NodeInfo two = n2.get(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("no GPU driver", one.offlineNote(), "the last heartbeat of n1 decides: " + one);
            assertEquals("scratch is full", two.offlineNote(), "n2's own heartbeat is applied as well: " + two);
        }
    }
}
