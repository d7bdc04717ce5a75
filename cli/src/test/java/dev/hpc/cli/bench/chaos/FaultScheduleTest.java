package dev.hpc.cli.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FaultScheduleTest {
    private static Map<FaultKind, Long> kinds(List<Fault> faults) {
        return faults.stream().collect(Collectors.groupingBy(Fault::kind, Collectors.counting()));
    }

    @Test
    void theSameSeedGivesTheSameScheduleSoThatARunCanBeRepeated() {
        List<Fault> a = FaultSchedule.plan(42, 9, 8, 4, Duration.ofSeconds(3), 3);
        List<Fault> b = FaultSchedule.plan(42, 9, 8, 4, Duration.ofSeconds(3), 3);
        List<Fault> other = FaultSchedule.plan(43, 9, 8, 4, Duration.ofSeconds(3), 3);

        assertEquals(a, b);
        assertNotEquals(a, other);
    }

    @Test
    void headKillsAreTwoThirdsOfTheActiveHeadAndFreezesHalfOfIt() {
        List<Fault> plan = FaultSchedule.plan(7, 9, 5, 3, Duration.ofSeconds(2), 2);

        assertEquals(Map.of(FaultKind.KILL_ACTIVE, 6L, FaultKind.KILL_STANDBY, 3L, FaultKind.FREEZE_ACTIVE, 2L,
                FaultKind.FREEZE_STANDBY, 1L, FaultKind.KILL_WORKER, 5L), kinds(plan));
        assertEquals(List.of(1, 2, 3), plan.stream().limit(3).map(Fault::number).toList());
    }

    @Test
    void theShortSuiteOfTheTestKillsTheActiveHeadTwiceTheStandbyOnceAndFreezesTheActiveOne() {
        assertEquals(Map.of(FaultKind.KILL_ACTIVE, 2L, FaultKind.KILL_STANDBY, 1L, FaultKind.FREEZE_ACTIVE, 1L,
                FaultKind.KILL_WORKER, 2L), kinds(FaultSchedule.plan(1, 3, 2, 1, Duration.ofSeconds(1), 2)));
    }

    @Test
    void workerCrashesNameAWorkerAndGapsStayWithinHalfToOneAndAHalfIntervals() {
        List<Fault> plan = FaultSchedule.plan(99, 4, 40, 2, Duration.ofMillis(1000), 3);

        for (Fault f : plan) {
            assertTrue(f.gap().toMillis() >= 500 && f.gap().toMillis() <= 1500, f.toString());
            if (f.kind() == FaultKind.KILL_WORKER) {
                assertTrue(List.of("node1", "node2", "node3").contains(f.worker()), f.toString());
            } else {
                assertEquals("", f.worker(), f.toString());
            }
        }
        assertEquals(3, plan.stream().map(Fault::worker).filter(w -> !w.isEmpty())
                .collect(Collectors.toMap(Function.identity(), w -> 1, Integer::sum)).size(), "40 crashes hit all 3");
    }

    @Test
    void noFaultsIsAnEmptySchedule() {
        assertEquals(List.of(), FaultSchedule.plan(5, 0, 0, 0, Duration.ofSeconds(1), 1));
    }

    @Test
    void cutsAreSpreadOverTheirKindsAndEachHasAModeAndAHold() {
        List<Fault> plan = FaultSchedule.plan(11, 0, 0, 0, 10, Duration.ofSeconds(1), Duration.ofSeconds(8), 3);

        assertEquals(Map.of(FaultKind.CUT_HEADS, 3L, FaultKind.CUT_ACTIVE_FROM_WORKERS, 3L,
                FaultKind.ISOLATE_STANDBY, 2L, FaultKind.ISOLATE_ACTIVE, 2L), kinds(plan));
        for (Fault f : plan) {
            assertTrue(f.cut().isPresent(), f.toString());
            assertTrue(f.hold().toMillis() >= 4000 && f.hold().toMillis() <= 12000, f.toString());
        }
        assertEquals(2, plan.stream().map(f -> f.cut().orElseThrow()).distinct().count(), "both modes in 10 cuts");
    }

    @Test
    void aPlanWithoutCutsIsTheOneOfBeforeCutsExisted() {
        assertEquals(FaultSchedule.plan(42, 9, 8, 4, Duration.ofSeconds(3), 3),
                FaultSchedule.plan(42, 9, 8, 4, 0, Duration.ofSeconds(3), Duration.ofSeconds(8), 3));
        assertTrue(FaultSchedule.plan(42, 9, 8, 4, Duration.ofSeconds(3), 3).stream()
                .allMatch(f -> f.cut().isEmpty() && f.hold().isZero()));
    }
}
