package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 19, item 2: {@code qsub -W block=true} and {@code #SBATCH --wait}, as qsub and the head read them. */
class SubmitBlockingTest {
    private static final String PLAIN = "#!/bin/sh\ntrue\n";

    @Test
    void blockIsAskedOnTheCommandLineOrInADirective() {
        assertFalse(SubmitBlocking.requested(PLAIN, List.of()));
        assertTrue(SubmitBlocking.requested(PLAIN, List.of("-W", "block=true")));
        assertTrue(SubmitBlocking.requested(PLAIN, List.of("-W", "block=True")));
        assertFalse(SubmitBlocking.requested(PLAIN, List.of("-W", "block=false")));
        assertTrue(SubmitBlocking.requested("#!/bin/sh\n#PBS -W block=true\ntrue\n", List.of()));
        assertTrue(SubmitBlocking.requested(PLAIN, List.of("-W", "depend=afterok:1:2,block=true")));
        assertTrue(SubmitBlocking.requested(PLAIN, List.of("-W", "block=true,depend=afterok:1:2")));
    }

    @Test
    void theCommandLineOverridesTheScriptAndTheLastOneWins() {
        assertFalse(SubmitBlocking.requested("#!/bin/sh\n#PBS -W block=true\ntrue\n", List.of("-W", "block=false")));
        assertTrue(SubmitBlocking.requested("#!/bin/sh\n#PBS -W block=false\ntrue\n", List.of("-W", "block=true")));
        assertFalse(SubmitBlocking.requested(PLAIN, List.of("-W", "block=true", "-W", "block=false")));
    }

    @Test
    void sbatchWaitAsksToWaitAsSbatchDoes() {
        assertTrue(SubmitBlocking.requested("#!/bin/sh\n#SBATCH --wait\ntrue\n", List.of()));
        assertTrue(SubmitBlocking.requested("#!/bin/sh\n#SBATCH -W\ntrue\n", List.of()));
        assertFalse(SubmitBlocking.requested("#!/bin/sh\n#SBATCH --wait\ntrue\n", List.of("-W", "block=false")));
    }

    @Test
    void aBadValueIsRefusedWithWhatToWrite() {
        assertEquals("option -W: -W block takes true or false, got 'yes'", assertThrows(InvalidRequestException.class,
                () -> SubmitBlocking.requested(PLAIN, List.of("-W", "block=yes"))).getMessage());
        assertEquals("option -W: -W block takes true or false, got 'yes'", refusal("-W", "block=yes"));
        assertTrue(refusal("-W", "stagein=a@h:b").contains("-W takes depend=, block="));
    }

    @Test
    void theHeadAcceptsTheOptionsAndTheJobIsTheSame() {
        JobSpec blocking = parse("#!/bin/sh\n#SBATCH --wait\ntrue\n", "-W", "block=true,depend=afterok:7");
        JobSpec plain = parse(PLAIN, "-W", "depend=afterok:7");
        assertEquals(plain.dependencies(), blocking.dependencies());
        assertEquals(plain.resources(), blocking.resources());
    }

    private static JobSpec parse(String script, String... options) {
        return SubmitParser.parse(new SubmitRequest(script, List.of(options), "alice", "login1", "/home/alice",
                Map.of()), SubmitDefaults.STANDARD, Clock.fixed(Instant.parse("2025-03-10T12:00:00Z"), ZoneOffset.UTC));
    }

    private static String refusal(String... options) {
        return assertThrows(InvalidRequestException.class, () -> parse(PLAIN, options)).getMessage();
    }
}
