package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.pbs.ArrayRanges;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15: array indices as runs, so that a million of them cost what their ranges cost. */
class IndexSetTest {

    private static IndexSet runs(int[]... runs) {
        return IndexSet.ofRuns(List.of(runs));
    }

    @Test
    void aMillionIndicesAreOneRunAndAnswerByPosition() {
        IndexSet s = ArrayRanges.parseList("0-999999").indexSet();
        assertEquals(1, s.runs());
        assertEquals(1_000_000, s.size());
        assertEquals(0, s.index(0));
        assertEquals(999_999, s.index(999_999));
        assertEquals(500_000, s.rank(500_000));
        assertTrue(s.contains(123_456));
        assertFalse(s.contains(1_000_000));
        assertEquals("0-999999", s.toString());
    }

    @Test
    void theTextFormReadsBackAsTheSameSet() {
        for (String text : List.of("", "7", "1-99:2", "1-99:2,200,300-400", "0-12:4,16-17,19-25:3")) {
            IndexSet s = IndexSet.parse(text);
            assertEquals(text, s.toString());
            assertEquals(s, IndexSet.parse(s.toString()));
        }
    }

    @Test
    void runsThatInterleaveAreSpelledOutOnceAndJoinedAgain() {
        IndexSet s = runs(new int[] {1, 9, 2}, new int[] {2, 10, 2}, new int[] {5, 5, 1});
        assertEquals(IntStream.rangeClosed(1, 10).boxed().toList(), s);
        assertEquals(1, s.runs(), s.toString());
    }

    @Test
    void aRunEndsAtItsLastIndexWhateverItsUpperBound() {
        assertEquals("0-12:4", runs(new int[] {0, 15, 4}).toString());
        assertEquals(List.of(0, 4, 8, 12), ArrayRanges.parseList("0-15:4").indices());
    }

    @Test
    void itIsTheListOfItsIndicesForAnyListCode() {
        IndexSet s = IndexSet.parse("1-5:2,6-8");
        List<Integer> plain = List.of(1, 3, 5, 6, 7, 8);
        assertEquals(plain, s);
        assertEquals(s, plain);
        assertEquals(plain.hashCode(), s.hashCode());
        assertEquals(plain, new ArrayList<>(s));
        assertEquals(3, s.indexOf(6));
        assertEquals(-1, s.indexOf(4));
        assertEquals(IndexSet.copyOf(List.of(8, 1, 3, 3, 5, 6, 7)), s);
        assertNotEquals(IndexSet.parse("1-5:2,6-9"), s);
    }

    @Test
    void positionRankAndMembershipAgreeWithAPlainSetOnRandomRuns() {
        Random random = new Random(15);
        for (int round = 0; round < 200; round++) {
            List<int[]> given = new ArrayList<>();
            TreeSet<Integer> expected = new TreeSet<>();
            for (int r = random.nextInt(6); r >= 0; r--) {
                int first = random.nextInt(200);
                int last = first + random.nextInt(60);
                int step = 1 + random.nextInt(5);
                given.add(new int[] {first, last, step});
                for (int v = first; v <= last; v += step) {
                    expected.add(v);
                }
            }
            IndexSet s = IndexSet.ofRuns(given);
            List<Integer> plain = new ArrayList<>(expected);
            assertEquals(plain, s, "round " + round);
            assertEquals(plain.size(), s.size());
            for (int i = 0; i < plain.size(); i++) {
                assertEquals(plain.get(i), s.get(i), "position " + i + " of " + s);
            }
            for (int v = -2; v < 270; v++) {
                assertEquals(expected.contains(v), s.contains(v), v + " in " + s);
                assertEquals(expected.headSet(v).size(), s.rank(v), "rank of " + v + " in " + s);
            }
            assertEquals(s, IndexSet.parse(s.toString()));
        }
    }

    @Test
    void aMalformedTextIsRefusedWithWhatToWrite() {
        for (String bad : List.of("1-", "a", "5-1", "1-10:0", "1-11:3", "3,1", "1-5,4", "1:2", ",")) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> IndexSet.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("index set '" + bad + "'"), e.getMessage());
        }
    }
}
