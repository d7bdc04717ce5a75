package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** What users type as job ids: every form qsub users know, and a refusal that names the fault for the rest. */
class JobIdTest {

    @Test
    void theFormsUsersType() {
        assertEquals(new JobId.JobRef(42, Optional.empty(), false, Optional.empty()), JobId.parse("42"));
        assertEquals(new JobId.JobRef(42, Optional.of("c"), true, Optional.empty()), JobId.parse("42[].c"));
        assertEquals(new JobId.JobRef(42, Optional.empty(), true, Optional.of(7)), JobId.parse("42[7]"));
        assertEquals(Optional.of(999_999_999), JobId.parse("1[999999999]").arrayIndex());
        assertEquals(1, JobId.parse("0001").number());
    }

    /** Issue #15: GET /api/v1/jobs/1[99999999999] was a 500 (NumberFormatException). */
    @Test
    void numbersTooLargeForTheirTypeAreRefusedByName() {
        InvalidRequestException index = assertThrows(InvalidRequestException.class,
                () -> JobId.parse("1[99999999999]"));
        assertTrue(index.getMessage().contains("array index 99999999999"), index.getMessage());
        assertThrows(InvalidRequestException.class, () -> JobId.parse("1[2147483648]"));
        InvalidRequestException number = assertThrows(InvalidRequestException.class,
                () -> JobId.parse("99999999999999999999"));
        assertTrue(number.getMessage().contains("job number 99999999999999999999"), number.getMessage());
    }

    /** Whatever the text, the parser answers a reference or its documented refusal, never another exception. */
    @Test
    void anyTextGetsAReferenceOrARefusal() {
        long seed = Long.getLong("fuzz.seed", new Random().nextLong());
        Random r = new Random(seed);
        String alphabet = "0123456789[].-abcXYZ %\u0000\u00e9\u0663";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder();
            int length = r.nextInt(r.nextBoolean() ? 8 : 40);
            for (int k = 0; k < length; k++) {
                b.append(r.nextInt(4) == 0 ? alphabet.charAt(r.nextInt(alphabet.length()))
                        : (char) ('0' + r.nextInt(10)));
            }
            String text = b.toString();
            try {
                JobId.JobRef ref = JobId.parse(text);
                assertTrue(ref.number() > 0, text);
            } catch (InvalidRequestException expected) {
                assertTrue(!expected.getMessage().isBlank(), text);
            } catch (RuntimeException e) {
                fail("seed " + seed + ": '" + text + "' threw " + e, e);
            }
        }
    }

    @Test
    void aReferenceIsInItsClusterByTheFullOrTheShortName() {
        assertTrue(JobId.parse("42").inCluster("tk"), "no cluster named: any");
        assertTrue(JobId.parse("42.tk").inCluster("tk"));
        assertTrue(JobId.parse("42.tk").inCluster("tk.example.org"), "the short form of the cluster's name");
        assertTrue(JobId.parse("42.tk.example.org").inCluster("tk"), "the full form of a short cluster name");
        assertFalse(JobId.parse("42.other").inCluster("tk"));
        assertFalse(JobId.parse("42.tkx").inCluster("tk"), "a name that only starts the same is another cluster");
    }
}
