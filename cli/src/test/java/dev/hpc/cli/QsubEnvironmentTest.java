package dev.hpc.cli;

import dev.hpc.api.job.JobSpec;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.api.pbs.SubmitDefaults;
import dev.hpc.api.pbs.SubmitParser;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.api.testkit.FakeHead;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static dev.hpc.cli.TestJobs.aQueuedJob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #15 ("Security II"): qsub sends what OpenPBS's qsub sends, the sources of the {@code PBS_O_*}
 * set, the variables {@code -v} names and everything only with {@code -V} (or their {@code #PBS} and
 * {@code #SBATCH --export} forms), and never the cluster's credentials, whatever the options say.
 * Before the fix qsub sent the caller's whole environment, token included, on every submission.
 */
class QsubEnvironmentTest {
    private static final String TOKEN_VALUE = "alice-secret-api-token-value";
    private static final String SPAWN_VALUE = "alice-secret-spawn-token-value";

    /** The caller's environment: the PBS_O_* sources, two credentials, and variables nobody asked for. */
    private static final Map<String, String> CALLER = callerEnvironment();

    /** What every submission carries: the sources of the PBS_O_* set, and the submit host's system. */
    private static final Set<String> BASE = Set.of("HOME", "LANG", "LOGNAME", "PATH", "MAIL", "SHELL", "TZ",
            "PBS_O_SYSTEM");

    @TempDir
    Path tmp;
    private FakeHead head;

    private static Map<String, String> callerEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", "/home/alice");
        env.put("LANG", "C.UTF-8");
        env.put("LOGNAME", "alice");
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("MAIL", "/var/mail/alice");
        env.put("SHELL", "/bin/bash");
        env.put("TZ", "Europe/Paris");
        env.put("HPC_TOKEN", TOKEN_VALUE);
        env.put("HPC_TOKEN_FILE", "/home/alice/.hpc/other-token");
        env.put("HPC_SPAWN_TOKEN", SPAWN_VALUE);
        env.put("AWS_SECRET_ACCESS_KEY", "not-for-the-job-unless-asked");
        env.put("FOO", "foo value");
        env.put("BAR", "bar of the caller");
        return Map.copyOf(env);
    }

    @BeforeEach
    void startHead() throws Exception {
        head = new FakeHead(r -> FakeHead.Reply.json(201, Map.of("id", "3.cluster", "job",
                Codec.toMap(aQueuedJob(3, "x"), false))));
        Path token = tmp.resolve("token");
        dev.hpc.api.client.ApiToken.install(token, "test-token-of-the-qsub-environment-test");
    }

    @AfterEach
    void stopHead() {
        head.close();
    }

    /** Runs qsub as a caller with {@link #CALLER}'s environment, from {@code tmp}, the script on stdin. */
    private SubmitRequest qsub(String script, String... options) {
        List<String> args = new ArrayList<>(List.of("qsub", "--server", head.address(), "--token-file",
                tmp.resolve("token").toString()));
        args.addAll(List.of(options));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = HpcMain.commandLine(new PrintWriter(out), new PrintWriter(err));
        Invocation caller = new Invocation(CALLER, tmp, new ByteArrayInputStream(
                script.getBytes(StandardCharsets.UTF_8)), false);
        int code = Invocation.runAs(caller, () -> cl.execute(args.toArray(String[]::new)));
        assertEquals(0, code, "qsub failed: " + err);
        assertEquals(1, head.requests.size(), "one submission");
        return Codec.readSubmitRequest(Json.readObject(head.requests.get(0).body()));
    }

    private String sentBody() {
        return head.requests.get(0).body();
    }

    private void assertNoCredentialSent(SubmitRequest sent) {
        for (String credential : List.of("HPC_TOKEN", "HPC_TOKEN_FILE", "HPC_SPAWN_TOKEN")) {
            assertFalse(sent.clientEnvironment().containsKey(credential), credential + " was sent: "
                    + sent.clientEnvironment().keySet());
        }
        assertFalse(sentBody().contains(TOKEN_VALUE), "the token's text is nowhere in the request");
        assertFalse(sentBody().contains(SPAWN_VALUE), "the spawn token's text is nowhere in the request");
    }

    private static JobSpec parsedByTheHead(SubmitRequest sent) {
        return SubmitParser.parse(new SubmitRequest(sent.script(), sent.options(), "alice", sent.submitHost(),
                sent.submitDir(), sent.clientEnvironment()), new SubmitDefaults("batch", true));
    }

    @Test
    void withoutVOrVOnlyThePbsOSourcesAreSent() {
        SubmitRequest sent = qsub("#!/bin/sh\ntrue\n");
        assertEquals(new TreeSet<>(BASE), new TreeSet<>(sent.clientEnvironment().keySet()));
        assertEquals("/home/alice", sent.clientEnvironment().get("HOME"));
        assertNoCredentialSent(sent);
        assertFalse(sentBody().contains("not-for-the-job-unless-asked"));

        Map<String, String> env = parsedByTheHead(sent).environment();
        assertEquals("/home/alice", env.get("PBS_O_HOME"));
        assertEquals("/usr/local/bin:/usr/bin:/bin", env.get("PBS_O_PATH"));
        assertEquals("alice", env.get("PBS_O_LOGNAME"));
        assertEquals("Europe/Paris", env.get("PBS_O_TZ"));
        assertEquals(tmp.toAbsolutePath().toString(), env.get("PBS_O_WORKDIR"));
        assertFalse(env.getOrDefault("PBS_O_SYSTEM", "").isEmpty(), "PBS_O_SYSTEM names the submit host's system");
        assertFalse(env.containsKey("FOO"), "nothing was asked for: " + env);
        assertFalse(env.containsKey("HOME"), "HOME itself is the job's own, as PBS_O_HOME is the caller's");
    }

    @Test
    void dashLittleVSendsTheNamedVariablesAndAGivenValueNeedsNothingFromTheCaller() {
        SubmitRequest sent = qsub("#!/bin/sh\ntrue\n", "-v", "FOO,BAR=given here");
        Set<String> expected = new TreeSet<>(BASE);
        expected.add("FOO");
        assertEquals(expected, new TreeSet<>(sent.clientEnvironment().keySet()),
                "BAR=value takes nothing from the caller");
        assertNoCredentialSent(sent);
        Map<String, String> env = parsedByTheHead(sent).environment();
        assertEquals("foo value", env.get("FOO"));
        assertEquals("given here", env.get("BAR"));
        assertFalse(env.containsKey("AWS_SECRET_ACCESS_KEY"));
    }

    @Test
    void aDirectiveInTheScriptAsksAsTheOptionDoes() {
        SubmitRequest sent = qsub("#!/bin/sh\n#PBS -N named\n#PBS -v FOO\ntrue\n");
        assertTrue(sent.clientEnvironment().containsKey("FOO"), sent.clientEnvironment().keySet().toString());
        assertFalse(sent.clientEnvironment().containsKey("BAR"));
        assertEquals("foo value", parsedByTheHead(sent).environment().get("FOO"));
    }

    @Test
    void dashBigVSendsEverythingButTheCredentials() {
        SubmitRequest sent = qsub("#!/bin/sh\ntrue\n", "-V");
        Set<String> expected = new TreeSet<>(CALLER.keySet());
        expected.removeAll(Set.of("HPC_TOKEN", "HPC_TOKEN_FILE", "HPC_SPAWN_TOKEN"));
        expected.add("PBS_O_SYSTEM");
        assertEquals(expected, new TreeSet<>(sent.clientEnvironment().keySet()));
        assertNoCredentialSent(sent);
        Map<String, String> env = parsedByTheHead(sent).environment();
        assertEquals("not-for-the-job-unless-asked", env.get("AWS_SECRET_ACCESS_KEY"), "-V asked for it");
        assertFalse(env.containsKey("HPC_TOKEN"));
    }

    @Test
    void aScriptDirectiveDashBigVIsDashBigV() {
        SubmitRequest sent = qsub("#!/bin/sh\n#PBS -V\ntrue\n");
        assertTrue(sent.clientEnvironment().containsKey("AWS_SECRET_ACCESS_KEY"));
        assertNoCredentialSent(sent);
    }

    @Test
    void namingCredentialsWithDashLittleVStillSendsNone() {
        SubmitRequest sent = qsub("#!/bin/sh\n#PBS -v HPC_SPAWN_TOKEN\ntrue\n", "-v", "HPC_TOKEN,HPC_TOKEN_FILE", "-V");
        assertNoCredentialSent(sent);
    }

    @Test
    void sbatchExportAllNoneAndAListAreHonoured() throws Exception {
        SubmitRequest all = qsub("#!/bin/sh\n#SBATCH --export=ALL\ntrue\n");
        assertTrue(all.clientEnvironment().containsKey("AWS_SECRET_ACCESS_KEY"));
        assertNoCredentialSent(all);

        head.requests.clear();
        SubmitRequest none = qsub("#!/bin/sh\n#SBATCH --export=NONE\ntrue\n");
        assertEquals(new TreeSet<>(BASE), new TreeSet<>(none.clientEnvironment().keySet()));

        head.requests.clear();
        SubmitRequest list = qsub("#!/bin/sh\n#SBATCH --export=FOO,BAR=x\ntrue\n");
        Set<String> expected = new TreeSet<>(BASE);
        expected.add("FOO");
        assertEquals(expected, new TreeSet<>(list.clientEnvironment().keySet()));
        Map<String, String> env = parsedByTheHead(list).environment();
        assertEquals("foo value", env.get("FOO"));
        assertEquals("x", env.get("BAR"));
    }

    @Test
    void aScriptFromAFileAsksThroughItsDirectivesToo() throws Exception {
        Path script = Files.writeString(tmp.resolve("job.sh"), "#!/bin/sh\n#PBS -v BAR\ntrue\n");
        SubmitRequest sent = qsub("", script.toString());
        assertTrue(sent.clientEnvironment().containsKey("BAR"));
        assertFalse(sent.clientEnvironment().containsKey("FOO"));
    }
}
