package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.ArraySpec;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ArrayRangesTest {

    private static String refusal(String text) {
        return assertThrows(InvalidRequestException.class, () -> ArrayRanges.parseList(text)).getMessage();
    }

    @Test
    void readsARangeWithAThrottle() {
        ArraySpec array = ArrayRanges.parseList("1-100%5");
        assertEquals(IntStream.rangeClosed(1, 100).boxed().toList(), array.indices());
        assertEquals(5, array.throttle());
        assertEquals("1-100%5", array.expression());
    }

    @Test
    void readsAListOfIndicesAndRanges() {
        assertEquals(List.of(1, 3, 5, 6, 7), ArrayRanges.parseList("1,3,5-7").indices());
        assertEquals(0, ArrayRanges.parseList("1,3,5-7").throttle());
    }

    @Test
    void sortsAndDropsRepeatedIndices() {
        assertEquals(List.of(1, 2, 3, 9), ArrayRanges.parseList("9,1-3,2").indices());
    }

    @Test
    void readsASteppedRange() {
        assertEquals(List.of(0, 4, 8, 12), ArrayRanges.parseList("0-15:4").indices());
    }

    @Test
    void readsAnOpenPbsRangeWithStepAndThrottle() {
        ArraySpec array = ArrayRanges.parseRange("1-10:2%3");
        assertEquals(List.of(1, 3, 5, 7, 9), array.indices());
        assertEquals(3, array.throttle());
    }

    @Test
    void refusesAListWhereOpenPbsWantsOneRange() {
        String message = assertThrows(InvalidRequestException.class, () -> ArrayRanges.parseRange("1,3")).getMessage();
        assertEquals("-J takes one range X-Y[:Z][%N], e.g. 1-100:2%10, got '1,3'", message);
    }

    @Test
    void allowsAMillionIndices() {
        assertEquals(1_000_000, ArrayRanges.parseList("1-1000000").indices().size());
    }

    @Test
    void refusesMoreThanAMillionIndices() {
        assertEquals("array '0-1000000' has 1000001 indices; the limit is 1000000", refusal("0-1000000"));
        assertEquals("array '1-999999999' has 999999999 indices; the limit is 1000000", refusal("1-999999999"));
    }

    @Test
    void refusesAnEmptyRange() {
        assertEquals("array range is empty; write indices like 1-100, 1,3,5-7 or 1-100%5", refusal(""));
        assertEquals("array range is empty; write indices like 1-100, 1,3,5-7 or 1-100%5", refusal("%5"));
    }

    @Test
    void refusesAReversedRange() {
        assertEquals("array range 10-1 runs backwards; write 1-10", refusal("10-1"));
    }

    @Test
    void refusesAnEmptyEntry() {
        assertEquals("array '1,,3' has an empty entry; write indices like 1,3,5-7", refusal("1,,3"));
    }

    @Test
    void refusesAZeroStep() {
        assertEquals("array step in 1-9:0 must be at least 1", refusal("1-9:0"));
    }

    @Test
    void refusesNegativeOrMissingThrottles() {
        assertEquals("array throttle after % must be a whole number of 0 or more (0 for no limit), got '-1'",
                refusal("1-10%-1"));
        assertEquals("array throttle after % must be a whole number of 0 or more (0 for no limit), got ''",
                refusal("1-10%"));
    }

    @Test
    void refusesMalformedEntries() {
        assertEquals("array entry 'a-b' must be N, N-M or N-M:STEP with whole numbers, e.g. 1-100 or 0-30:10",
                refusal("a-b"));
        assertEquals("array entry '-3' must be N, N-M or N-M:STEP with whole numbers, e.g. 1-100 or 0-30:10",
                refusal("-3"));
    }
}
