package dev.hpc.cli.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.hpc.cli.local.LocalSpec.Port;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which links each cut breaks, on a network laid out as a cluster's start lays it out. */
class ChaosNetworkTest {
    private ChaosNetwork net;

    @BeforeEach
    void layOut() throws IOException {
        net = new ChaosNetwork(freeRange(ChaosNetwork.links(2)), 2);
        // as LocalCluster asks: each head's voters, the head cluster, each worker's heads
        for (String head : List.of("head1", "head2")) {
            String other = head.equals("head1") ? "head2" : "head1";
            net.address(head, other, Port.API, "127.0.0.1:1");
            net.address(head, "arbiter", Port.API, "127.0.0.1:3");
            net.address("", head, Port.PEER, "127.0.0.1:101");
            net.address(head, other, Port.PEER, "127.0.0.1:102");
        }
        for (String node : List.of("node1", "node2")) {
            net.address(node, "head1", Port.API, "127.0.0.1:1");
            net.address(node, "head2", Port.API, "127.0.0.1:2");
        }
    }

    @AfterEach
    void close() {
        net.close();
    }

    /** A first port with {@code n} free ports from it, to stand in for P+200. */
    private static int freeRange(int n) throws IOException {
        for (int tries = 0; tries < 100; tries++) {
            int first;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                first = s.getLocalPort();
            }
            boolean free = true;
            for (int k = 0; k < n && free; k++) {
                try (ServerSocket s = new ServerSocket(first + k, 1, InetAddress.getLoopbackAddress())) {
                    free = true;
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return first;
            }
        }
        throw new IOException("no " + n + " free ports in a row");
    }

    private List<String> names(List<Forwarder> links) {
        return links.stream().map(Forwarder::name).sorted().toList();
    }

    @Test
    void everyLinkHasItsOwnForwarderAndTheHeadClusterOnePerHead() {
        assertEquals(List.of("head1>head2", "head1>arbiter", "peer>head1", "peer>head2", "head2>head1",
                "head2>arbiter", "node1>head1", "node1>head2", "node2>head1", "node2>head2"), net.names());
        assertEquals(net.address("head2", "head1", Port.PEER, "127.0.0.1:101"),
                net.address("", "head1", Port.PEER, "127.0.0.1:101"), "published where the other head looks");
        assertNotEquals(net.address("node1", "head1", Port.API, "x:1"), net.address("node2", "head1", Port.API, "x:1"));
    }

    @Test
    void aCutBetweenTheHeadsBreaksTheHeadClusterAndTheLeaseBothWaysOnly() {
        assertEquals(List.of("head1>head2", "head2>head1", "peer>head1", "peer>head2"),
                names(net.linksOf(FaultKind.CUT_HEADS, "head1", "head2", List.of("node1", "node2"))));
    }

    @Test
    void theActiveHeadCutFromTheWorkersKeepsTheOtherHeadAndTheArbiter() {
        assertEquals(List.of("node1>head2", "node2>head2"),
                names(net.linksOf(FaultKind.CUT_ACTIVE_FROM_WORKERS, "head2", "head1", List.of("node1", "node2"))));
    }

    @Test
    void anIsolatedStandbyHearsNoDaemonButItsClientsStillReachIt() {
        assertEquals(List.of("head1>head2", "head2>arbiter", "head2>head1", "node1>head2", "node2>head2",
                        "peer>head1", "peer>head2"),
                names(net.linksOf(FaultKind.ISOLATE_STANDBY, "head1", "head2", List.of("node1", "node2"))));
    }

    @Test
    void anIsolatedActiveHeadLosesEveryLinkOfItsOwn() {
        assertEquals(List.of("head1>arbiter", "head1>head2", "head2>head1", "node1>head1", "node2>head1",
                        "peer>head1", "peer>head2"),
                names(net.linksOf(FaultKind.ISOLATE_ACTIVE, "head1", "head2", List.of("node1", "node2"))));
    }
}
