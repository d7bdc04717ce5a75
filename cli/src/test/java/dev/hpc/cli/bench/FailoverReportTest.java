package dev.hpc.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FailoverReportTest {
    private static FailoverRun aKeptRun(int run, long accepted, long started) {
        return new FailoverRun(run, run % 2 == 1 ? "head1" : "head2", run % 2 == 1 ? "head2" : "head1", run + 1,
                accepted, started, 1, "RUNNING", 3000);
    }

    @Test
    void statisticsOfAnOddCountTakeTheMiddleValue() {
        assertEquals(new FailoverReport.Stats(20, 5, 90), FailoverReport.stats(List.of(90L, 5L, 20L)));
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(new FailoverReport.Stats(15, 10, 40), FailoverReport.stats(List.of(40L, 10L, 20L, 10L)));
    }

    @Test
    void tableHasOneLinePerRunThenMedianMinAndMax() {
        String table = FailoverReport.table(List.of(aKeptRun(1, 900, 1500), aKeptRun(2, 700, 1300),
                aKeptRun(3, 800, 1700)));

        List<String> lines = table.lines().toList();
        assertEquals(7, lines.size(), table);
        assertTrue(lines.get(0).contains("KILL->ACCEPTED ms") && lines.get(0).contains("KILL->FIRST START ms"), table);
        assertTrue(lines.get(1).startsWith("1 ") && lines.get(1).contains("kept"), table);
        assertTrue(lines.get(4).startsWith("median") && lines.get(4).matches(".* 800 +1500$"), table);
        assertTrue(lines.get(5).startsWith("min") && lines.get(5).matches(".* 700 +1300$"), table);
        assertTrue(lines.get(6).startsWith("max") && lines.get(6).matches(".* 900 +1700$"), table);
    }

    @Test
    void aRestartedRunningJobShowsInTheTableAndTheJson() {
        FailoverRun restarted = new FailoverRun(1, "head1", "head2", 2, 800, 1200, 2, "RUNNING", 3000);

        assertFalse(restarted.runningJobKept());
        assertTrue(FailoverReport.table(List.of(restarted)).contains("LOST: RUNNING, attempts 2"));
        assertEquals(false, FailoverReport.json(Map.of(), List.of(restarted)).get("runningJobsKept"));
    }

    @Test
    void jsonHoldsEveryRunAndTheStatistics() {
        Map<String, Object> doc = FailoverReport.json(Map.of("runs", 2), List.of(aKeptRun(1, 900, 1500),
                aKeptRun(2, 700, 1300)));

        assertEquals(2, ((List<?>) doc.get("runs")).size());
        assertEquals(Map.of("median", 800L, "min", 700L, "max", 900L), doc.get("killToAcceptedMs"));
        assertEquals(Map.of("median", 1400L, "min", 1300L, "max", 1500L), doc.get("killToFirstStartMs"));
        assertEquals(true, doc.get("runningJobsKept"));
    }
}
