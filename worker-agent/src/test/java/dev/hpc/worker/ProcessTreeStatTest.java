package dev.hpc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Reading the start of /proc/PID/stat. */
class ProcessTreeStatTest {
    private static Optional<ProcessTree.Stat> parse(String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return ProcessTree.parseStat(42, b, b.length);
    }

    @Test
    void aNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
        ProcessTree.Stat s = parse("42 (my (odd) name) Z 7 4200 4300 0 -1 4194560 101 0 0 0").orElseThrow();
        assertEquals(new ProcessTree.Stat(42, 'Z', 7, 4200, 4300), s);
        assertTrue(s.zombie());
    }

    @Test
    void aLineCutBeforeTheSessionEndsIsRefused() {
        assertTrue(parse("42 (bash) S 7 4200 43").isEmpty(), "the session id may go on");
        assertTrue(parse("42 (bash) S 7 4200").isEmpty());
        assertTrue(parse("42 (bash").isEmpty());
        assertEquals(4300, parse("42 (bash) S 7 4200 4300 ").orElseThrow().session());
    }

    @Test
    void thisProcessReadsAsTheKernelAndTheJdkSeeIt() {
        long self = ProcessHandle.current().pid();
        ProcessTree.Stat s = ProcessTree.stat(self).orElseThrow();
        assertEquals(self, s.pid());
        assertEquals(ProcessHandle.current().parent().orElseThrow().pid(), s.parent());
        assertTrue(ProcessTree.stat(Long.MAX_VALUE).isEmpty(), "no such process");
    }
}
