package dev.hpc.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void eachUnitAndPlainSecondsAsTheFlagsTakeThem() {
        assertEquals(Optional.of(Duration.ofMillis(500)), Durations.parse("500ms"));
        assertEquals(Optional.of(Duration.ofSeconds(5)), Durations.parse(" 5S "));
        assertEquals(Optional.of(Duration.ofMinutes(2)), Durations.parse("2m"));
        assertEquals(Optional.of(Duration.ofHours(1)), Durations.parse("1h"));
        assertEquals(Optional.of(Duration.ofSeconds(30)), Durations.parse("30"));
    }

    @Test
    void whatNamesNoDurationIsEmpty() {
        for (String bad : new String[] {"", "s", "ms", "5x", "1d", "five", "1.5s", "99999999999999999999"}) {
            assertEquals(Optional.empty(), Durations.parse(bad), bad);
        }
    }
}
