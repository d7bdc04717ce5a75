package dev.hpc.mpi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The words a remote shell reads back, checked with a real {@code sh}. */
class ShellQuoteTest {
    /** What {@code sh -c LINE} gets as the arguments of printf: one per output line. */
    private static List<String> wordsOf(String line) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/sh", "-c", "printf '%s\\n' " + line).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        List<String> words = new ArrayList<>(List.of(out.split("\n", -1)));
        words.remove(words.size() - 1);
        return words;
    }

    @Test
    void dshArgumentsReachTheProgramExactly() throws Exception {
        List<String> words = List.of("plain", "two words", "it's", "$HOME", "`date`", "a\"b", "*", "", "x=y", "tab\there",
                "back\\slash", ";", "&&");
        assertEquals(words, wordsOf(ShellQuote.join(words)));
    }

    @Test
    void plainWordsStayUnquoted() {
        assertEquals("/usr/bin/orted", ShellQuote.quote("/usr/bin/orted"));
        assertEquals("'x=y'", ShellQuote.quote("x=y"), "a first word with = would be an assignment");
        assertEquals("''", ShellQuote.quote(""));
    }

    @Test
    void mpiDaemonCommandsAreJoinedAsSshJoinsThem() throws Exception {
        // Open MPI hands the agent words with literal quotes meant for the remote shell, as ssh would pass them
        List<String> argv = List.of("orted", "-mca", "ess", "\"env\"", "-mca", "orte_hnp_uri",
                "\"1.0;tcp://127.0.0.1:4242\"");
        assertEquals(List.of("orted", "-mca", "ess", "env", "-mca", "orte_hnp_uri", "1.0;tcp://127.0.0.1:4242"),
                wordsOf(ShellQuote.asSsh(argv)));
    }
}
