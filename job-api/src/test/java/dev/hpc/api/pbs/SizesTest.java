package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizesTest {

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;
    private static final long GIB = 1024 * MIB;

    @ParameterizedTest(name = "{0} is {1} bytes")
    @CsvSource({"100, 100", "100b, 100", "1kb, 1024", "4gb, 4294967296", "4GB, 4294967296", "512mb, 536870912",
        "1tb, 1099511627776", "1pb, 1125899906842624", "2w, 16", "1kw, 8192", "3MB, 3145728", "0, 0"})
    void readsPbsSizesWithBinaryUnits(String text, long bytes) {
        assertEquals(bytes, Sizes.parsePbs(text));
    }

    /** Issue 18: Torque reads {@code 500m} and {@code 4g} as 500 MiB and 4 GiB. */
    @ParameterizedTest(name = "{0} is {1} bytes")
    @CsvSource({"500m, 524288000", "4g, 4294967296", "4G, 4294967296", "100k, 102400", "1t, 1099511627776",
        "1p, 1125899906842624"})
    void readsPbsSizesWithABareMultiplier(String text, long bytes) {
        assertEquals(bytes, Sizes.parsePbs(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "four", "-1", "4 gb", "4.5gb", "4xb", "gb"})
    void refusesMalformedPbsSizes(String text) {
        String message = assertThrows(InvalidRequestException.class, () -> Sizes.parsePbs(text)).getMessage();
        assertTrue(message.contains("size must be a whole number with an optional unit b, kb, mb, gb, tb (or k, m, g, t) or w"),
                message);
    }

    @Test
    void refusesSizesThatOverflow() {
        String message = assertThrows(InvalidRequestException.class,
                () -> Sizes.parsePbs("99999999999999gb")).getMessage();
        assertEquals("size '99999999999999gb' is too large", message);
    }

    @ParameterizedTest(name = "{0} is {1} bytes")
    @CsvSource({"500, 524288000", "4G, 4294967296", "4g, 4294967296", "100k, 102400", "2M, 2097152",
        "1T, 1099511627776", "4096MB, 4294967296", "16GB, 17179869184", "16gb, 17179869184", "100KB, 102400"})
    void readsSlurmSizesInMegabytesByDefault(String text, long bytes) {
        assertEquals(bytes, Sizes.parseSlurm(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"4B", "x", "", "1.5G", "-4G", "4GiB", "4BB"})
    void refusesMalformedSlurmSizes(String text) {
        String message = assertThrows(InvalidRequestException.class, () -> Sizes.parseSlurm(text)).getMessage();
        assertTrue(message.contains("unit K, M, G or T (megabytes if none)"), message);
    }

    @Test
    void formatsInTheLargestExactUnit() {
        assertEquals("4gb", Sizes.format(4 * GIB));
        assertEquals("1536mb", Sizes.format(1536 * MIB));
        assertEquals("100b", Sizes.format(100));
        assertEquals("0b", Sizes.format(0));
    }
}
