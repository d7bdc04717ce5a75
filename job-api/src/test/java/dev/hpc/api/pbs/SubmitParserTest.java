package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.ArraySpec;
import dev.hpc.api.job.Dependency;
import dev.hpc.api.job.DependencyType;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubmitParserTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final Instant NOW = Instant.parse("2025-03-10T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String SUBMIT_DIR = "/home/alice/run";
    private static final Map<String, String> ALICE_ENVIRONMENT = Map.of("HOME", "/home/alice", "PATH",
            "/usr/bin:/bin", "LANG", "en_US.UTF-8", "LOGNAME", "alice", "SHELL", "/bin/bash", "EDITOR", "vi");

    // ---- intent-named helpers -------------------------------------------------------------------

    /** A script with a shebang, the given directive lines, then one command. */
    private static String aScriptWith(String... directiveLines) {
        return "#!/bin/bash\n" + String.join("\n", directiveLines) + (directiveLines.length > 0 ? "\n" : "")
                + "./simulate --steps 100\n";
    }

    private static SubmitRequest aliceSubmits(String script, Map<String, String> environment, String... options) {
        return new SubmitRequest(script, List.of(options), "alice", "login1", SUBMIT_DIR, environment);
    }

    private static JobSpec submitted(String script, String... options) {
        return SubmitParser.parse(aliceSubmits(script, ALICE_ENVIRONMENT, options), SubmitDefaults.STANDARD, CLOCK);
    }

    private static JobSpec submittedWithEnvironment(Map<String, String> environment, String script,
                                                    String... options) {
        return SubmitParser.parse(aliceSubmits(script, environment, options), SubmitDefaults.STANDARD, CLOCK);
    }

    private static JobSpec withDirectives(String... directiveLines) {
        return submitted(aScriptWith(directiveLines));
    }

    private static JobSpec withOptions(String... options) {
        return submitted(aScriptWith(), options);
    }

    private static String refusalOf(String script, String... options) {
        return assertThrows(InvalidRequestException.class, () -> submitted(script, options)).getMessage();
    }

    /** The refusal of a script whose only directive, on line 2, is {@code directiveLine}. */
    private static String refusalOfDirective(String directiveLine) {
        return refusalOf(aScriptWith(directiveLine));
    }

    private static String refusalOfOptions(String... options) {
        return refusalOf(aScriptWith(), options);
    }

    private static void assertStartsWith(String expectedStart, String actual) {
        assertTrue(actual.startsWith(expectedStart), () -> "expected to start with <" + expectedStart + "> but was <"
                + actual + ">");
    }

    // ---- tests ----------------------------------------------------------------------------------

    @Nested
    class Defaults {
        @Test
        void aScriptWithoutOptionsGetsThePbsDefaults() {
            String script = aScriptWith();
            JobSpec spec = submitted(script);
            assertEquals("STDIN", spec.name());
            assertEquals("alice", spec.owner());
            assertEquals("login1", spec.submitHost());
            assertEquals(script, spec.script());
            assertEquals(SUBMIT_DIR, spec.submitDir());
            assertEquals(SUBMIT_DIR, spec.workDir());
            assertEquals("batch", spec.queue());
            assertEquals(Resources.DEFAULT, spec.resources());
            assertEquals(Optional.empty(), spec.array());
            assertEquals(List.of(), spec.dependencies());
            assertFalse(spec.userHold());
            assertEquals(0, spec.priority());
            assertTrue(spec.rerunnable());
            assertEquals("", spec.stdoutPath());
            assertEquals("", spec.stderrPath());
            assertEquals(JoinMode.NONE, spec.join());
            assertEquals("", spec.mailPoints());
            assertEquals(List.of(), spec.mailUsers());
            assertEquals("", spec.account());
            assertEquals(Instant.EPOCH, spec.notBefore());
        }

        @Test
        void queueAndRerunnableDefaultsComeFromTheDefaults() {
            JobSpec spec = SubmitParser.parse(aliceSubmits(aScriptWith(), Map.of()),
                    new SubmitDefaults("short", false), CLOCK);
            assertEquals("short", spec.queue());
            assertFalse(spec.rerunnable());
        }

        @Test
        void aDefaultQueueNeedsAName() {
            assertEquals("the default queue needs a name", assertThrows(InvalidRequestException.class,
                    () -> new SubmitDefaults(" ", true)).getMessage());
        }
    }

    @Nested
    class DirectiveScanning {
        @Test
        void readsDirectivesPastTheShebangBlankLinesAndComments() {
            JobSpec spec = submitted("#!/bin/bash\n\n# a comment\n#PBS -N first\n\n   \n## another\n#PBS -q long\n"
                    + "hostname\n");
            assertEquals("first", spec.name());
            assertEquals("long", spec.queue());
        }

        @Test
        void stopsAtTheFirstCommand() {
            JobSpec spec = submitted("#!/bin/sh\n#PBS -N before\necho hi\n#PBS -N after\n#PBS -l walltime=bogus\n");
            assertEquals("before", spec.name());
        }

        @Test
        void readsAScriptWithoutAShebang() {
            assertEquals("plain", submitted("#PBS -N plain\ndate\n").name());
        }

        @Test
        void readsIndentedDirectives() {
            assertEquals("indented", submitted("#!/bin/sh\n   \t#PBS -N indented\ndate\n").name());
        }

        @Test
        void ignoresLookAlikesOfDirectives() {
            JobSpec spec = submitted("#!/bin/sh\n#PBSX -N a\n# PBS -N b\n#pbs -N c\n#SBATCHY -J d\ndate\n");
            assertEquals("STDIN", spec.name());
        }

        @Test
        void ignoresAnEmptyDirective() {
            assertEquals("STDIN", withDirectives("#PBS", "#PBS   # nothing here").name());
        }

        @Test
        void readsWindowsLineEndings() {
            JobSpec spec = submitted("#!/bin/sh\r\n#PBS -N crlf\r\n#PBS -l walltime=10:00\r\ndate\r\n");
            assertEquals("crlf", spec.name());
            assertEquals(Duration.ofMinutes(10), spec.resources().walltime());
        }

        @Test
        void readsSeveralOptionsOnOneLine() {
            JobSpec spec = withDirectives("#PBS -N many -q long -l walltime=1:00:00 -j oe");
            assertEquals("many", spec.name());
            assertEquals("long", spec.queue());
            assertEquals(Duration.ofHours(1), spec.resources().walltime());
            assertEquals(JoinMode.STDOUT_STDERR, spec.join());
        }

        @Test
        void honoursQuotesInDirectives() {
            JobSpec spec = withDirectives("#PBS -v \"GREETING=hello world\",'FAREWELL=see you'",
                    "#PBS -N 'a#b'", "#PBS -M \"ann@x.org,bob@y.org\"");
            assertEquals("hello world", spec.environment().get("GREETING"));
            assertEquals("see you", spec.environment().get("FAREWELL"));
            assertEquals("a#b", spec.name());
            assertEquals(List.of("ann@x.org", "bob@y.org"), spec.mailUsers());
        }

        @Test
        void ignoresATrailingComment() {
            assertEquals("run", withDirectives("#PBS -N run # the name of the job -N other").name());
        }

        @Test
        void namesTheLineOfAnUnterminatedQuote() {
            assertEquals("line 3: unterminated double quote; close it with \"",
                    refusalOf("#!/bin/sh\n#PBS -N ok\n#PBS -N \"broken\ndate\n"));
        }

        @Test
        void readsGroupedFlagsAndAttachedValues() {
            JobSpec spec = withDirectives("#PBS -hV -Nattached -lwalltime=5:00");
            assertTrue(spec.userHold());
            assertEquals("attached", spec.name());
            assertEquals("vi", spec.environment().get("EDITOR"));
            assertEquals(Duration.ofMinutes(5), spec.resources().walltime());
        }
    }

    @Nested
    class OverrideRules {
        @Test
        void theCommandLineOverridesADirective() {
            JobSpec spec = submitted(aScriptWith("#PBS -N fromscript", "#PBS -q long", "#PBS -p 5"),
                    "-N", "fromcli", "-p", "-7");
            assertEquals("fromcli", spec.name());
            assertEquals("long", spec.queue());
            assertEquals(-7, spec.priority());
        }

        @Test
        void aLaterDirectiveOverridesAnEarlierOne() {
            JobSpec spec = withDirectives("#PBS -N first", "#PBS -r n", "#PBS -N second", "#PBS -r y");
            assertEquals("second", spec.name());
            assertTrue(spec.rerunnable());
        }

        @Test
        void resourceListsMergeEntryByEntry() {
            JobSpec spec = submitted(aScriptWith("#PBS -l nodes=2:ppn=8,walltime=10:00:00", "#PBS -l mem=8gb"),
                    "-l", "walltime=00:30:00");
            assertEquals(Duration.ofMinutes(30), spec.resources().walltime());
            assertEquals(2, spec.resources().nodes());
            assertEquals(8, spec.resources().coresPerNode());
            assertEquals(4 * GIB, spec.resources().memoryPerNode());
        }

        @Test
        void variableListsAccumulateAndTheLaterValueWins() {
            JobSpec spec = submitted(aScriptWith("#PBS -v A=1,B=2", "#PBS -v C=3"), "-v", "B=cli,D=4");
            Map<String, String> env = spec.environment();
            assertEquals("1", env.get("A"));
            assertEquals("cli", env.get("B"));
            assertEquals("3", env.get("C"));
            assertEquals("4", env.get("D"));
        }

        @Test
        void aCommandLineDependencyListReplacesTheScripts() {
            JobSpec spec = submitted(aScriptWith("#PBS -W depend=afterok:1"), "-W", "depend=afterany:2");
            assertEquals(List.of(new Dependency(DependencyType.AFTERANY, List.of(2L))), spec.dependencies());
        }

        @Test
        void aCommandLineNodeRequestReplacesAnSbatchOne() {
            JobSpec spec = submitted(aScriptWith("#SBATCH -N 2 --ntasks-per-node=8"), "-l", "nodes=4:ppn=2");
            assertEquals(4, spec.resources().nodes());
            assertEquals(2, spec.resources().coresPerNode());
        }

        @Test
        void ncpusAfterANodeRequestSetsItsCores() {
            JobSpec spec = submitted(aScriptWith("#PBS -l nodes=2:ppn=8"), "-l", "ncpus=4");
            assertEquals(2, spec.resources().nodes());
            assertEquals(4, spec.resources().coresPerNode());
        }

        @Test
        void aNodeRequestNamingCoresAfterNcpusDropsIt() {
            JobSpec spec = submitted(aScriptWith("#PBS -l ncpus=4"), "-l", "nodes=2:ppn=8");
            assertEquals(2, spec.resources().nodes());
            assertEquals(8, spec.resources().coresPerNode());
        }

        @Test
        void aNodeRequestWithoutCoresKeepsAnEarlierNcpus() {
            JobSpec spec = withDirectives("#PBS -l ncpus=4", "#PBS -l nodes=3");
            assertEquals(3, spec.resources().nodes());
            assertEquals(4, spec.resources().coresPerNode());
        }

        @Test
        void pbsMemoryReplacesSlurmMemory() {
            JobSpec spec = submitted(aScriptWith("#SBATCH --mem=64G"), "-l", "mem=2gb");
            assertEquals(2 * GIB, spec.resources().memoryPerNode());
        }

        @Test
        void theLaterWayOfAskingForNodesWinsWithinAScript() {
            JobSpec spec = withDirectives("#PBS -l nodes=4:ppn=4", "#SBATCH -N 2");
            assertEquals(2, spec.resources().nodes());
            assertEquals(1, spec.resources().coresPerNode());
        }

        @Test
        void aHoldInTheScriptStaysWhateverTheCommandLineSays() {
            assertTrue(submitted(aScriptWith("#PBS -h"), "-N", "x").userHold());
        }
    }

    @Nested
    class QsubOptions {
        @Test
        void queueAtServerKeepsTheQueue() {
            assertEquals("long", withOptions("-q", "long@head1.cluster").queue());
        }

        @Test
        void anEmptyQueueAtServerMeansTheDefaultQueue() {
            assertEquals("batch", withOptions("-q", "@head1").queue());
        }

        @Test
        void outputPathsAreMadeAbsoluteFromTheSubmitDirectory() {
            JobSpec spec = withOptions("-o", "logs/out.txt", "-e", "../err.txt");
            assertEquals("/home/alice/run/logs/out.txt", spec.stdoutPath());
            assertEquals("/home/alice/err.txt", spec.stderrPath());
        }

        @Test
        void outputPathsDropTheirHost() {
            JobSpec spec = withOptions("-o", "login1:/scratch/alice/out", "-e", "login1.cluster:err");
            assertEquals("/scratch/alice/out", spec.stdoutPath());
            assertEquals("/home/alice/run/err", spec.stderrPath());
        }

        @Test
        void anOutputDirectoryKeepsItsTrailingSlash() {
            assertEquals("/home/alice/run/logs/", withOptions("-o", "./logs/").stdoutPath());
        }

        @Test
        void aTildePathStartsAtTheSubmittersHome() {
            assertEquals("/home/alice/out/x.log", withOptions("-o", "~/out/x.log").stdoutPath());
        }

        @Test
        void aTildePathNeedsAHome() {
            String message = assertThrows(InvalidRequestException.class,
                    () -> submittedWithEnvironment(Map.of(), aScriptWith(), "-o", "~/x")).getMessage();
            assertEquals("option -o: cannot expand '~' in '~/x': HOME is not set in your environment; write the full "
                    + "path", message);
        }

        @ParameterizedTest
        @CsvSource({"oe, STDOUT_STDERR", "eo, STDERR_STDOUT", "n, NONE"})
        void joinsOutputStreams(String mode, JoinMode expected) {
            assertEquals(expected, withOptions("-j", mode).join());
        }

        @Test
        void exportsTheWholeEnvironmentWithCapitalV() {
            Map<String, String> env = withOptions("-V").environment();
            assertEquals("vi", env.get("EDITOR"));
            assertEquals("/usr/bin:/bin", env.get("PATH"));
        }

        @Test
        void smallVTakesAMissingValueFromTheSubmittersEnvironment() {
            Map<String, String> env = withOptions("-v", "EDITOR,COUNT=3,EMPTY=").environment();
            assertEquals("vi", env.get("EDITOR"));
            assertEquals("3", env.get("COUNT"));
            assertEquals("", env.get("EMPTY"));
            assertFalse(env.containsKey("PATH"));
        }

        @Test
        void smallVOverridesCapitalV() {
            assertEquals("emacs", withOptions("-V", "-v", "EDITOR=emacs").environment().get("EDITOR"));
        }

        @Test
        void aQuotedVariableValueMayHoldCommas() {
            assertEquals("a,b", withOptions("-v", "LIST='a,b',X=1").environment().get("LIST"));
        }

        @Test
        void readsATorqueArray() {
            ArraySpec array = withOptions("-t", "1-100%5").array().orElseThrow();
            assertEquals(100, array.indices().size());
            assertEquals(5, array.throttle());
            assertEquals(List.of(1, 3, 5, 6, 7), withOptions("-t", "1,3,5-7").array().orElseThrow().indices());
        }

        @Test
        void readsAnOpenPbsArray() {
            ArraySpec array = withOptions("-J", "1-100:2%4").array().orElseThrow();
            assertEquals(IntStream.iterate(1, i -> i <= 99, i -> i + 2).boxed().toList(), array.indices());
            assertEquals(4, array.throttle());
        }

        @Test
        void readsDependenciesInEveryIdForm() {
            JobSpec spec = withOptions("-W", "depend=afterok:42:43.cluster:44[]:45[].cluster,afterany:46");
            assertEquals(List.of(new Dependency(DependencyType.AFTEROK, List.of(42L, 43L, 44L, 45L)),
                    new Dependency(DependencyType.AFTERANY, List.of(46L))), spec.dependencies());
        }

        @ParameterizedTest
        @CsvSource({"after, AFTER", "afterok, AFTEROK", "afternotok, AFTERNOTOK", "afterany, AFTERANY"})
        void readsEachDependencyType(String name, DependencyType type) {
            assertEquals(List.of(new Dependency(type, List.of(7L))), withOptions("-W", "depend=" + name + ":7")
                    .dependencies());
        }

        @Test
        void holdsWithSmallH() {
            assertTrue(withOptions("-h").userHold());
        }

        @ParameterizedTest
        @ValueSource(ints = {-1024, -1, 0, 10, 1023})
        void readsPriorities(int priority) {
            assertEquals(priority, withOptions("-p", String.valueOf(priority)).priority());
        }

        @Test
        void readsRerunnable() {
            assertFalse(withOptions("-r", "n").rerunnable());
            assertTrue(withOptions("-r", "y").rerunnable());
        }

        @Test
        void recordsMailPointsInTheOrderABE() {
            assertEquals("abe", withOptions("-m", "abe").mailPoints());
            assertEquals("ae", withOptions("-m", "ea").mailPoints());
            assertEquals("n", withOptions("-m", "n").mailPoints());
        }

        @Test
        void recordsMailUsers() {
            assertEquals(List.of("alice@x.org", "bob"), withOptions("-M", "alice@x.org,bob").mailUsers());
        }

        @Test
        void readsTheWorkingDirectoryFromSmallDOrSmallW() {
            assertEquals("/home/alice/run/sub", withOptions("-d", "sub").workDir());
            assertEquals("/scratch/alice", withOptions("-w", "/scratch//alice/.").workDir());
        }

        @Test
        void recordsTheAccount() {
            assertEquals("proj-42", withOptions("-A", "proj-42").account());
        }

        /** Issue 18: -S is kept as PBS shows it, and each node picks its entry as PBS does. */
        @Test
        void keepsTheShellListAndANodePicksItsEntry() {
            JobSpec spec = withOptions("-S", "/bin/ksh@other.example,/bin/tcsh");
            assertEquals(withOptions().resources(), spec.resources());
            String list = spec.recorded().get(JobSpec.SHELL_PATH_LIST);
            assertEquals("/bin/ksh@other.example,/bin/tcsh", list);
            assertEquals("/bin/ksh", JobSpec.shellFor(list, "other"));
            assertEquals("/bin/ksh", JobSpec.shellFor(list, "other.example"));
            assertEquals("/bin/tcsh", JobSpec.shellFor(list, "node1"));
            assertEquals("", JobSpec.shellFor("/bin/ksh@other", "node1"), "no entry for this node: #! or bash");
        }

        @Test
        void refusesARelativeShell() {
            assertEquals("option -S: a shell must be an absolute path without spaces such as /bin/bash, got 'bash'",
                    refusalOfOptions("-S", "bash"));
        }

        @Test
        void recordsInteractiveJobs() {
            assertTrue(withOptions("-I").interactive());
            assertEquals("True", withDirectives("#PBS -I").recorded().get(JobSpec.INTERACTIVE));
            assertFalse(withOptions("-N", "batch").interactive());
        }
    }

    @Nested
    class ResourceLists {
        @Test
        void readsNodesAndPpn() {
            Resources r = withOptions("-l", "nodes=2:ppn=8").resources();
            assertEquals(2, r.nodes());
            assertEquals(8, r.coresPerNode());
            assertEquals(8, r.mpiprocsPerNode());
        }

        @Test
        void readsBareNodeCounts() {
            assertEquals(Resources.DEFAULT, withOptions("-l", "nodes=1").resources());
            Resources r = withOptions("-l", "nodes=3").resources();
            assertEquals(3, r.nodes());
            assertEquals(1, r.coresPerNode());
        }

        @Test
        void addsUpAlikeNodeParts() {
            Resources r = withOptions("-l", "nodes=2:ppn=4+1:ppn=4").resources();
            assertEquals(3, r.nodes());
            assertEquals(4, r.coresPerNode());
        }

        @Test
        void readsGpusInANodeRequest() {
            assertEquals(Map.of("gpu", 2L), withOptions("-l", "nodes=2:ppn=8:gpus=2").resources().generic());
        }

        @Test
        void readsASelectStatement() {
            Resources r = withOptions("-l", "select=2:ncpus=8:mpiprocs=8:mem=4gb").resources();
            assertEquals(new Resources(2, 8, 4 * GIB, Duration.ZERO, 8, Map.of()), r);
        }

        @Test
        void aSelectChunkRunsOneMpiProcessUnlessToldOtherwise() {
            Resources r = withOptions("-l", "select=4:ncpus=2:ngpus=1").resources();
            assertEquals(4, r.nodes());
            assertEquals(2, r.coresPerNode());
            assertEquals(1, r.mpiprocsPerNode());
            assertEquals(Map.of("gpu", 1L), r.generic());
        }

        @Test
        void aSelectWithoutCountIsOneChunk() {
            Resources r = withOptions("-l", "select=ncpus=4", "-l", "place=scatter").resources();
            assertEquals(1, r.nodes());
            assertEquals(4, r.coresPerNode());
        }

        @Test
        void ncpusAloneAsksForOneNode() {
            Resources r = withOptions("-l", "ncpus=4").resources();
            assertEquals(1, r.nodes());
            assertEquals(4, r.coresPerNode());
            assertEquals(4, r.mpiprocsPerNode());
        }

        @ParameterizedTest(name = "walltime={0}")
        @CsvSource({"45, 45", "10:30, 630", "01:30:00, 5400", "2:01:00:00, 176400"})
        void readsEveryWalltimeForm(String walltime, long seconds) {
            assertEquals(Duration.ofSeconds(seconds), withOptions("-l", "walltime=" + walltime).resources()
                    .walltime());
        }

        @Test
        void splitsJobMemoryOverTheNodesRoundingUp() {
            Resources r = withOptions("-l", "nodes=3,mem=4gb").resources();
            assertEquals((4 * GIB + 2) / 3, r.memoryPerNode());
        }

        @Test
        void multipliesProcessMemoryByTheCoresOfANode() {
            assertEquals(8 * GIB, withOptions("-l", "nodes=2:ppn=8,pmem=1gb").resources().memoryPerNode());
        }

        @Test
        void takesTheLargestOfSeveralMemoryRequests() {
            assertEquals(8 * GIB, withOptions("-l", "nodes=2:ppn=8,pmem=1gb,mem=4gb").resources().memoryPerNode());
            assertEquals(16 * GIB, withOptions("-l", "nodes=1:ppn=8,pmem=1gb,mem=16gb").resources().memoryPerNode());
        }

        @Test
        void readsGenericResources() {
            assertEquals(Map.of("gpu", 2L), withOptions("-l", "gpus=2").resources().generic());
            assertEquals(Map.of("gpu", 2L), withOptions("-l", "gpu=2").resources().generic());
            assertEquals(Map.of("gpu", 1L, "scratch", 100 * GIB), withOptions("-l", "GPUS=1,scratch=100gb")
                    .resources().generic());
        }

        @Test
        void takesTheLargerOfAJobAndANodeGenericRequest() {
            assertEquals(Map.of("gpu", 4L), withOptions("-l", "gpus=4,nodes=1:gpus=2").resources().generic());
        }

        @Test
        void readsKeysInAnyCase() {
            assertEquals(Duration.ofHours(1), withOptions("-l", "WallTime=1:00:00").resources().walltime());
        }
    }

    @Nested
    class SbatchDirectives {
        @ParameterizedTest
        @ValueSource(strings = {"-J sim", "-Jsim", "--job-name=sim", "--job-name sim"})
        void readsTheJobNameInEveryForm(String option) {
            assertEquals("sim", withDirectives("#SBATCH " + option).name());
        }

        @Test
        void multipliesTasksPerNodeByCoresPerTask() {
            Resources r = withDirectives("#SBATCH -N 2", "#SBATCH --ntasks-per-node=4", "#SBATCH -c 2").resources();
            assertEquals(2, r.nodes());
            assertEquals(8, r.coresPerNode());
            assertEquals(4, r.mpiprocsPerNode());
        }

        @Test
        void spreadsTasksOverNodesRoundingUp() {
            Resources r = withDirectives("#SBATCH --nodes=3 --ntasks=10 --cpus-per-task=2").resources();
            assertEquals(3, r.nodes());
            assertEquals(8, r.coresPerNode());
            assertEquals(4, r.mpiprocsPerNode());
        }

        @Test
        void putsTasksOnOneNodeWhenNoNodeCountIsGiven() {
            Resources r = withDirectives("#SBATCH -n 8").resources();
            assertEquals(1, r.nodes());
            assertEquals(8, r.coresPerNode());
            assertEquals(8, r.mpiprocsPerNode());
        }

        @Test
        void derivesTheNodeCountFromTasksAndTasksPerNode() {
            Resources r = withDirectives("#SBATCH --ntasks 16 --ntasks-per-node 4").resources();
            assertEquals(4, r.nodes());
            assertEquals(4, r.coresPerNode());
        }

        @ParameterizedTest(name = "--mem={0}")
        @CsvSource({"4G, 4294967296", "500, 524288000", "512M, 536870912", "1T, 1099511627776"})
        void readsMemoryPerNodeInMegabytesByDefault(String mem, long bytes) {
            assertEquals(bytes, withDirectives("#SBATCH -N 2 --mem=" + mem).resources().memoryPerNode());
        }

        @Test
        void multipliesMemoryPerCpuByTheCoresOfANode() {
            assertEquals(8 * GIB, withDirectives("#SBATCH -c 4 --mem-per-cpu=2G").resources().memoryPerNode());
        }

        @ParameterizedTest(name = "--time={0}")
        @CsvSource({"90, 5400", "90:30, 5430", "2:00:00, 7200", "1-12, 129600", "1-12:30, 131400",
            "1-12:30:15, 131415"})
        void readsEverySlurmTimeForm(String time, long seconds) {
            assertEquals(Duration.ofSeconds(seconds), withDirectives("#SBATCH --time=" + time).resources().walltime());
            assertEquals(Duration.ofSeconds(seconds), withDirectives("#SBATCH -t " + time).resources().walltime());
        }

        @Test
        void readsThePartitionAsTheQueue() {
            assertEquals("debug", withDirectives("#SBATCH -p debug").queue());
            assertEquals("gpu", withDirectives("#SBATCH --partition=gpu").queue());
        }

        @Test
        void readsOutputAndErrorPaths() {
            JobSpec spec = withDirectives("#SBATCH -o out-%j.txt", "#SBATCH --error=/tmp/err-%j.txt");
            assertEquals("/home/alice/run/out-%j.txt", spec.stdoutPath());
            assertEquals("/tmp/err-%j.txt", spec.stderrPath());
            assertEquals("/home/alice/run/o.txt", withDirectives("#SBATCH --output o.txt").stdoutPath());
            assertEquals("/home/alice/run/e.txt", withDirectives("#SBATCH -e e.txt").stderrPath());
        }

        @Test
        void readsArrays() {
            ArraySpec array = withDirectives("#SBATCH --array=0-15:4%2").array().orElseThrow();
            assertEquals(List.of(0, 4, 8, 12), array.indices());
            assertEquals(2, array.throttle());
            assertEquals(List.of(1, 3, 5, 6, 7), withDirectives("#SBATCH -a 1,3,5-7").array().orElseThrow()
                    .indices());
        }

        @Test
        void readsDependencies() {
            assertEquals(List.of(new Dependency(DependencyType.AFTEROK, List.of(1L, 2L)),
                    new Dependency(DependencyType.AFTERANY, List.of(3L))),
                    withDirectives("#SBATCH --dependency=afterok:1:2,afterany:3").dependencies());
            assertEquals(List.of(new Dependency(DependencyType.AFTERNOTOK, List.of(9L))),
                    withDirectives("#SBATCH -d afternotok:9").dependencies());
        }

        @Test
        void readsTheWorkingDirectory() {
            assertEquals("/home/alice/run/work", withDirectives("#SBATCH -D work").workDir());
            assertEquals("/scratch", withDirectives("#SBATCH --chdir=/scratch").workDir());
        }

        @Test
        void readsHoldAccountAndMail() {
            JobSpec spec = withDirectives("#SBATCH -H -A proj --mail-type=END,FAIL --mail-user=alice@x.org");
            assertTrue(spec.userHold());
            assertEquals("proj", spec.account());
            assertEquals("ae", spec.mailPoints());
            assertEquals(List.of("alice@x.org"), spec.mailUsers());
            assertEquals("abe", withDirectives("#SBATCH --mail-type=ALL").mailPoints());
        }

        @Test
        void readsGenericResources() {
            assertEquals(Map.of("gpu", 2L), withDirectives("#SBATCH --gres=gpu:2").resources().generic());
            assertEquals(Map.of("gpu", 1L), withDirectives("#SBATCH --gres=gpu").resources().generic());
        }

        @Test
        void mixesWithPbsDirectives() {
            JobSpec spec = withDirectives("#SBATCH -J sim -t 30", "#PBS -q long -l mem=2gb");
            assertEquals("sim", spec.name());
            assertEquals(Duration.ofMinutes(30), spec.resources().walltime());
            assertEquals("long", spec.queue());
            assertEquals(2 * GIB, spec.resources().memoryPerNode());
        }
    }

    @Nested
    class DeferredStart {
        private Instant startOf(String when) {
            return withOptions("-a", when).notBefore();
        }

        @Test
        void aTimeStillAheadTodayIsToday() {
            assertEquals(Instant.parse("2025-03-10T13:30:00Z"), startOf("1330"));
        }

        @Test
        void aTimeAlreadyPastIsTomorrow() {
            assertEquals(Instant.parse("2025-03-11T11:30:00Z"), startOf("1130"));
        }

        @Test
        void readsSeconds() {
            assertEquals(Instant.parse("2025-03-10T13:30:45Z"), startOf("1330.45"));
        }

        @Test
        void aDayAheadIsThisMonthAndAPastOneNextMonth() {
            assertEquals(Instant.parse("2025-03-15T11:30:00Z"), startOf("151130"));
            assertEquals(Instant.parse("2025-04-09T12:00:00Z"), startOf("091200"));
        }

        @Test
        void aDayMissingFromNextMonthIsTheNextMonthThatHasIt() {
            JobSpec spec = SubmitParser.parse(aliceSubmits(aScriptWith(), Map.of(), "-a", "310900"),
                    SubmitDefaults.STANDARD, Clock.fixed(Instant.parse("2025-03-31T12:00:00Z"), ZoneOffset.UTC));
            assertEquals(Instant.parse("2025-05-31T09:00:00Z"), spec.notBefore());
        }

        @Test
        void aDateAheadIsThisYearAndAPastOneNextYear() {
            assertEquals(Instant.parse("2025-12-25T18:00:00Z"), startOf("12251800"));
            assertEquals(Instant.parse("2026-02-28T12:00:00Z"), startOf("02281200"));
            assertEquals(Instant.parse("2028-02-29T00:00:00Z"), startOf("02290000"));
        }

        @Test
        void readsTwoAndFourDigitYears() {
            assertEquals(Instant.parse("2025-12-25T18:00:00Z"), startOf("2512251800"));
            assertEquals(Instant.parse("2026-01-02T03:04:05Z"), startOf("202601020304.05"));
        }

        @Test
        void keepsAFullDateInThePast() {
            assertEquals(Instant.parse("2024-01-01T00:00:00Z"), startOf("202401010000"));
        }

        @Test
        void readsTheTimeInTheSubmittersZone() {
            JobSpec spec = submittedWithEnvironment(Map.of("TZ", "Europe/Paris"), aScriptWith(), "-a", "1430");
            assertEquals(Instant.parse("2025-03-10T13:30:00Z"), spec.notBefore());
            assertEquals("Europe/Paris", spec.environment().get("PBS_O_TZ"));
        }

        @Test
        void fallsBackToTheClocksZoneForAnUnknownTz() {
            JobSpec spec = submittedWithEnvironment(Map.of("TZ", "CET-1CEST"), aScriptWith(), "-a", "1430");
            assertEquals(Instant.parse("2025-03-10T14:30:00Z"), spec.notBefore());
        }

        @Test
        void refusesMalformedTimes() {
            assertEquals("option -a: date and time must be [[[[CC]YY]MM]DD]hhmm[.SS], e.g. 2330, 10302330 "
                    + "(30 October, 23:30) or 202510302330.00, got '13301'", refusalOfOptions("-a", "13301"));
            assertEquals("option -a: '2460' is not a time of day: hours go to 23, minutes and seconds to 59",
                    refusalOfOptions("-a", "2460"));
            assertEquals("option -a: '1300.75' is not a time of day: hours go to 23, minutes and seconds to 59",
                    refusalOfOptions("-a", "1300.75"));
            assertEquals("option -a: '02301200' names a day that does not exist", refusalOfOptions("-a", "02301200"));
            assertEquals("option -a: '13011200' names month 13; months go from 01 to 12",
                    refusalOfOptions("-a", "13011200"));
            assertEquals("option -a: '321200' names day 32; days go from 01 to 31", refusalOfOptions("-a", "321200"));
        }
    }

    @Nested
    class Environment {
        @Test
        void passesOnTheSubmittersVariablesAsPbsO() {
            Map<String, String> env = withOptions().environment();
            assertEquals("/home/alice", env.get("PBS_O_HOME"));
            assertEquals("en_US.UTF-8", env.get("PBS_O_LANG"));
            assertEquals("alice", env.get("PBS_O_LOGNAME"));
            assertEquals("/usr/bin:/bin", env.get("PBS_O_PATH"));
            assertEquals("/bin/bash", env.get("PBS_O_SHELL"));
            assertEquals(SUBMIT_DIR, env.get("PBS_O_WORKDIR"));
            assertEquals("login1", env.get("PBS_O_HOST"));
            assertEquals("batch", env.get("PBS_O_QUEUE"));
        }

        @Test
        void leavesOutPbsOVariablesTheSubmitterDidNotHave() {
            Map<String, String> env = withOptions().environment();
            assertFalse(env.containsKey("PBS_O_MAIL"));
            assertFalse(env.containsKey("PBS_O_TZ"));
            assertFalse(env.containsKey("HOME"), "without -V the submitter's own variables stay behind");
        }

        @Test
        void passesOnMailAndTz() {
            Map<String, String> env = submittedWithEnvironment(Map.of("MAIL", "/var/mail/alice", "TZ", "UTC"),
                    aScriptWith()).environment();
            assertEquals("/var/mail/alice", env.get("PBS_O_MAIL"));
            assertEquals("UTC", env.get("PBS_O_TZ"));
        }

        @Test
        void namesTheChosenQueue() {
            assertEquals("long", withOptions("-q", "long").environment().get("PBS_O_QUEUE"));
        }

        @Test
        void holdsOnlyPbsOVariablesForAnEmptyEnvironment() {
            Map<String, String> env = submittedWithEnvironment(Map.of(), aScriptWith(), "-V").environment();
            assertEquals(Map.of("PBS_O_WORKDIR", SUBMIT_DIR, "PBS_O_HOST", "login1", "PBS_O_QUEUE", "batch"), env);
        }
    }

    @Nested
    class ScriptRefusals {
        @Test
        void refusesAnEmptyScript() {
            assertEquals("script is empty; a job script needs at least one command to run", refusalOf(""));
            assertEquals("script is empty; a job script needs at least one command to run", refusalOf(" \n\t\n"));
        }

        @Test
        void refusesAScriptWithANulByte() {
            assertEquals("line 3: script contains a NUL byte; a job script must be text, not a binary file",
                    refusalOf("#!/bin/sh\necho\nab\0cd\n"));
        }

        @Test
        void refusesAScriptLargerThanOneMebibyte() {
            String big = "#!/bin/sh\n" + "#".repeat((int) MIB - 10) + "\n";
            assertEquals("script is 1048577 bytes; a script may hold at most 1 MiB (1048576 bytes); keep data in "
                    + "files the script reads", refusalOf(big));
        }

        @Test
        void countsBytesNotCharacters() {
            String justUnder = "#!/bin/sh\n" + "#".repeat((int) MIB - 11) + "\n";
            assertEquals(SubmitParser.MAX_SCRIPT_BYTES, justUnder.length());
            assertEquals("STDIN", submitted(justUnder).name());
            String multiByte = "#!/bin/sh\n" + "é".repeat((int) MIB / 2) + "\n";
            assertStartsWith("script is 1048587 bytes", refusalOf(multiByte));
        }

        @Test
        void refusesARequestWithARelativeSubmitDirectory() {
            SubmitRequest request = new SubmitRequest(aScriptWith(), List.of(), "alice", "login1", "run", Map.of());
            assertEquals("request: submitDir must be an absolute path, got 'run'", assertThrows(
                    InvalidRequestException.class, () -> SubmitParser.parse(request, SubmitDefaults.STANDARD, CLOCK))
                    .getMessage());
        }
    }

    @Nested
    class OptionRefusals {
        @Test
        void namesTheLineOfABadWalltime() {
            assertEquals("line 3: -l walltime=1:xx:00: walltime must be [[HH:]MM:]SS, e.g. 01:30:00 (or D:HH:MM:SS "
                    + "with days)", refusalOf("#!/bin/sh\n#PBS -N ok\n#PBS -l walltime=1:xx:00\ndate\n"));
        }

        @Test
        void namesTheOptionOfABadPriority() {
            assertEquals("option -p: priority must be an integer between -1024 and 1023, got 'high'",
                    refusalOfOptions("-p", "high"));
            assertEquals("option -p: priority must be an integer between -1024 and 1023, got '1024'",
                    refusalOfOptions("-p", "1024"));
        }

        @Test
        void refusesUnknownOptions() {
            assertStartsWith("line 2: -K: qsub option -K is not supported; supported are -A -C -F -I -J -M -N -P -S -V "
                    + "-W -a -c -d -e -h -j -k -l -m -o -p -q -r -t -u -v -w -x", refusalOfDirective("#PBS -K oe"));
            assertStartsWith("option --version: qsub option --version is not supported",
                    refusalOfOptions("--version"));
            assertStartsWith("line 2: --tmp: #SBATCH option --tmp is not supported; supported are",
                    refusalOfDirective("#SBATCH --tmp=10G"));
        }

        @Test
        void refusesAMissingValue() {
            assertEquals("option -N: -N needs a value", refusalOfOptions("-N"));
            assertEquals("line 2: -l: -l needs a value", refusalOfDirective("#PBS -l"));
            assertEquals("line 2: --time: --time needs a value", refusalOfDirective("#SBATCH --time"));
        }

        @Test
        void refusesAValueForAFlag() {
            assertEquals("line 2: --hold: --hold takes no value", refusalOfDirective("#SBATCH --hold=yes"));
        }

        @Test
        void refusesWordsThatAreNotOptions() {
            assertEquals("line 2: 'job.sh' is not an option; qsub options start with '-'",
                    refusalOfDirective("#PBS -N x job.sh"));
            assertEquals("options: 'job.sh' is not an option; qsub options start with '-' (the script is sent "
                    + "separately)", refusalOfOptions("job.sh"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"a b", "a/b", "a:b", "tab\there"})
        void refusesBadJobNames(String name) {
            assertEquals("option -N: a job name must not contain blanks, control characters, '/' or ':', got '"
                    + name + "'", refusalOfOptions("-N", name));
        }

        @Test
        void acceptsJobNamesUpTo236Characters() {
            assertEquals("n".repeat(236), withOptions("-N", "n".repeat(236)).name());
            assertEquals("7up", withOptions("-N", "7up").name());
            assertEquals("option -N: a job name must be 1 to 236 characters long, got 237",
                    refusalOfOptions("-N", "n".repeat(237)));
            assertEquals("line 2: -N: a job name must be 1 to 236 characters long, got 0",
                    refusalOfDirective("#PBS -N ''"));
        }

        @Test
        void refusesBadQueueNames() {
            assertEquals("option -q: a queue name starts with a letter or digit and holds only letters, digits, '_', "
                    + "'-' and '.', got 'lo ng'", refusalOfOptions("-q", "lo ng"));
            assertEquals("option -q: queue name is empty", refusalOfOptions("-q", ""));
            assertEquals("q".repeat(64), withOptions("-q", "q".repeat(64)).queue());
            assertEquals("option -q: a queue name must be at most 64 characters long, got 65",
                    refusalOfOptions("-q", "q".repeat(65)));
        }

        @Test
        void refusesBadJoinRerunAndMailValues() {
            assertEquals("option -j: join must be oe (stderr into stdout), eo (stdout into stderr) or n, got 'o'",
                    refusalOfOptions("-j", "o"));
            assertEquals("option -r: rerunnable must be y or n, got 'maybe'", refusalOfOptions("-r", "maybe"));
            assertEquals("option -m: mail points must be n or letters from abe (abort, begin, end), got 'abx'",
                    refusalOfOptions("-m", "abx"));
            assertEquals("option -m: mail points must be n or letters from abe (abort, begin, end), got 'an'",
                    refusalOfOptions("-m", "an"));
            assertEquals("option -M: mail users must be a comma-separated list of user or user@host, got 'a,,b'",
                    refusalOfOptions("-M", "a,,b"));
            assertEquals("option -A: an account is 1 to 255 characters without blanks, got 'my proj'",
                    refusalOfOptions("-A", "my proj"));
        }

        @Test
        void refusesBadVariables() {
            assertEquals("option -v: '1X' is not a variable name: names are letters, digits and _, not starting with "
                    + "a digit", refusalOfOptions("-v", "1X=2"));
            assertEquals("line 2: -v: NOPE has no value here and is not set in your environment; write NOPE=value",
                    refusalOfDirective("#PBS -v NOPE"));
        }

        @Test
        void refusesBadArrays() {
            assertEquals("option -t: array range 10-1 runs backwards; write 1-10", refusalOfOptions("-t", "10-1"));
            assertEquals("option -t: array range is empty; write indices like 1-100, 1,3,5-7 or 1-100%5",
                    refusalOfOptions("-t", ""));
            assertEquals("line 2: -J: array '1-2000000' has 2000000 indices; the limit is 1000000",
                    refusalOfDirective("#PBS -J 1-2000000"));
            assertEquals("line 2: --array: array throttle after % must be a whole number of 0 or more (0 for no "
                    + "limit), got '-2'", refusalOfDirective("#SBATCH --array=1-5%-2"));
        }

        @Test
        void refusesBadDependencies() {
            assertEquals("option -W: dependency type 'beforeok' is not supported; use after, afterok, afternotok or "
                    + "afterany", refusalOfOptions("-W", "depend=beforeok:1"));
            assertEquals("option -W: dependency 'afterok' names no job; write it like afterok:42",
                    refusalOfOptions("-W", "depend=afterok"));
            assertEquals("option -W: a dependency on one array task (42[7]) is not supported; depend on the whole "
                    + "array job with 42[]", refusalOfOptions("-W", "depend=afterok:42[7]"));
            assertStartsWith("option -W: 'x' is not a job id", refusalOfOptions("-W", "depend=afterok:x"));
            assertEquals("option -W: -W stagein is not supported; -W takes depend=, block=, group_list=, umask= "
                    + "and sandbox=", refusalOfOptions("-W", "stagein=a@h:b"));
            assertEquals("line 2: --dependency: dependency type 'singleton' is not supported; use after, afterok, "
                    + "afternotok or afterany", refusalOfDirective("#SBATCH --dependency=singleton"));
            assertEquals("line 2: -d: '?' (any one of several dependencies) is not supported; separate clauses with "
                    + "',' so that all must hold", refusalOfDirective("#SBATCH -d afterok:1?afterok:2"));
        }

        @Test
        void refusesZeroOrAbsurdCounts() {
            assertEquals("option -l nodes=0:ppn=2: nodes must be a whole number from 1 to 100000, got '0'",
                    refusalOfOptions("-l", "nodes=0:ppn=2"));
            assertEquals("option -l nodes=100001: nodes must be a whole number from 1 to 100000, got '100001'",
                    refusalOfOptions("-l", "nodes=100001"));
            assertEquals("option -l nodes=1:ppn=100001: ppn must be a whole number from 1 to 100000, got '100001'",
                    refusalOfOptions("-l", "nodes=1:ppn=100001"));
            assertEquals("option -l ncpus=0: ncpus must be a whole number from 1 to 100000, got '0'",
                    refusalOfOptions("-l", "ncpus=0"));
            assertEquals("option -l select=2:ncpus=-1: ncpus must be a whole number from 1 to 100000, got '-1'",
                    refusalOfOptions("-l", "select=2:ncpus=-1"));
            assertEquals("line 2: -N: nodes must be a whole number from 1 to 100000, got '2-4'",
                    refusalOfDirective("#SBATCH -N 2-4"));
            assertEquals("line 2: -c: cpus-per-task must be a whole number from 1 to 100000, got '0'",
                    refusalOfDirective("#SBATCH -c 0"));
        }

        @Test
        void refusesTooManyCoresPerNodeNamingTheLinesThatAskForThem() {
            assertEquals("line 3: --ntasks-per-node 1000, line 4: --cpus-per-task 1000: these ask for 1000000 cores "
                    + "per node (1000 tasks of 1000 cores); the limit is 100000",
                    refusalOf(aScriptWith("#SBATCH -J big", "#SBATCH --ntasks-per-node 1000",
                            "#SBATCH --cpus-per-task=1000")));
        }

        @Test
        void refusesTooManyNodesDerivedFromTasks() {
            assertEquals("line 2: --ntasks 1000000, line 3: --ntasks-per-node 1: these ask for 1000000 nodes; the "
                    + "limit is 100000", refusalOf(aScriptWith("#SBATCH --ntasks 1000000", "#SBATCH --ntasks-per-node 1")));
        }

        @Test
        void refusesTooMuchMemoryPerNode() {
            assertEquals("option -l select=1:mem=2pb: this asks for 2pb per node; the limit is 1pb",
                    refusalOfOptions("-l", "select=1:mem=2pb"));
        }

        @Test
        void refusesMalformedResourceEntries() {
            assertEquals("option -l walltime: a resource is written name=value, e.g. walltime=01:00:00",
                    refusalOfOptions("-l", "walltime"));
            assertEquals("option -l: resource list is empty; write it like walltime=01:00:00,nodes=1:ppn=4",
                    refusalOfOptions("-l", ""));
            assertEquals("option -l gpus=two: gpus must be a count from 0 to 100000 or a size such as 100gb, got "
                    + "'two'", refusalOfOptions("-l", "gpus=two"));
            assertEquals("option -l select=1:ngpus=v100: ngpus must be a count from 0 to 100000 or a size such as "
                    + "100gb, got 'v100'", refusalOfOptions("-l", "select=1:ngpus=v100"));
        }

        @Test
        void refusesNodeRequestsThisClusterCannotHonour() {
            assertEquals("option -l nodes=node01:ppn=2: choosing nodes by host name ('node01') is not supported in "
                    + "nodes=; ask for a count of nodes first, with properties after it, e.g. nodes=2:ppn=8 or "
                    + "nodes=1:ppn=4:node01, and name the node with -l host=node01",
                    refusalOfOptions("-l", "nodes=node01:ppn=2"));
            assertEquals("option -l nodes=2:ppn=8+1:ppn=4: 'nodes=2:ppn=8+1:ppn=4' asks for nodes of different "
                    + "shapes; a job's nodes must all be alike here", refusalOfOptions("-l", "nodes=2:ppn=8+1:ppn=4"));
            assertEquals("option -l select=60000:ncpus=1+60000:ncpus=1: 'select=60000:ncpus=1+60000:ncpus=1' asks for "
                    + "120000 nodes; the limit is 100000", refusalOfOptions("-l", "select=60000:ncpus=1+60000:ncpus=1"));
            assertEquals("option -l select=2:host=n1: '2:host=n1': a chunk with host= is one node; write one chunk per "
                    + "host, e.g. select=1:ncpus=4:host=node1+1:ncpus=4:host=node2",
                    refusalOfOptions("-l", "select=2:host=n1"));
        }

        @Test
        void refusesResourcesThisClusterDoesNotEnforce() {
            assertEquals("option -l epilogue=/x: resource 'epilogue' is not supported; supported are walltime, nodes, "
                    + "select, ncpus, procs, mem, pmem, vmem, pvmem, cput, pcput, file, signal, software, host, "
                    + "naccesspolicy, nice, place, feature, container, generic counts such as gpus=2 and host "
                    + "resources such as host_type=skylake",
                    refusalOfOptions("-l", "epilogue=/x"));
        }

        /** Issue 18: what is recorded rather than applied is still checked, so a typo names what to fix. */
        @Test
        void refusesMalformedValuesOfRecordedResources() {
            assertStartsWith("option -l vmem=4 gigs: size must be a whole number", refusalOfOptions("-l", "vmem=4 gigs"));
            assertStartsWith("option -l cput=1h: walltime must be [[HH:]MM:]SS", refusalOfOptions("-l", "cput=1h"));
            assertEquals("option -l nice=30: nice must be a whole number from -20 to 19, got '30'",
                    refusalOfOptions("-l", "nice=30"));
            assertEquals("option -l place=: place needs a value, e.g. place=scatter", refusalOfOptions("-l", "place="));
            assertEquals("option -l procs=0: procs must be a whole number from 1 to 100000, got '0'",
                    refusalOfOptions("-l", "procs=0"));
            assertEquals("option -W: umask must be octal from 0 to 0777, such as umask=022 or umask=0077, got '999'",
                    refusalOfOptions("-W", "umask=999"));
            assertStartsWith("option -W: umask must be octal from 0 to 0777", refusalOfOptions("-W", "umask=1000"));
            assertStartsWith("option -W: umask must be octal from 0 to 0777", refusalOfOptions("-W", "umask="));
            assertStartsWith("option -W: umask must be octal from 0 to 0777", refusalOfOptions("-W", "umask=u=rwx"));
            assertEquals("option -W: -W sandbox is HOME or PRIVATE, got 'TMP': write sandbox=PRIVATE to run the job "
                    + "in a directory of its own on the node, removed when it ends, or sandbox=HOME (the default) to "
                    + "run it where -d says", refusalOfOptions("-W", "sandbox=TMP"));
            assertEquals("option -k: -k takes n, e, o, eo, oe or d, got 'x'", refusalOfOptions("-k", "x"));
            assertEquals("option -C: the directive prefix must start with '#' and hold no blanks, e.g. -C '#MYPBS', "
                    + "or be empty to read no directives; got 'PBS'", refusalOfOptions("-C", "PBS"));
            assertEquals("line 2: --open-mode: --open-mode is append or truncate, got 'overwrite': write "
                    + "--open-mode=append to add to existing output files, --open-mode=truncate (the default) to empty "
                    + "them", refusalOfDirective("#SBATCH --open-mode=overwrite"));
            assertEquals("line 2: --gpus-per-node: --gpus-per-node takes [type:]count, e.g. 2 or v100:2, got 'a:b:2'",
                    refusalOfDirective("#SBATCH --gpus-per-node=a:b:2"));
        }

        @Test
        void refusesBadSlurmValues() {
            assertEquals("line 2: --mem: --mem=0 (all of a node's memory) is not supported; give a size such as 64G",
                    refusalOfDirective("#SBATCH --mem=0"));
            assertStartsWith("line 2: -t: time must be minutes, minutes:seconds", refusalOfDirective("#SBATCH -t 1h"));
            assertEquals("line 2: --mail-type: mail type 'SOMETIMES' is not known; use NONE, BEGIN, END, FAIL, ALL, "
                    + "REQUEUE, INVALID_DEPEND, STAGE_OUT, TIME_LIMIT, TIME_LIMIT_90, TIME_LIMIT_80, TIME_LIMIT_50 or "
                    + "ARRAY_TASKS", refusalOfDirective("#SBATCH --mail-type=SOMETIMES"));
            assertEquals("line 2: --gres: a generic resource is name[[:type]:count], e.g. gpu:2 or gpu:v100:2, got "
                    + "'gpu:a:b:2'", refusalOfDirective("#SBATCH --gres=gpu:a:b:2"));
        }

        @Test
        void refusesThePathsItCannotResolve() {
            assertEquals("option -o: path is empty; give a file or directory, e.g. logs/run.out",
                    refusalOfOptions("-o", "login1:"));
            assertEquals("option -d: path is empty", refusalOfOptions("-d", ""));
            assertEquals("option -e: '~user' paths are not supported, got '~bob/err'; write the full path",
                    refusalOfOptions("-e", "~bob/err"));
        }

        @Test
        void reportsTheFirstProblemInScriptOrder() {
            String message = refusalOf(aScriptWith("#PBS -l walltime=1:xx:00", "#PBS -p high"), "-N", "a b");
            assertStartsWith("line 2: -l walltime=1:xx:00:", message);
        }
    }

    @Test
    void sameRequestGivesTheSameSpec() {
        String script = aScriptWith("#PBS -N same -l nodes=2:ppn=4,mem=3gb -t 1-9%2 -W depend=afterok:5",
                "#SBATCH --time=1-00:00:00");
        List<JobSpec> specs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            specs.add(submitted(script, "-v", "A=1", "-a", "1330"));
        }
        assertEquals(specs.get(0), specs.get(1));
        assertEquals(specs.get(0), specs.get(2));
        List<String> names = new ArrayList<>(specs.get(0).environment().keySet());
        assertEquals(names.stream().sorted().toList(), names, "the environment is in name order");
    }
}
