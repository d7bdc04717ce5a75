package dev.hpc.head.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 19 item 3: the windows of a standing reservation, from pbs_rsub -r's rule. */
class RecurrenceTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void weeklyOnTheNamedDaysKeepsTheWallClockTimeAcrossDaylightSaving() {
        // Wednesday 2026-10-21 09:00 in Berlin (summer time); the clocks go back on Sunday 2026-10-25
        Instant first = Instant.parse("2026-10-21T07:00:00Z");
        List<Instant> starts = Recurrence.starts("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4", first, BERLIN);
        assertEquals(List.of(first, Instant.parse("2026-10-26T08:00:00Z"), Instant.parse("2026-10-28T08:00:00Z"),
                Instant.parse("2026-11-02T08:00:00Z")), starts, "09:00 Berlin time each, winter time after the change");
    }

    @Test
    void aFirstStartOnADayTheRuleDoesNotNameMovesToTheNextNamedDay() {
        Instant sunday = Instant.parse("2026-12-06T14:00:00Z");
        assertEquals(List.of(Instant.parse("2026-12-08T14:00:00Z"), Instant.parse("2026-12-10T14:00:00Z"),
                Instant.parse("2026-12-15T14:00:00Z")), Recurrence.starts("FREQ=WEEKLY;BYDAY=TU,TH;COUNT=3", sunday,
                ZoneOffset.UTC), "Tuesdays and Thursdays only, at the time -R gave");
    }

    @Test
    void dailyEveryOtherDayUntilADayIncludesThatDay() {
        Instant first = Instant.parse("2026-12-01T22:00:00Z");
        List<Instant> starts = Recurrence.starts("FREQ=DAILY;INTERVAL=2;UNTIL=20261205", first, ZoneOffset.UTC);
        assertEquals(List.of(first, Instant.parse("2026-12-03T22:00:00Z"), Instant.parse("2026-12-05T22:00:00Z")),
                starts);
        assertEquals(3, Recurrence.starts("freq=hourly;count=3", first, ZoneOffset.UTC).size(), "any case");
    }

    @Test
    void aRuleThatCannotBeKeptIsRefusedWithWhatToFix() {
        Instant first = Instant.parse("2026-12-01T10:00:00Z");
        for (String[] bad : new String[][] {
                {"FREQ=MONTHLY;COUNT=2", "FREQ=HOURLY, DAILY or WEEKLY"},
                {"FREQ=DAILY", "COUNT=N or UNTIL"},
                {"FREQ=DAILY;COUNT=2;UNTIL=20261231", "COUNT=N or UNTIL"},
                {"FREQ=DAILY;BYDAY=MO;COUNT=2", "BYDAY goes with FREQ=WEEKLY"},
                {"FREQ=WEEKLY;BYDAY=XX;COUNT=2", "MO, TU, WE"},
                {"FREQ=DAILY;COUNT=0", "at least 1"},
                {"FREQ=DAILY;COUNT=5000", "more than 1000"},
                {"FREQ=HOURLY;UNTIL=20301231", "more than 1000"},
                {"FREQ=DAILY;BYMONTH=1;COUNT=2", "takes FREQ, INTERVAL, BYDAY, COUNT and UNTIL"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Recurrence.starts(bad[0], first, ZoneOffset.UTC), bad[0]);
            assertTrue(e.getMessage().contains(bad[1]), bad[0] + ": " + e.getMessage());
        }
    }
}
