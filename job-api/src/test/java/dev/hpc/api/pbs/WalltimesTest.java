package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WalltimesTest {

    @ParameterizedTest(name = "{0} is {1} s")
    @CsvSource({"30, 30", "10:30, 630", "01:30:00, 5400", "1:30:00, 5400", "90:00, 5400", "36:00:00, 129600",
        "1:02:03:04, 93784", "0:00:01, 1"})
    void readsPbsWalltimes(String text, long seconds) {
        assertEquals(Duration.ofSeconds(seconds), Walltimes.parsePbs(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1:xx:00", "", "1h", "1:00:00:00:00", "-5", "1::00", "01:30:00.5"})
    void refusesMalformedPbsWalltimes(String text) {
        String message = assertThrows(InvalidRequestException.class, () -> Walltimes.parsePbs(text)).getMessage();
        assertTrue(message.startsWith("walltime must be [[HH:]MM:]SS, e.g. 01:30:00"), message);
    }

    /** Issue 18: Torque and PBS carry a field of 60 or more over instead of refusing the script. */
    @ParameterizedTest(name = "{0} is {1} s")
    @CsvSource({"10:00:60, 36060", "1:90:00, 9000", "0:0:3600, 3600", "1:24:00:00, 172800", "1:30:00:00, 194400",
        "59:60, 3600"})
    void normalisesFieldsOf60OrMoreAsTorqueDoes(String text, long seconds) {
        assertEquals(Duration.ofSeconds(seconds), Walltimes.parsePbs(text));
    }

    @ParameterizedTest(name = "{0} is {1} s")
    @CsvSource({"0-36, 129600", "1-00:90, 91800", "10:75, 675", "1:90:00, 9000", "0-0:0:61, 61"})
    void normalisesSlurmFieldsOf60OrMore(String text, long seconds) {
        assertEquals(Duration.ofSeconds(seconds), Walltimes.parseSlurm(text));
    }

    @Test
    void refusesAZeroWalltime() {
        String message = assertThrows(InvalidRequestException.class, () -> Walltimes.parsePbs("00:00:00")).getMessage();
        assertEquals("a time limit must be longer than zero, got '00:00:00'", message);
    }

    @Test
    void refusesWalltimesLongerThanAYear() {
        String message = assertThrows(InvalidRequestException.class, () -> Walltimes.parsePbs("9000:00:00"))
                .getMessage();
        assertEquals("time limit '9000:00:00' is longer than the longest allowed, 365 days", message);
    }

    @ParameterizedTest(name = "{0} is {1} s")
    @CsvSource({"90, 5400", "90:30, 5430", "2:00:00, 7200", "1-12, 129600", "1-12:30, 131400",
        "1-12:30:15, 131415", "0-0:0:1, 1"})
    void readsEverySlurmTimeForm(String text, long seconds) {
        assertEquals(Duration.ofSeconds(seconds), Walltimes.parseSlurm(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1-", "-1", "1:2:3:4", "abc", "1-2-3", ""})
    void refusesMalformedSlurmTimes(String text) {
        String message = assertThrows(InvalidRequestException.class, () -> Walltimes.parseSlurm(text)).getMessage();
        assertTrue(message.startsWith("time must be minutes, minutes:seconds, hours:minutes:seconds, days-hours"),
                message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"UNLIMITED", "infinite"})
    void refusesAnUnlimitedSlurmTime(String text) {
        String message = assertThrows(InvalidRequestException.class, () -> Walltimes.parseSlurm(text)).getMessage();
        assertTrue(message.startsWith("an unlimited time is not supported"), message);
    }

    @Test
    void formatsAsHoursMinutesSeconds() {
        assertEquals("01:30:00", Walltimes.format(Duration.ofMinutes(90)));
        assertEquals("36:00:05", Walltimes.format(Duration.ofSeconds(129605)));
    }
}
