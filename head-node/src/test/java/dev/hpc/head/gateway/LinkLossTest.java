package dev.hpc.head.gateway;

import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.wire.WireMessage;
import dev.hpc.head.HeadConfig;
import dev.hpc.head.spawn.LinkedWorker;
import dev.hpc.head.web.RunningHead;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Issue 9: a worker whose link to the active head closes and that does not come back within the
 * link-loss grace is down and its tasks move, long before the node timeout (a minute here, so that
 * only the closed link can take a node down); one that registers again within the grace goes on.
 */
class LinkLossTest {
    @TempDir
    Path dir;
    private RunningHead head;
    private final List<LinkedWorker> workers = new java.util.ArrayList<>();

    private void startHead(Duration grace) {
        HeadConfig d = HeadConfig.defaults("head1", "c", dir);
        head = RunningHead.start(new HeadConfig(d.name(), d.cluster(), d.bindHost(), 0, dir, Duration.ofMillis(200),
                Duration.ofMinutes(1), d.keepCompleted(), d.maxRequeues(), d.maxBodyBytes(), d.defaultQueue(),
                d.access(), d.linkSecurity(), grace));
    }

    private LinkedWorker link(String node, List<WireMessage.RunningTask> runs) throws Exception {
        LinkedWorker w = LinkedWorker.connect(head.baseUrl(), node, runs);
        workers.add(w);
        return w;
    }

    @AfterEach
    void stop() {
        workers.forEach(LinkedWorker::close);
        if (head != null) {
            head.close();
        }
    }

    private NodeInfo node(String name) throws Exception {
        return head.service().reads().node(name).get().orElseThrow();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private boolean isDown(String name) {
        try {
            return node(name).state() == NodeState.DOWN;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * With {@code grace}: n1 runs a task and its worker is killed; the task's next launch goes to n2. Returns what
     * the head then says of n1.
     */
    private NodeInfo killTheWorkerOfATaskAndAwaitItOnAnother(Duration grace) throws Exception {
        startHead(grace);
        LinkedWorker n1 = link("n1", List.of());
        head.submit("alice", "lost", List.of());
        WireMessage.Launch first = n1.next(WireMessage.Launch.class, m -> true);
        LinkedWorker n2 = link("n2", List.of());

        n1.kill();

        WireMessage.Launch again = n2.next(WireMessage.Launch.class, m -> true);
        assertEquals(first.order().taskName(), again.order().taskName());
        assertNotEquals(first.order().attemptId(), again.order().attemptId());
        return node("n1");
    }

    @Test
    void aWorkerWhoseLinkClosedAndThatDoesNotComeBackIsDownAndItsTaskMoves() throws Exception {
        NodeInfo lost = killTheWorkerOfATaskAndAwaitItOnAnother(Duration.ofMillis(500));
        assertEquals(NodeState.DOWN, lost.state());
        assertEquals("link ended without a goodbye, not back within 500 ms", lost.reason());
    }

    /**
     * Issue 21: a link that ends without the worker's close frame ended under it (a killed worker's kernel closes
     * its connections): its node is down after half a second, whatever the configured grace.
     */
    @Test
    void aLinkThatEndsWithoutAGoodbyeGetsHalfASecondNotTheWholeGrace() throws Exception {
        NodeInfo lost = killTheWorkerOfATaskAndAwaitItOnAnother(Duration.ofMinutes(1));
        assertEquals("link ended without a goodbye, not back within 500 ms", lost.reason());
    }

    @Test
    void aWorkerThatRegistersAgainWithinTheGraceGoesOnWithItsTask() throws Exception {
        startHead(Duration.ofSeconds(3));
        LinkedWorker n1 = link("n1", List.of());
        String job = head.submit("alice", "kept", List.of());
        WireMessage.Launch launch = n1.next(WireMessage.Launch.class, m -> true);
        LinkedWorker n2 = link("n2", List.of());

        n1.leave();
        // the head has seen the close (its grace runs) before the worker comes back
        await("n1's link seen closed", () -> head.verticle().linkedWorkers() == 1);
        link("n1", List.of(new WireMessage.RunningTask(launch.order().attemptId(), launch.order().taskName(), 42)));
        // n2 leaves for good after n1 came back: once n2 is down, n1's grace has ended too
        n2.leave();
        await("n2 down after its grace", () -> isDown("n2"));
        assertEquals("link closed, not back within 3000 ms", node("n2").reason());

        NodeInfo kept = node("n1");
        assertNotEquals(NodeState.DOWN, kept.state(), kept.reason());
        assertEquals(List.of(launch.order().taskName()), kept.tasks());
        assertEquals("RUNNING", head.job(job).string("state"));
    }
}
