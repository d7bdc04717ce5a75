package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.ProcessLimits;
import dev.hpc.api.job.Resources;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.api.wire.WireCodec;
import dev.hpc.api.wire.WireMessage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: directives that Torque, OpenPBS or Slurm accept every day are accepted here too, applied
 * where this cluster has the notion and otherwise recorded under the name {@code qstat -f} shows.
 */
class SiteDirectivesTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-10T12:00:00Z"), ZoneOffset.UTC);
    private static final String SUBMIT_DIR = "/home/alice/run";

    private static JobSpec submitted(String script, Map<String, String> environment, String... options) {
        return SubmitParser.parse(new SubmitRequest(script, List.of(options), "alice", "login1", SUBMIT_DIR,
                environment), SubmitDefaults.STANDARD, CLOCK);
    }

    private static JobSpec withDirectives(String... lines) {
        return submitted("#!/bin/bash\n" + String.join("\n", lines) + "\nhostname\n", Map.of());
    }

    private static JobSpec withOptions(String... options) {
        return submitted("#!/bin/bash\nhostname\n", Map.of(), options);
    }

    @Nested
    class TimeForms {
        @Test
        void aWalltimeWithSixtySecondsCarriesOverAsTorqueDoes() {
            assertEquals(Duration.parse("PT10H1M"), withOptions("-l", "walltime=10:00:60").resources().walltime());
            assertEquals(Duration.ofMinutes(90), withDirectives("#PBS -l walltime=90:00").resources().walltime());
            assertEquals(Duration.ofMinutes(150), withDirectives("#PBS -l walltime=1:90:00").resources().walltime());
        }

        @Test
        void everySlurmTimeFormIsRead() {
            assertEquals(Duration.ofMinutes(30), withDirectives("#SBATCH -t 30").resources().walltime());
            assertEquals(Duration.ofSeconds(90 * 60 + 30), withDirectives("#SBATCH -t 90:30").resources().walltime());
            assertEquals(Duration.ofHours(2), withDirectives("#SBATCH --time=02:00:00").resources().walltime());
            assertEquals(Duration.ofHours(36), withDirectives("#SBATCH --time=1-12").resources().walltime());
            assertEquals(Duration.parse("PT36H30M"), withDirectives("#SBATCH -t 1-12:30").resources().walltime());
            assertEquals(Duration.parse("PT36H30M15S"), withDirectives("#SBATCH -t 1-12:30:15").resources()
                    .walltime());
            assertEquals(Duration.ofMinutes(75), withDirectives("#SBATCH -t 0:75:00").resources().walltime());
        }
    }

    @Nested
    class MemoryForms {
        @Test
        void pbsSizesWithoutTheBUnitAreBinaryMultiples() {
            assertEquals(500 * MIB, withOptions("-l", "mem=500m").resources().memoryPerNode());
            assertEquals(4 * GIB, withDirectives("#PBS -l pmem=4g").resources().memoryPerNode());
        }

        @Test
        void slurmSizesWithAByteSuffixAreRead() {
            assertEquals(4 * GIB, withDirectives("#SBATCH --mem=4096MB").resources().memoryPerNode());
            assertEquals(16 * GIB, withDirectives("#SBATCH --mem=16GB").resources().memoryPerNode());
            assertEquals(4 * GIB, withDirectives("#SBATCH --mem=4G").resources().memoryPerNode());
        }

        @Test
        void memoryPerCpuIsTimesTheCoresOfANode() {
            Resources r = withDirectives("#SBATCH --ntasks-per-node=4", "#SBATCH -c 2", "#SBATCH --mem-per-cpu=2048MB")
                    .resources();
            assertEquals(16 * GIB, r.memoryPerNode());
        }

        @Test
        void memoryPerGpuIsTimesTheGpusOfANodeAndAtLeastOne() {
            Resources r = withDirectives("#SBATCH --gpus-per-node=2", "#SBATCH --mem-per-gpu=8G").resources();
            assertEquals(16 * GIB, r.memoryPerNode());
            assertEquals(Map.of("gpu", 2L), r.generic());
            assertEquals(8 * GIB, withDirectives("#SBATCH --mem-per-gpu=8G").resources().memoryPerNode());
        }

        @Test
        void virtualMemoryIsRecordedAndLeavesTheMemoryRequestAlone() {
            JobSpec spec = withOptions("-l", "mem=2gb,vmem=16g,pvmem=4000mb");
            assertEquals(2 * GIB, spec.resources().memoryPerNode());
            assertEquals(Map.of("Resource_List.vmem", "16gb", "Resource_List.pvmem", "4000mb"), spec.recorded());
        }
    }

    @Nested
    class TorqueResources {
        @Test
        void procsAsksForThatManyCoresOnOneNode() {
            JobSpec spec = withDirectives("#PBS -l procs=12");
            assertEquals(1, spec.resources().nodes());
            assertEquals(12, spec.resources().coresPerNode());
            assertEquals(12, spec.resources().mpiprocsPerNode());
            assertEquals("12", spec.recorded().get("Resource_List.procs"));
        }

        @Test
        void aLaterNodeRequestReplacesProcs() {
            JobSpec spec = withDirectives("#PBS -l procs=12", "#PBS -l nodes=2:ppn=4");
            assertEquals(4, spec.resources().coresPerNode());
            assertFalse(spec.recorded().containsKey("Resource_List.procs"));
        }

        @Test
        void cpuTimeFilesSoftwareHostAccessPolicyAndNiceAreRecorded() {
            JobSpec spec = withOptions("-l", "cput=90:00,pcput=10:00:60,file=10g,software=matlab,host=node07,"
                    + "naccesspolicy=singlejob,nice=5,place=scatter:excl");
            assertEquals(Map.of("Resource_List.cput", "01:30:00", "Resource_List.pcput", "10:01:00",
                    "Resource_List.file", "10gb", "Resource_List.software", "matlab", "Resource_List.host", "node07",
                    "Resource_List.naccesspolicy", "singlejob", "Resource_List.nice", "5",
                    "Resource_List.place", "scatter:excl"), spec.recorded());
            assertEquals(Resources.DEFAULT.coresPerNode(), spec.resources().coresPerNode());
        }
    }

    @Nested
    class QsubOptionsRecorded {
        @Test
        void projectGroupUmaskSandboxArgumentsKeepCheckpointAndXAreRecorded() {
            JobSpec spec = withDirectives("#PBS -P climate", "#PBS -W group_list=hpcusers,umask=022",
                    "#PBS -W sandbox=PRIVATE", "#PBS -F \"input.dat 42\"", "#PBS -k oe", "#PBS -c enabled", "#PBS -x");
            assertEquals(Map.of("project", "climate", "group_list", "hpcusers", "umask", "022", "sandbox", "PRIVATE",
                    "job_arguments", "input.dat 42", "Keep_Files", "oe", "Checkpoint", "enabled",
                    "interactive_script", "True"), spec.recorded());
        }

        @Test
        void scriptArgumentsAreSplitAsAShellSplitsThem() {
            JobSpec spec = withDirectives("#PBS -F \"input.dat 'two words' 3\"");
            assertEquals("input.dat 'two words' 3", spec.recorded().get(JobSpec.SCRIPT_ARGUMENTS));
            assertEquals(List.of("input.dat", "two words", "3"), spec.scriptArguments());
            assertEquals(List.of(), withDirectives("#PBS -N none").scriptArguments());
        }

        @Test
        void scriptArgumentsTravelToTheWorkerAndAnOrderWithoutThemIsAsBefore() {
            WireMessage.LaunchOrder order = aTask(1, "true").arguments("a", "b c").shells("/bin/tcsh").build();
            WireMessage.Launch back = (WireMessage.Launch) WireCodec.decodeFromHead(WireCodec.encode(
                    new WireMessage.Launch(3, order)));
            assertEquals(order, back.order());
            String plain = WireCodec.encode(new WireMessage.Launch(3, aTask(1, "true").build()));
            assertFalse(plain.contains("arguments") || plain.contains("shells"), plain);
            WireMessage.LaunchOrder withToken = order.withEnvironment(Map.of("TOKEN", "t"));
            assertEquals(List.of("a", "b c"), withToken.arguments(), "the spawn relay's copy keeps the arguments");
            assertEquals("/bin/tcsh", withToken.shells());
            assertEquals(Map.of("TOKEN", "t"), withToken.environment());
        }

        @Test
        void vmemCputAndFileBecomePerProcessLimitsTheSmallerFormWinning() {
            JobSpec spec = withDirectives("#PBS -l vmem=4gb,pvmem=1g\n#PBS -l cput=01:30:00,pcput=2:00:00\n"
                    + "#PBS -l file=100mb");
            assertEquals(new ProcessLimits(1L << 30, 5400, 100L << 20), ProcessLimits.of(spec.recorded()));
            assertEquals(new ProcessLimits(0, 60, 0), ProcessLimits.of(withDirectives("#PBS -l pcput=60").recorded()));
            assertEquals(new ProcessLimits(2L << 30, 0, 0),
                    ProcessLimits.of(withDirectives("#PBS -l vmem=2gb").recorded()));
            assertEquals(ProcessLimits.NONE, ProcessLimits.of(withDirectives("#PBS -l mem=1gb").recorded()));
            assertEquals(ProcessLimits.NONE, ProcessLimits.of(withDirectives("#PBS -l vmem=0").recorded()),
                    "0 is no limit");
        }

        @Test
        void processLimitsTravelToTheWorkerAndAnOrderWithoutThemIsAsBefore() {
            WireMessage.LaunchOrder order = aTask(1, "true").limits(new ProcessLimits(1L << 30, 90, 4096)).build();
            WireMessage.Launch back = (WireMessage.Launch) WireCodec.decodeFromHead(WireCodec.encode(
                    new WireMessage.Launch(3, order)));
            assertEquals(order, back.order());
            assertEquals(order.limits(), order.withEnvironment(Map.of("T", "t")).limits());
            String plain = WireCodec.encode(new WireMessage.Launch(3, aTask(1, "true").build()));
            assertFalse(plain.contains("Limit"), plain);
        }

        @Test
        void minusUNamesTheOwnerTheEntryWithoutAHostWinning() {
            JobSpec spec = withDirectives("#PBS -u bob");
            assertEquals("bob", spec.owner());
            assertEquals("bob", spec.recorded().get(JobSpec.USER_LIST));
            assertEquals("carol", withOptions("-u", "bob@login1,carol").owner());
            assertEquals("bob", withOptions("-u", "bob@login1,carol@login2").owner(), "else the first");
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> withOptions("-u", "b ob"));
            assertTrue(e.getMessage().contains("user or user@host"), e.getMessage());
            assertThrows(InvalidRequestException.class, () -> withOptions("-u", "bob@"));
            assertThrows(InvalidRequestException.class, () -> withOptions("-u", "bob,,carol"));
        }

        @Test
        void dependWithOtherAttributesInOneW() {
            JobSpec spec = withOptions("-W", "depend=afterok:1:2,group_list=g");
            assertEquals(List.of(1L, 2L), spec.dependencies().get(0).jobNumbers());
            assertEquals("g", spec.recorded().get("group_list"));
        }
    }

    @Nested
    class DirectivePrefix {
        private static final String SCRIPT = "#!/bin/bash\n#MYPBS -N mine\n#PBS -N plain\nhostname\n";

        @Test
        void theCommandLinePrefixReplacesPbs() {
            assertEquals("mine", submitted(SCRIPT, Map.of(), "-C", "#MYPBS").name());
            assertEquals("plain", submitted(SCRIPT, Map.of()).name());
        }

        @Test
        void anEmptyPrefixReadsNoPbsDirectivesButStillSbatchOnes() {
            JobSpec spec = submitted("#!/bin/bash\n#PBS -N plain\n#SBATCH -t 5\nhostname\n", Map.of(), "-C", "");
            assertEquals(SubmitParser.DEFAULT_NAME, spec.name());
            assertEquals(Duration.ofMinutes(5), spec.resources().walltime());
        }

        @Test
        void theSubmittersPbsDprefixIsTheDefaultAndMinusCWins() {
            assertEquals("mine", submitted(SCRIPT, Map.of("PBS_DPREFIX", "#MYPBS")).name());
            assertEquals("plain", submitted(SCRIPT, Map.of("PBS_DPREFIX", "#MYPBS"), "-C", "#PBS").name());
            assertEquals("plain", submitted(SCRIPT, Map.of("PBS_DPREFIX", "not a prefix")).name());
        }
    }

    @Nested
    class SlurmOptions {
        @Test
        void gpuCountsInEveryFormArePerNodeGenericResources() {
            assertEquals(Map.of("gpu", 4L), withDirectives("#SBATCH --gpus-per-node=4").resources().generic());
            assertEquals(Map.of("gpu", 2L), withDirectives("#SBATCH -N 2", "#SBATCH --gpus=3").resources().generic());
            assertEquals(Map.of("gpu", 8L), withDirectives("#SBATCH --ntasks-per-node=4", "#SBATCH --gpus-per-task=2")
                    .resources().generic());
        }

        @Test
        void aGpuTypeIsCountedMatchedAsGpuModelAndRecorded() {
            JobSpec spec = withDirectives("#SBATCH --gres=gpu:v100:2");
            assertEquals(Map.of("gpu", 2L), spec.resources().generic());
            assertEquals(Map.of("gpu_model", "v100"), spec.resources().constraint().resources());
            assertEquals("gpu:v100:2", spec.recorded().get("sbatch.gres"));
            Resources typeOnly = withDirectives("#SBATCH --gres=gpu:a100").resources();
            assertEquals(Map.of("gpu", 1L), typeOnly.generic());
            assertEquals(Map.of("gpu_model", "a100"), typeOnly.constraint().resources());
            JobSpec typed = withDirectives("#SBATCH --gpus-per-node=a100:4");
            assertEquals(Map.of("gpu", 4L), typed.resources().generic());
            assertEquals(Map.of("gpu_model", "a100"), typed.resources().constraint().resources());
            assertEquals("a100:4", typed.recorded().get("sbatch.gpus-per-node"));
        }
        @Test
        void placementQosSignalAndModeOptionsAreRecorded() {
            JobSpec spec = withDirectives("#SBATCH --reservation=maint", "#SBATCH -C skylake", "#SBATCH --exclusive",
                    "#SBATCH -w node[01-02]", "#SBATCH -x node03", "#SBATCH --qos=debug", "#SBATCH --hint=nomultithread",
                    "#SBATCH --signal=B:USR1@60", "#SBATCH --open-mode=append");
            assertEquals("skylake", spec.resources().constraint().features(), "-C is applied, not recorded");
            assertEquals(Map.of("sbatch.reservation", "maint", "sbatch.exclusive",
                    "True", "sbatch.nodelist", "node[01-02]", "sbatch.exclude", "node03", "sbatch.qos", "debug",
                    "sbatch.hint", "nomultithread", "Resource_List.signal", "B:USR1@60", "sbatch.open-mode", "append"),
                    spec.recorded());
            assertEquals("user", withDirectives("#SBATCH --exclusive=user").recorded().get("sbatch.exclusive"));
            assertEquals("maint", spec.queue(), "issue 19: --reservation sends the job to the reservation's queue");
        }

        @Test
        void requeueSetsRerunnable() {
            assertFalse(withDirectives("#SBATCH --no-requeue").rerunnable());
            assertTrue(withDirectives("#SBATCH --no-requeue", "#SBATCH --requeue").rerunnable());
        }

        @Test
        void mailTypesWithoutAQsubPointAreRecorded() {
            JobSpec spec = withDirectives("#SBATCH --mail-type=END,TIME_LIMIT_90", "#SBATCH --mail-user=a@b.org");
            assertEquals("e", spec.mailPoints());
            assertEquals("END,TIME_LIMIT_90", spec.recorded().get("sbatch.mail-type"));
            assertEquals("abe", withDirectives("#SBATCH --mail-type=ALL").mailPoints());
        }

        @Test
        void outputPathsWithPatternsAreKeptAsWrittenForTheHead() {
            JobSpec spec = withDirectives("#SBATCH -o logs/%x-%j.out", "#SBATCH -e /scratch/%u/%A_%a.err",
                    "#SBATCH -D /scratch/run");
            assertEquals(SUBMIT_DIR + "/logs/%x-%j.out", spec.stdoutPath());
            assertEquals("logs/%x-%j.out", spec.recorded().get(JobSpec.SLURM_OUTPUT));
            assertEquals("/scratch/%u/%A_%a.err", spec.recorded().get(JobSpec.SLURM_ERROR));
            assertEquals("/scratch/run", spec.workDir());
        }

        /** Issue 18: Slurm joins the streams in the -o file unless -e is given; -e alone leaves slurm-%j.out. */
        @Test
        void slurmSendsStandardErrorToTheOutputFileUnlessMinusEIsGiven() {
            JobSpec joined = withDirectives("#SBATCH -o run-%j.log");
            assertEquals(JoinMode.STDOUT_STDERR, joined.join());
            assertEquals("", joined.stderrPath(), "unused under the join: PBS's default name, as PBS shows it");
            assertFalse(joined.recorded().containsKey(JobSpec.SLURM_ERROR));
            assertEquals(JoinMode.STDOUT_STDERR, withDirectives("#SBATCH --output=run.log").join());

            JobSpec both = withDirectives("#SBATCH -o run.out", "#SBATCH -e run.err");
            assertEquals(JoinMode.NONE, both.join());
            assertEquals(SUBMIT_DIR + "/run.err", both.stderrPath());

            JobSpec errorOnly = withDirectives("#SBATCH -e run.err");
            assertEquals(SUBMIT_DIR + "/slurm-%j.out", errorOnly.stdoutPath());
            assertEquals("slurm-%j.out", errorOnly.recorded().get(JobSpec.SLURM_OUTPUT));
            assertEquals(JoinMode.NONE, errorOnly.join());
            assertEquals(SUBMIT_DIR + "/slurm-%A_%a.out",
                    withDirectives("#SBATCH -e run.err", "#SBATCH --array=1-3").stdoutPath());
            assertEquals("/scratch/run/slurm-%j.out",
                    withDirectives("#SBATCH -e run.err", "#SBATCH -D /scratch/run").stdoutPath(),
                    "Slurm's default is in the job's working directory");
        }

        @Test
        void pbsOutputOptionsKeepTheirMeaningBesideSbatchOnes() {
            JobSpec errorByPbs = withDirectives("#SBATCH -o run.out", "#PBS -e pbs.err");
            assertEquals(JoinMode.NONE, errorByPbs.join());
            assertEquals(SUBMIT_DIR + "/pbs.err", errorByPbs.stderrPath());
            JobSpec notJoined = withDirectives("#SBATCH -o run.out", "#PBS -j n");
            assertEquals(JoinMode.NONE, notJoined.join(), "an explicit -j wins");
            assertEquals("", notJoined.stderrPath(), "PBS's NAME.eNUMBER");
            JobSpec outputByQsub = submitted("#!/bin/bash\n#SBATCH -o run.out\nhostname\n", Map.of(), "-o", "/tmp/q.out");
            assertEquals(JoinMode.NONE, outputByQsub.join());
            assertEquals("", outputByQsub.stderrPath());
            assertEquals("", withDirectives("#SBATCH -t 5").stdoutPath(), "no #SBATCH -o/-e: PBS's names");
            JobSpec outputByPbs = withDirectives("#SBATCH -e run.err", "#PBS -o pbs.out");
            assertEquals(SUBMIT_DIR + "/pbs.out", outputByPbs.stdoutPath());
        }

        @Test
        void aQsubOutputPathReplacesThePatternOfAnSbatchOne() {
            JobSpec spec = submitted("#!/bin/bash\n#SBATCH -o out-%j\nhostname\n", Map.of(), "-o", "/tmp/plain%j");
            assertEquals("/tmp/plain%j", spec.stdoutPath());
            assertFalse(spec.recorded().containsKey(JobSpec.SLURM_OUTPUT));
        }
    }

    @Nested
    class Patterns {
        @Test
        void submitExpandsWhatTheHeadKnowsAndLeavesTheRest() {
            assertEquals("/l/job-42-alice-42.%a.%N%%",
                    SlurmPatterns.atSubmit("/l/%x-%j-%u-%A.%a.%N%%", 42, "job", "alice"));
            assertEquals("/l/0042", SlurmPatterns.atSubmit("/l/%4j", 42, "job", "alice"));
        }

        @Test
        void startExpandsTheIndexTheNodeAndPercent() {
            assertEquals("/l/7.n01%j", SlurmPatterns.atStart("/l/%a.%N%%j", 7, "n01.cluster"));
            assertEquals("/l/0.n01", SlurmPatterns.atStart("/l/%a.%N", -1, "n01"));
            assertEquals("/l/007", SlurmPatterns.atStart("/l/%3a", 7, "n01"));
        }

        @Test
        void aBackslashTurnsExpansionOff() {
            assertFalse(SlurmPatterns.expands("out\\%j"));
            assertEquals("out%j", SlurmPatterns.atSubmit("out\\%j", 42, "job", "alice"));
        }

        @Test
        void onlyAnUnescapedPercentANamesTheArrayIndex() {
            assertTrue(SlurmPatterns.namesArrayIndex("%A_%a.out"));
            assertFalse(SlurmPatterns.namesArrayIndex("%A_%%a.out"));
            assertFalse(SlurmPatterns.namesArrayIndex("%A.out"));
        }
    }

    @Nested
    class Storage {
        @Test
        void recordedDirectivesSurviveTheCodec() {
            JobSpec spec = withDirectives("#PBS -P climate -l vmem=4gb", "#SBATCH --qos=debug");
            JobSpec back = Codec.readSpec(Json.readObject(Json.write(Codec.toMap(spec))));
            assertEquals(spec, back);
        }

        /** The head restores jobs stored before issue 18; their bodies have no recorded field. */
        @Test
        void aBodyWithoutRecordedReadsAsNothingRecorded() {
            JobSpec spec = withDirectives("#PBS -N old");
            Map<String, Object> body = Codec.toMap(spec);
            assertFalse(body.containsKey("recorded"), "an empty record is left out of the body");
            assertEquals(Map.of(), Codec.readSpec(Json.readObject(Json.write(body))).recorded());
        }
    }
}
