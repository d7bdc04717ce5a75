package dev.hpc.mpi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostFilesTest {
    private static final List<String> NODE_FILE = List.of("node2", "node2", "# comment", "node1", "", "node1",
            " node3 ", "node3");

    @Test
    void slotsKeepTheOrderOfTheNodeFile() {
        Map<String, Integer> slots = HostFiles.slots(NODE_FILE);
        assertEquals(List.of("node2", "node1", "node3"), List.copyOf(slots.keySet()));
        assertEquals(List.of(2, 2, 2), List.copyOf(slots.values()));
        assertEquals(6, HostFiles.total(slots));
    }

    @Test
    void openMpiWantsSlotsAndMpichWantsColons() {
        Map<String, Integer> slots = HostFiles.slots(List.of("a", "a", "a", "b"));
        assertEquals("a slots=3\nb slots=1\n", HostFiles.openMpi(slots));
        assertEquals("a:3\nb:1\n", HostFiles.mpich(slots));
    }
}
