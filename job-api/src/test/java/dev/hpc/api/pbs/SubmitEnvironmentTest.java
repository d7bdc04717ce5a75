package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #15 ("Security II"): what of the submitter's environment a submission asks for and what a job
 * gets of it, as OpenPBS's qsub has it, and the cluster's credentials never, whatever the options.
 */
class SubmitEnvironmentTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-10T12:00:00Z"), ZoneOffset.UTC);
    private static final Map<String, String> CLIENT = client();

    private static Map<String, String> client() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", "/home/alice");
        env.put("PATH", "/usr/bin:/bin");
        env.put("LOGNAME", "alice");
        env.put("EDITOR", "vi");
        env.put("HPC_TOKEN", "the-token");
        env.put("HPC_TOKEN_FILE", "/home/alice/.hpc/token");
        env.put("HPC_SPAWN_TOKEN", "the-spawn-token");
        env.put("PBS_O_WORKDIR", "/stale/from/a/parent/job");
        env.put("PBS_O_SYSTEM", "Linux");
        return Map.copyOf(env);
    }

    private static JobSpec parse(String script, String... options) {
        return SubmitParser.parse(new SubmitRequest(script, List.of(options), "alice", "login1", "/home/alice/run",
                CLIENT), SubmitDefaults.STANDARD, CLOCK);
    }

    private static String refusal(String script, String... options) {
        return assertThrows(InvalidRequestException.class, () -> parse(script, options)).getMessage();
    }

    @Test
    void whatASubmissionAsksForIsReadFromTheDirectivesAndTheOptions() {
        assertEquals(SubmitEnvironment.Wanted.NOTHING, SubmitEnvironment.wanted("#!/bin/sh\ntrue\n", List.of()));
        assertEquals(new SubmitEnvironment.Wanted(false, Set.of("A", "C")), SubmitEnvironment.wanted(
                "#!/bin/sh\n#PBS -v A,B=2\ntrue\n", List.of("-N", "x", "-v", "C")));
        assertEquals(new SubmitEnvironment.Wanted(true, Set.of()), SubmitEnvironment.wanted(
                "#!/bin/sh\n#PBS -V\ntrue\n", List.of()));
        assertEquals(new SubmitEnvironment.Wanted(true, Set.of()), SubmitEnvironment.wanted(
                "#!/bin/sh\ntrue\n", List.of("-hV")));
        assertEquals(new SubmitEnvironment.Wanted(true, Set.of("X")), SubmitEnvironment.wanted(
                "#!/bin/sh\n#SBATCH --export=ALL,X,Y=1\ntrue\n", List.of()));
        assertEquals(new SubmitEnvironment.Wanted(false, Set.of()), SubmitEnvironment.wanted(
                "#!/bin/sh\n#SBATCH --export=NONE\ntrue\n", List.of()));
        assertEquals(new SubmitEnvironment.Wanted(false, Set.of()), SubmitEnvironment.wanted(
                "#!/bin/sh\ntrue\n#PBS -V\n", List.of()), "a directive below the first command is a comment");
    }

    @Test
    void whatIsSentIsThePassedOnSetTheNamedVariablesOrWithAllEverythingButCredentials() {
        assertEquals(Map.of("HOME", "/home/alice", "PATH", "/usr/bin:/bin", "LOGNAME", "alice"),
                SubmitEnvironment.toSend(SubmitEnvironment.Wanted.NOTHING, CLIENT));
        assertEquals(Map.of("HOME", "/home/alice", "PATH", "/usr/bin:/bin", "LOGNAME", "alice", "EDITOR", "vi"),
                SubmitEnvironment.toSend(new SubmitEnvironment.Wanted(false, Set.of("EDITOR", "UNSET")), CLIENT));
        assertEquals(Map.of("HOME", "/home/alice", "PATH", "/usr/bin:/bin", "LOGNAME", "alice", "EDITOR", "vi"),
                SubmitEnvironment.toSend(new SubmitEnvironment.Wanted(true, Set.of("HPC_TOKEN")), CLIENT),
                "never a credential, and not the caller's own PBS_O_*");
    }

    @Test
    void aCopyOfTheWholeEnvironmentLeavesOutCredentialsAClientSentAllTheSame() {
        Map<String, String> env = parse("#!/bin/sh\ntrue\n", "-V").environment();
        assertEquals("vi", env.get("EDITOR"));
        for (String credential : SubmitEnvironment.CREDENTIALS) {
            assertFalse(env.containsKey(credential), credential + " in " + env.keySet());
        }
        assertFalse(env.containsValue("the-token"));
        assertEquals("/home/alice/run", env.get("PBS_O_WORKDIR"), "qsub's own, not the client's stale copy");
        assertEquals("Linux", env.get("PBS_O_SYSTEM"), "the submit host's system passes as qsub sent it");
        assertEquals("/home/alice", env.get("PBS_O_HOME"));
    }

    @Test
    void withoutAnExportAnSbatchScriptGetsWhatQsubGivesNotTheWholeEnvironment() {
        Map<String, String> env = parse("#!/bin/sh\n#SBATCH -J x\ntrue\n").environment();
        assertFalse(env.containsKey("EDITOR"), env.keySet().toString());
        assertEquals("vi", parse("#!/bin/sh\n#SBATCH --export=ALL\ntrue\n").environment().get("EDITOR"));
        Map<String, String> listed = parse("#!/bin/sh\n#SBATCH --export=\"EDITOR,N='a,b'\"\ntrue\n").environment();
        assertEquals("vi", listed.get("EDITOR"));
        assertEquals("a,b", listed.get("N"));
        assertFalse(parse("#!/bin/sh\n#SBATCH --export=NONE\ntrue\n").environment().containsKey("EDITOR"));
    }

    @Test
    void noneCombinedWithOthersIsRefused() {
        assertEquals("line 2: --export: --export=NONE cannot be combined with other entries, got 'NONE,A=1'; write "
                + "NONE, ALL, or NAME[=value],... with or without ALL in front",
                refusal("#!/bin/sh\n#SBATCH --export=NONE,A=1\ntrue\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-v HPC_TOKEN", "-v HPC_TOKEN=mine", "-v A=1,HPC_TOKEN_FILE", "-v HPC_SPAWN_TOKEN=x"})
    void namingACredentialIsRefusedAndSaysWhatToDo(String option) {
        String[] words = option.split(" ");
        String message = refusal("#!/bin/sh\ntrue\n", words);
        String name = words[1].replaceAll(".*?(HPC_[A-Z_]+).*", "$1");
        assertEquals("option -v: " + name + " is one of the cluster's credentials (HPC_SPAWN_TOKEN, HPC_TOKEN, "
                + "HPC_TOKEN_FILE) and is never passed to a job: a job runs as you, and its commands find your token "
                + "in ~/.hpc/token; leave " + name + " out of the job's variables", message);
    }

    @Test
    void aDirectiveOrAnExportNamingACredentialIsRefusedToo() {
        assertTrue(refusal("#!/bin/sh\n#PBS -v HPC_TOKEN\ntrue\n").startsWith("line 2: -v: HPC_TOKEN is one of"));
        assertTrue(refusal("#!/bin/sh\n#SBATCH --export=ALL,HPC_TOKEN=x\ntrue\n")
                .startsWith("line 2: --export: HPC_TOKEN is one of"));
    }
}
