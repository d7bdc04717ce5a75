package dev.hpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QsubArgsTest {
    private static QsubArgs split(String... args) {
        return QsubArgs.split(List.of(args));
    }

    @Test
    void scriptIsTheFirstWordNoOptionConsumes() {
        QsubArgs a = split("-N", "x", "-l", "walltime=1:00:00", "-o", "out.txt", "-p", "-5", "job.sh");

        assertEquals(Optional.of("job.sh"), a.script());
        assertEquals(List.of("-N", "x", "-l", "walltime=1:00:00", "-o", "out.txt", "-p", "-5"), a.options());
    }

    @Test
    void optionsMayFollowTheScript() {
        QsubArgs a = split("-V", "-h", "run.sh", "-q", "long", "-l", "nodes=2:ppn=4", "-l", "mem=4gb");

        assertEquals(Optional.of("run.sh"), a.script());
        assertEquals(List.of("-V", "-h", "-q", "long", "-l", "nodes=2:ppn=4", "-l", "mem=4gb"), a.options());
    }

    @Test
    void attachedValuesAndGroupedFlagsBecomeSeparateWords() {
        QsubArgs a = split("-Nfoo", "-lwalltime=5", "-hV", "-Vjoe", "s.sh");

        assertEquals(List.of("-N", "foo", "-l", "walltime=5", "-h", "-V", "-V", "-j", "oe"), a.options());
        assertEquals(Optional.of("s.sh"), a.script());
    }

    @Test
    void everyDocumentedOptionIsAccepted() {
        QsubArgs a = split("-N", "n", "-q", "q", "-o", "o", "-e", "e", "-j", "oe", "-V", "-v", "A=1", "-l", "x=1",
                "-t", "1-3", "-J", "1-3", "-W", "depend=afterok:1", "-h", "-p", "1", "-r", "n", "-m", "abe", "-M",
                "a@b", "-d", "/d", "-w", "/w", "-A", "acct", "-a", "202611240000", "-S", "/bin/bash", "-I");

        assertEquals(Optional.empty(), a.script());
        assertEquals(41, a.options().size());
        assertTrue(a.has('I'));
        assertTrue(a.has('h'));
        assertFalse(a.has('X'));
        assertEquals(Optional.of("n"), a.value('N'));
    }

    @Test
    void noScriptMeansStandardInput() {
        QsubArgs a = split("-l", "walltime=10");

        assertEquals(Optional.empty(), a.script());
        assertEquals(List.of(), a.command());
    }

    @Test
    void doubleDashIntroducesACommand() {
        QsubArgs a = split("-N", "s", "--", "/bin/sleep", "-5", "it's");

        assertEquals(List.of("/bin/sleep", "-5", "it's"), a.command());
        assertEquals(List.of("-N", "s"), a.options());
        assertEquals("#!/bin/sh\nexec '/bin/sleep' '-5' 'it'\\''s'\n", QsubCommand.commandScript(a.command()));
    }

    @Test
    void usageErrorsSayWhatIsWrong() {
        assertEquals("invalid option -- 'Y'", assertThrows(UsageException.class, () -> split("-Y", "s.sh"))
                .getMessage());
        assertEquals("option -N needs a value", assertThrows(UsageException.class, () -> split("s.sh", "-N"))
                .getMessage());
        assertTrue(assertThrows(UsageException.class, () -> split("a.sh", "b.sh")).getMessage()
                .startsWith("only one script may be given, got 'a.sh' and 'b.sh'"));
        assertThrows(UsageException.class, () -> split("--"));
        assertThrows(UsageException.class, () -> split("a.sh", "--", "ls"));
    }

    @Test
    void theScriptFileNamesTheJobWhenNothingElseDoes() {
        QsubArgs plain = split("-l", "walltime=10", "run.sh");

        assertEquals(List.of("-N", "run.sh", "-l", "walltime=10"),
                plain.optionsWithDefaultName("#!/bin/sh\necho hi\n", "run.sh"));
        assertEquals(List.of("-N", "STDIN", "-l", "walltime=10"),
                plain.optionsWithDefaultName("echo hi\n", "STDIN"));
    }

    @Test
    void aNameOnTheCommandLineOrInTheScriptWins() {
        QsubArgs named = split("-N", "mine", "run.sh");
        QsubArgs plain = split("run.sh");

        assertEquals(List.of("-N", "mine"), named.optionsWithDefaultName("echo\n", "run.sh"));
        assertEquals(List.of(), plain.optionsWithDefaultName("#!/bin/sh\n#PBS -N fromscript\necho\n", "run.sh"));
        assertEquals(List.of(), plain.optionsWithDefaultName("#PBS -l nodes=1 -N x\n", "run.sh"));
        assertEquals(List.of(), plain.optionsWithDefaultName("#PBS -Nx\n", "run.sh"));
        assertEquals(List.of(), plain.optionsWithDefaultName("#SBATCH --job-name=x\n", "run.sh"));
        assertEquals(List.of(), plain.optionsWithDefaultName("#SBATCH -J x\n", "run.sh"));
        assertEquals(List.of("-N", "run.sh"), plain.optionsWithDefaultName("# PBS -N x\necho -N\n", "run.sh"));
    }

    @Test
    void directivePrefixFollowsMinusC() {
        QsubArgs custom = split("-C", "#MY", "run.sh");
        QsubArgs off = split("-C", "", "run.sh");

        assertEquals(List.of("-C", "#MY"), custom.optionsWithDefaultName("#MY -N x\n", "run.sh"));
        assertEquals(List.of("-N", "run.sh", "-C", ""), off.optionsWithDefaultName("#PBS -N x\n", "run.sh"));
    }

    @Test
    void defaultNamesKeepOnlySafeCharacters() {
        assertEquals("my_job_1_.sh", QsubArgs.jobName("/tmp/dir/my job(1).sh"));
        assertEquals(236, QsubArgs.jobName("x".repeat(300)).length());
    }
}
