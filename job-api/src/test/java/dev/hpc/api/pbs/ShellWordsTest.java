package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ShellWordsTest {

    @Test
    void splitsOnBlanksAndTabs() {
        assertEquals(List.of("-l", "nodes=1", "-N", "x"), ShellWords.split("  -l nodes=1\t-N   x "));
    }

    @Test
    void keepsSingleQuotedTextLiterally() {
        assertEquals(List.of("-v", "A=a b \"c\" \\d"), ShellWords.split("-v 'A=a b \"c\" \\d'"));
    }

    @Test
    void keepsDoubleQuotedTextButItsEscapes() {
        assertEquals(List.of("-v", "A=say \"hi\" \\n $x"), ShellWords.split("-v \"A=say \\\"hi\\\" \\n \\$x\""));
    }

    @Test
    void joinsQuotedAndUnquotedPartsOfOneWord() {
        assertEquals(List.of("-vA=x y", "''"), ShellWords.split("-v'A=x y' \\'\\'"));
    }

    @Test
    void keepsAnEmptyQuotedWord() {
        assertEquals(List.of("-N", ""), ShellWords.split("-N ''"));
    }

    @Test
    void endsAtAnUnquotedHashStartingAWord() {
        assertEquals(List.of("-N", "a#b", "#c"), ShellWords.split("-N a#b '#c' # a comment 'x"));
    }

    @Test
    void refusesUnterminatedQuotes() {
        assertEquals("unterminated single quote; close it with '",
                assertThrows(InvalidRequestException.class, () -> ShellWords.split("-N 'x")).getMessage());
        assertEquals("unterminated double quote; close it with \"",
                assertThrows(InvalidRequestException.class, () -> ShellWords.split("-N \"x")).getMessage());
    }

    @Test
    void refusesATrailingBackslash() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> ShellWords.split("-N x \\"));
        assertEquals("a backslash at the end of a directive does not continue it on the next line; put the whole "
                + "directive on one line", e.getMessage());
    }
}
