package dev.hpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** HpcMain builds only the subcommand a command line names, and the whole tree otherwise. */
class CommandTreeTest {
    private static CommandLine tree(String... args) {
        return HpcMain.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), args);
    }

    @Test
    void aNamedSubcommandIsBuiltAlone() {
        assertEquals(List.of("qstat"), List.copyOf(tree("qstat", "42").getSubcommands().keySet()));
        assertEquals(List.of("qpeek", "peek"), List.copyOf(tree("peek", "7").getSubcommands().keySet()));
    }

    @Test
    void helpOptionsAndUnknownWordsGetTheWholeTree() {
        for (String[] args : List.of(new String[0], new String[] {"--help"}, new String[] {"help", "qstat"},
                new String[] {"qstatt"})) {
            assertTrue(tree(args).getSubcommands().keySet().containsAll(HpcCommand.SUBCOMMANDS.keySet()),
                    String.join(" ", args));
        }
    }

    @Test
    void qsubAloneStillLeavesItsDoubleDashToQsub() {
        assertEquals("\0", tree("qsub", "--", "true").getSubcommands().get("qsub").getEndOfOptionsDelimiter());
        assertEquals("\0", tree().getSubcommands().get("qsub").getEndOfOptionsDelimiter());
    }
}
