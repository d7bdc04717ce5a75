package dev.hpc.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code hpc cluster status} says of a head that may hold the only copy, and of one that waits for it. */
class ClusterStatusFormatTest {
    private static final Instant NOW = Instant.parse("2026-12-05T08:00:00Z");

    private static Map<String, Object> head(String name, String role, Map<String, Object> extra) {
        Map<String, Object> h = new java.util.LinkedHashMap<>(Map.of("name", name, "role", role, "epoch", 4,
                "address", "127.0.0.1:8640", "pid", 42, "startedAt", "2026-12-05T07:00:00Z",
                "lastChange", "2026-12-05T07:59:59Z", "lastHeartbeat", "2026-12-05T07:59:59Z"));
        h.putAll(extra);
        return h;
    }

    @Test
    void aHeadThatMayHoldTheOnlyCopySaysSoAndAWaitingHeadSaysForWhom() {
        String text = ClusterCommand.format(Map.of("cluster", "c", "heads", List.of(
                head("head1", "ACTIVE", Map.of("copies", "SOLE")),
                head("head2", "WAITING", Map.of("waitingFor", "head1, which led last (epoch 4) and held the only "
                        + "copy of changes it acknowledged while this head was away")))), NOW);
        assertTrue(text.contains("head1 may hold the only copy of recent changes"), text);
        assertTrue(text.contains("head2 waits for head1, which led last"), text);
    }

    @Test
    void aReplicatedHeadSaysNothingMore() {
        String text = ClusterCommand.format(Map.of("cluster", "c", "heads", List.of(
                head("head1", "ACTIVE", Map.of("copies", "REPLICATED")),
                head("head2", "STANDBY", Map.of("copies", "COMPLETE")))), NOW);
        assertFalse(text.contains("only copy"), text);
        assertFalse(text.contains("waits for"), text);
        assertFalse(text.contains("receiving"), text);
    }

    @Test
    void aStandbyStillReceivingItsCopySaysItDoesNotTakeOverYet() {
        String text = ClusterCommand.format(Map.of("cluster", "c", "heads", List.of(
                head("head1", "ACTIVE", Map.of("copies", "REPLICATED")),
                head("head2", "STANDBY", Map.of("copies", "INCOMPLETE")))), NOW);
        assertTrue(text.contains("head2 is still receiving its copy of the replicated state; until it holds all of "
                + "it, it does not take over"), text);
    }

    @Test
    void anActiveHeadBackedByFewerThanAllItsVotersSaysThatOneMoreLossEndsItsLease() {
        Map<String, Object> self = head("head1", "ACTIVE", Map.of("lease", Map.of("held", true, "votersBacking", 2,
                "voters", 3)));
        String weak = ClusterCommand.format(Map.of("cluster", "c", "head", self, "heads", List.of(self)), NOW);
        assertTrue(weak.contains("head1 holds the lease with 2 of 3 voters behind it: one more lost voter ends it"),
                weak);
        Map<String, Object> whole = head("head1", "ACTIVE", Map.of("lease", Map.of("held", true, "votersBacking", 3,
                "voters", 3)));
        String fine = ClusterCommand.format(Map.of("cluster", "c", "head", whole, "heads", List.of(whole)), NOW);
        assertFalse(fine.contains("voters behind it"), fine);
    }
}
