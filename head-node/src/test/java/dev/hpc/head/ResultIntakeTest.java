package dev.hpc.head;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A burst of results is applied in bounded steps, and every result in one of them. */
class ResultIntakeTest {
    @Test
    void aBurstLargerThanAStepIsTakenWholeOverSeveralStepsAndNothingIsDropped() {
        Queue<Integer> arrived = new ArrayDeque<>(IntStream.range(0, 2_001).boxed().toList());
        List<Integer> first = ResultIntake.takeBatch(arrived, 2_000);
        assertEquals(2_000, first.size());
        assertEquals(1, arrived.size(), "the 2,001st result waits for the next step");
        List<Integer> second = ResultIntake.takeBatch(arrived, 2_000);
        assertEquals(List.of(2_000), second);
        assertEquals(List.of(), ResultIntake.takeBatch(arrived, 2_000));
    }
}
