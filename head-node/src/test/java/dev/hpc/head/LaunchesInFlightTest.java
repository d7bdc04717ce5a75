package dev.hpc.head;

import dev.hpc.head.state.Effect;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;

class LaunchesInFlightTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    private static final Duration GRACE = Duration.ofSeconds(5);

    private static Effect.Launch launch(String node, long attempt) {
        return new Effect.Launch(node, aTask(attempt, "true").build());
    }

    @Test
    void aLaunchWaitingForItsDurableWriteCountsAsListedHoweverLongItWaits() {
        LaunchesInFlight inFlight = new LaunchesInFlight();
        inFlight.decided(launch("n1", 7));
        assertEquals(List.of(3L, 7L), inFlight.withUnheard("n1", List.of(3L), T0.plusSeconds(60), GRACE));
        assertEquals(List.of(), inFlight.withUnheard("n2", List.of(), T0.plusSeconds(60), GRACE));
    }

    @Test
    void aSentLaunchCountsAsListedOnlyDuringTheGrace() {
        LaunchesInFlight inFlight = new LaunchesInFlight();
        inFlight.decided(launch("n1", 7));
        inFlight.sent(launch("n1", 7), T0);
        assertEquals(List.of(7L), inFlight.withUnheard("n1", List.of(), T0.plusSeconds(4), GRACE));
        assertEquals(List.of(), inFlight.withUnheard("n1", List.of(), T0.plusSeconds(6), GRACE));
    }
}
