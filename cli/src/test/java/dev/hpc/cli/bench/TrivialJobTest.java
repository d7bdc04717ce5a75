package dev.hpc.cli.bench;

import dev.hpc.api.job.JobSpec;
import dev.hpc.api.pbs.SubmitDefaults;
import dev.hpc.api.pbs.SubmitParser;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's job, as a head parses it. */
class TrivialJobTest {
    private static JobSpec parsed(String options) {
        return SubmitParser.parse(LoadBench.trivialJob("alice", options), SubmitDefaults.STANDARD);
    }

    @Test
    void itRunsTrueAndLeavesNoOutputFiles() {
        JobSpec spec = parsed("");
        assertTrue(spec.script().contains("\ntrue\n"), spec.script());
        assertEquals("/dev/null", spec.stdoutPath());
        assertEquals("/dev/null", spec.stderrPath());
    }

    @Test
    void theBenchmarksOwnOptionsComeOnTop() {
        JobSpec spec = parsed("-t 1-3 -h");
        assertEquals(java.util.List.of(1, 2, 3), spec.array().orElseThrow().indices());
        assertTrue(spec.userHold());
        assertEquals("/dev/null", spec.stdoutPath());
    }
}
