package dev.hpc.mpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RshMainTest {
    @Test
    void theHostAndCommandFollowSshOptions() {
        RshMain.Target t = RshMain.parse(new String[] {"-x", "-l", "alice", "-o", "BatchMode=yes", "-n", "node2",
                "orted", "-mca", "ess", "\"env\""});
        assertEquals("node2", t.host());
        assertEquals(List.of("orted", "-mca", "ess", "\"env\""), t.command());
        assertEquals("node3", RshMain.parse(new String[] {"alice@node3", "true"}).host());
        assertEquals("-weird", RshMain.parse(new String[] {"--", "-weird", "true"}).host());
    }

    @Test
    void aHostWithoutACommandIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> RshMain.parse(new String[] {"node2"}));
        assertThrows(IllegalArgumentException.class, () -> RshMain.parse(new String[] {"-x"}));
    }

    @Test
    void loopbackNamesMeanThisNodeUnlessTheAllocationHasSuchANode() {
        Map<String, String> env = Map.of("HPC_NODE_HOSTS", "node1=vm,node2=vm");
        assertTrue(RshMain.isLocal("localhost", env));
        assertTrue(RshMain.isLocal("127.0.0.1", env));
        assertFalse(RshMain.isLocal("node2", env));
        assertFalse(RshMain.isLocal("localhost", Map.of("HPC_NODE_HOSTS", "localhost=vm")));
    }

    @Test
    void outsideAJobItSaysWhatIsMissingAndExits255() {
        assertEquals(255, RshMain.run(new String[] {"node2", "true"}, Map.of()));
    }
}
