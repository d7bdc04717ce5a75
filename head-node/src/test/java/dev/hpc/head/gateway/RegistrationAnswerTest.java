package dev.hpc.head.gateway;

import dev.hpc.api.job.Health;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.wire.WireMessage;
import dev.hpc.head.HeadConfig;
import dev.hpc.head.web.RunningHead;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ChaosIT seed 10330642155178245: the gateway welcomed a registration before the state thread applied it, and
 * the state thread dropped it because the head's lease was being renewed late at that moment. The worker counted
 * itself registered and never offered the registration again; the head kept its node down with two attempts
 * RUNNING for the rest of the run. A head welcomes a worker only when it applies its registration, and refuses it
 * otherwise, so that the worker offers it again.
 */
class RegistrationAnswerTest {
    @TempDir
    Path dir;
    private RunningHead head;

    @AfterEach
    void stop() {
        if (head != null) {
            head.close();
        }
    }

    private static WireMessage.Register registration(String node) {
        return new WireMessage.Register(node, "machine-" + node, 2, 8L << 30, Map.of(), "", List.of(), List.of(),
                new Health(0.1, 6L << 30, 100L << 30, true, ""));
    }

    private Optional<NodeInfo> node(String name) throws Exception {
        return head.service().reads().node(name).get();
    }

    @Test
    void aRegistrationThatArrivesWhileTheLeaseIsLateIsRefusedNotWelcomedAndTheNextOneIsApplied() throws Exception {
        head = RunningHead.start(HeadConfig.defaults("head1", "test", dir).withPort(0));
        AtomicBoolean leaseHolds = new AtomicBoolean(false);
        head.service().term().leaseGuard(leaseHolds::get);

        try (RawLink link = RawLink.open("ws://127.0.0.1:" + head.port(), Optional.empty())) {
            link.send(registration("n1"));
            WireMessage.Refused refused = link.next(WireMessage.Refused.class);
            assertTrue(refused.message().contains("register again"), refused.message());

            leaseHolds.set(true);
            assertTrue(node("n1").isEmpty(), "the refused registration was not applied");
            link.send(registration("n1"));
            assertEquals("head1", link.next(WireMessage.Welcome.class).headName());
            assertEquals(NodeState.FREE, node("n1").orElseThrow().state());
        }
    }

    /**
     * A registration under a name the store cannot keep (longer than its 256 characters) was applied, and the
     * commit it made failed, which stops the active head; the worker then registered with the new active head and
     * stopped that one too. Such a name is refused at the door, saying what to change, and the head goes on.
     */
    @Test
    void aRegistrationUnderANameNoNodeCanHaveIsRefusedAndTheHeadGoesOn() throws Exception {
        head = RunningHead.start(HeadConfig.defaults("head1", "test", dir).withPort(0));
        String tooLong = "n".repeat(300);

        try (RawLink link = RawLink.open("ws://127.0.0.1:" + head.port(), Optional.empty())) {
            for (String bad : List.of(tooLong, "", "-n1", "n1/../x", "n1 n2")) {
                link.send(registration(bad));
                WireMessage.Refused refused = link.next(WireMessage.Refused.class);
                assertTrue(refused.message().contains("is not a node name") && refused.message().contains("--name"),
                        refused.message());
                assertEquals(List.of(), head.service().reads().nodes().get(), "the refused registration of '"
                        + bad + "' was not applied");
            }
            link.send(registration("n" + "1".repeat(252)));
            link.next(WireMessage.Welcome.class);
            assertEquals(NodeState.FREE, node("n" + "1".repeat(252)).orElseThrow().state());
            assertTrue(head.service().isActive(), "the head is still active");
        }
    }
}
