package dev.hpc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** pbs_rsub's time forms and its select, read as OpenPBS reads them (issue 19 item 3). */
class ReservationCommandsTest {
    private static final ZonedDateTime NOW = ZonedDateTime.of(2026, 12, 5, 14, 0, 0, 0, ZoneId.of("Europe/Paris"));

    @Test
    void timesArePbsDateTimesInTheCallersZoneOrIsoInstants() {
        assertEquals(Instant.parse("2026-12-05T13:30:00Z"), ReservationCommands.time("-R", "1430", NOW));
        assertEquals(Instant.parse("2026-12-06T12:30:15Z"), ReservationCommands.time("-R", "061330.15", NOW));
        assertEquals(Instant.parse("2026-12-07T08:00:00Z"), ReservationCommands.time("-E", "202612070900", NOW));
        assertEquals(Instant.parse("2026-12-05T14:30:00Z"),
                ReservationCommands.time("-R", "2026-12-05T14:30:00Z", NOW));
        UsageException bad = assertThrows(UsageException.class, () -> ReservationCommands.time("-R", "14h", NOW));
        assertTrue(bad.getMessage().startsWith("-R: ") && bad.getMessage().contains("hhmm"), bad.getMessage());
    }

    @Test
    void durationsAreSecondsOrHoursMinutesSeconds() {
        assertEquals(Duration.ofSeconds(600), ReservationCommands.duration("600"));
        assertEquals(Duration.ofMinutes(90), ReservationCommands.duration("1:30:00"));
        assertThrows(UsageException.class, () -> ReservationCommands.duration("1h"));
    }

    @Test
    void selectGivesNodesAndCoresPerNode() {
        assertArrayEquals(new int[] {1, 1}, ReservationCommands.select(List.of()));
        assertArrayEquals(new int[] {2, 4}, ReservationCommands.select(List.of("select=2:ncpus=4")));
        assertArrayEquals(new int[] {3, 1}, ReservationCommands.select(List.of("select=3")));
        UsageException mem = assertThrows(UsageException.class,
                () -> ReservationCommands.select(List.of("select=1:ncpus=2:mem=4gb")));
        assertTrue(mem.getMessage().contains("ncpus only"), mem.getMessage());
        assertThrows(UsageException.class, () -> ReservationCommands.select(List.of("nodes=2")));
    }
}
