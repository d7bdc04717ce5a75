package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.client.HpcApiException;
import dev.hpc.api.job.Job;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.api.testkit.FakeHead;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static dev.hpc.cli.TestJobs.aBusyNode;
import static dev.hpc.cli.TestJobs.aCompletedJob;
import static dev.hpc.cli.TestJobs.aFreeNode;
import static dev.hpc.cli.TestJobs.aQueuedJob;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands end to end against a fake head: what they print, to which stream, and their exit codes. */
class CommandsTest {
    private static final Job ONE = aCompletedJob(1, "hello", Duration.ofSeconds(1), 0);
    private static final Job TWO = aQueuedJob(2, "second");

    @TempDir
    Path tmp;

    private FakeHead head;

    record Run(int code, String out, String err) {
    }

    @BeforeEach
    void startHead() throws Exception {
        head = new FakeHead(CommandsTest::route);
    }

    @AfterEach
    void stopHead() {
        head.close();
    }

    private static FakeHead.Reply route(FakeHead.Request r) {
        String p = r.rawPath();
        if (r.method().equals("POST") && p.equals("/api/v1/jobs")) {
            return FakeHead.Reply.json(201, Map.of("id", "3.cluster", "job", Codec.toMap(aQueuedJob(3, "x"), true)));
        }
        if (p.equals("/api/v1/jobs")) {
            return r.query().contains("after=1") ? FakeHead.Reply.page(List.of(TWO), 2, null)
                    : FakeHead.Reply.page(List.of(ONE), 2, "1");
        }
        if (p.startsWith("/api/v1/jobs/1")) {
            return FakeHead.Reply.job(ONE);
        }
        if (p.startsWith("/api/v1/jobs/2/hold")) {
            return FakeHead.Reply.error(409, "NOT_ALLOWED", "job 2.cluster is running: only queued jobs can be held");
        }
        if (p.startsWith("/api/v1/jobs/2")) {
            return FakeHead.Reply.job(TWO);
        }
        if (p.startsWith("/api/v1/jobs/")) {
            return FakeHead.Reply.error(404, "UNKNOWN_JOB", "no such job");
        }
        if (p.equals("/api/v1/report/records")) {
            return FakeHead.Reply.json(200, Json.readAny("""
                    {"cluster": "cluster", "start": "2026-12-01T00:00:00Z", "end": "2026-12-02T00:00:00Z",
                     "records": [{"time": "2026-12-01T10:00:00Z", "type": "Q", "id": "1.cluster",
                                  "message": "queue=batch"},
                                 {"time": "2026-12-01T10:00:05Z", "type": "E", "id": "1.cluster",
                                  "message": "user=alice jobname=x queue=batch end=1764583205 Exit_status=0"}]}
                    """));
        }
        if (p.equals("/api/v1/report")) {
            return FakeHead.Reply.json(200, REPORT);
        }
        if (p.equals("/api/v1/events/log")) {
            return FakeHead.Reply.json(200, Map.of("events", List.of()));
        }
        if (p.equals("/api/v1/nodes")) {
            return FakeHead.Reply.nodes(List.of(aFreeNode("node1"), aBusyNode("node2", "2.cluster")));
        }
        if (p.equals("/api/v1/nodes/node1")) {
            return FakeHead.Reply.json(200, Codec.toMap(aFreeNode("node1")));
        }
        return FakeHead.Reply.error(404, "UNKNOWN_NODE", "no such node");
    }

    private Run run(String... args) {
        return run(Optional.empty(), args);
    }

    private Run run(Optional<String> stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = HpcMain.commandLine(new PrintWriter(out), new PrintWriter(err));
        stdin.ifPresent(s -> ((QsubCommand) cl.getSubcommands().get("qsub").getCommand()).stdin =
                new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)));
        int code = cl.execute(withTestToken(args));
        return new Run(code, out.toString(), err.toString());
    }

    private static final String TOKEN = "test-token-of-the-commands-test";

    /** After {@code --server ADDRESS}: a private token file of this test, never the machine's ~/.hpc/token. */
    private String[] withTestToken(String[] args) {
        List<String> out = new java.util.ArrayList<>(List.of(args));
        int server = out.indexOf("--server");
        if (server >= 0 && server + 1 < out.size()) {
            Path file = tmp.resolve("token");
            if (!Files.exists(file)) {
                dev.hpc.api.client.ApiToken.install(file, TOKEN);
            }
            out.add(server + 2, file.toString());
            out.add(server + 2, "--token-file");
        }
        return out.toArray(String[]::new);
    }

    private SubmitRequest submitted() {
        return Codec.readSubmitRequest(Json.readObject(head.requests.get(0).body()));
    }

    @Test
    void qsubPrintsTheJobIdAloneAndSendsTheScriptFile() throws Exception {
        Path script = tmp.resolve("job.sh");
        Files.writeString(script, "#!/bin/sh\necho hi\n");

        Run r = run("qsub", "--server", head.address(), "-l", "walltime=10", script.toString(), "-j", "oe");

        assertEquals(new Run(0, "3.cluster\n", ""), r);
        SubmitRequest sent = submitted();
        assertEquals("#!/bin/sh\necho hi\n", sent.script());
        assertEquals(List.of("-N", "job.sh", "-l", "walltime=10", "-j", "oe"), sent.options());
        assertEquals("", sent.user(), "the head takes the user from the token");
        assertEquals(System.getProperty("user.dir"), sent.submitDir());
        assertEquals(Hosts.shortName(), sent.submitHost());
        assertEquals(QsubCommand.environmentToSend(sent.script(), sent.options(), System.getenv()),
                sent.clientEnvironment(), "what the options ask for, not the whole environment (issue #15)");
        assertEquals("Bearer " + TOKEN, head.requests.get(0).authorization());
    }

    /** Regression: picocli took '--' as its own end of options, so qsub read the command as a script file. */
    @Test
    void qsubSubmitsTheCommandAfterDoubleDash() {
        Run r = run("qsub", "--server", head.address(), "-N", "sh", "--", "/bin/sh", "-c", "echo $PBS_JOBID");

        assertEquals(new Run(0, "3.cluster\n", ""), r);
        assertEquals("#!/bin/sh\nexec '/bin/sh' '-c' 'echo $PBS_JOBID'\n", submitted().script());
        assertEquals(List.of("-N", "sh"), submitted().options());
    }

    /** Issue 19: qsub -I refuses what an interactive session cannot do before it submits anything. */
    @Test
    void qsubInteractiveRefusesX11AScriptAndArraysSayingWhatToDo() {
        Run x = run("qsub", "--server", head.address(), "-I", "-X");
        assertEquals(2, x.code());
        assertTrue(x.err().contains("-X (X11 forwarding) is not supported"), x.err());

        Run script = run("qsub", "--server", head.address(), "-I", "job.sh");
        assertEquals(2, script.code());
        assertTrue(script.err().contains("qsub -I takes no script or command"), script.err());

        Run array = run("qsub", "--server", head.address(), "-I", "-J", "1-3");
        assertEquals(2, array.code());
        assertTrue(array.err().contains("drop the array option"), array.err());
    }

    @Test
    void theSizeOfATerminalIsReadFromSttySize() {
        assertArrayEquals(new int[] {40, 120}, LocalTerminal.parseSize("40 120\n"));
        assertArrayEquals(new int[] {0, 0}, LocalTerminal.parseSize(""));
        assertArrayEquals(new int[] {0, 0}, LocalTerminal.parseSize("0 0"));
    }

    @Test
    void qsubReadsStandardInputWithoutAScript() {
        Run r = run(Optional.of("#PBS -N piped\nhostname\n"), "qsub", "--server", head.address(), "-h");

        assertEquals(0, r.code());
        assertEquals("#PBS -N piped\nhostname\n", submitted().script());
        assertEquals(List.of("-h"), submitted().options());
    }

    @Test
    void benchSubmitRefusesToMeasureNothing() {
        Run nothing = run("bench", "submit", "--server", head.address(), "--no-single", "--qsub", "0");

        assertEquals(2, nothing.code(), nothing.err());
        assertTrue(nothing.err().contains("nothing to measure: --no-single with neither --batch N nor --qsub N"),
                nothing.err());
        assertEquals(0, head.requests.size(), "no job was submitted");
    }

    @Test
    void qsubErrors() {
        Run missing = run("qsub", "--server", head.address(), tmp.resolve("gone.sh").toString());
        Run usage = run("qsub", "--server", head.address(), "-Y", "x.sh");

        assertEquals(1, missing.code());
        assertEquals("qsub: script file '" + tmp.resolve("gone.sh") + "' cannot be loaded: no such file\n",
                missing.err());
        assertEquals(2, usage.code());
        assertTrue(usage.err().startsWith("qsub: invalid option -- 'Y'\n"), usage.err());
        assertEquals(0, head.requests.size());
    }

    @Test
    void qstatPagesThroughTheWholeListing() {
        Run r = run("qstat", "--server", head.address());

        assertEquals(0, r.code());
        assertEquals(QstatFormat.HEADER + "\n"
                + "1.cluster                 hello            alice           00:00:01 C batch\n"
                + "2.cluster                 second           alice                  0 Q batch\n", r.out());
        assertEquals(2, head.requests.size());
    }

    @Test
    void qstatShowsKnownIdsThenReportsUnknownOnes() {
        Run r = run("qstat", "--server", head.address(), "1", "99", "2.cluster", "abc");

        assertEquals(153, r.code());
        assertTrue(r.out().contains("\n1.cluster "), r.out());
        assertTrue(r.out().contains("\n2.cluster "), r.out());
        assertTrue(r.err().startsWith("qstat: Unknown Job Id 99\nqstat: 'abc' is not a job id"), r.err());
    }

    @Test
    void qstatFullJsonAndDsv() {
        Run full = run("qstat", "--server", head.address(), "-f", "1");
        Run json = run("qstat", "--server", head.address(), "-f", "-F", "json", "-x");
        Run dsv = run("qstat", "--server", head.address(), "-f", "-F", "dsv", "-D", ";", "1");
        Run badFormat = run("qstat", "--server", head.address(), "-f", "-F", "xml");
        Run delimiterWithoutDsv = run("qstat", "--server", head.address(), "-f", "-D", ";", "1");
        Run emptyDelimiter = run("qstat", "--server", head.address(), "-f", "-F", "dsv", "-D", "", "1");

        assertEquals(0, dsv.code(), dsv.err());
        assertTrue(dsv.out().startsWith("Job Id: 1.cluster;Job_Name=hello;"), dsv.out());
        assertEquals(1, dsv.out().lines().count(), dsv.out());
        assertEquals(new Run(2, "", "qstat: -D ; sets the delimiter of -F dsv; add -f -F dsv, or leave -D out\n"),
                delimiterWithoutDsv);
        assertEquals(2, emptyDelimiter.code());
        assertTrue(emptyDelimiter.err().contains("-D needs a delimiter"), emptyDelimiter.err());
        assertTrue(badFormat.err().contains("the formats are json and dsv"), badFormat.err());

        assertTrue(full.out().startsWith("Job Id: 1.cluster\n    Job_Name = hello\n"), full.out());
        assertEquals(Map.of("1.cluster", "F", "2.cluster", "Q"), Map.of(
                "1.cluster", Json.readObject(json.out()).object("Jobs").object("1.cluster").string("job_state"),
                "2.cluster", Json.readObject(json.out()).object("Jobs").object("2.cluster").string("job_state")));
        assertTrue(head.requests.stream().anyMatch(q -> q.query().contains("history=true")));
        assertEquals(2, badFormat.code());
    }

    @Test
    void qdelGoesOnAfterAnUnknownIdAndPrintsNothingOnSuccess() {
        Run r = run("qdel", "--server", head.address(), "1", "99", "2");

        assertEquals(new Run(153, "", "qdel: Unknown Job Id 99\n"), r);
        assertEquals(List.of("/api/v1/jobs/1/cancel", "/api/v1/jobs/99/cancel", "/api/v1/jobs/2/cancel"),
                head.requests.stream().map(FakeHead.Request::rawPath).toList());
    }

    @Test
    void qholdRefusedIsExitOneWithTheHeadsMessage() {
        Run r = run("qhold", "--server", head.address(), "2");
        Run ok = run("qrls", "--server", head.address(), "-h", "u", "1");

        assertEquals(new Run(1, "", "qhold: job 2.cluster is running: only queued jobs can be held (2)\n"), r);
        assertEquals(new Run(0, "", ""), ok);
    }

    @Test
    void qmoveSendsTheQueueForEachIdAndRefusesADestinationWithoutOne() {
        Run r = run("qmove", "--server", head.address(), "debug@cluster", "1", "99");
        Run noQueue = run("qmove", "--server", head.address(), "@cluster", "1");
        Run noId = run("qmove", "--server", head.address(), "debug");

        assertEquals(new Run(153, "", "qmove: Unknown Job Id 99\n"), r);
        assertEquals(List.of("/api/v1/jobs/1/move", "/api/v1/jobs/99/move"),
                head.requests.stream().map(FakeHead.Request::rawPath).toList());
        assertEquals("{\"queue\":\"debug\"}", head.requests.get(0).body().replace(" ", ""));
        assertEquals(2, noQueue.code());
        assertTrue(noQueue.err().contains("names no queue"), noQueue.err());
        assertEquals(2, noId.code());
        assertTrue(noId.err().contains("qmove DEST ID..."), noId.err());
    }

    @Test
    void qrerunAndTracejob() {
        Run rerun = run("qrerun", "--server", head.address(), "1");
        Run trace = run("tracejob", "--server", head.address(), "1");
        Run oneTask = run("tracejob", "--server", head.address(), "1[2]");

        assertEquals(new Run(0, "", ""), rerun);
        assertEquals("/api/v1/jobs/1/rerun", head.requests.get(0).rawPath());
        assertEquals(0, trace.code(), trace.err());
        assertTrue(trace.out().startsWith("Job: 1.cluster\n\n"), trace.out());
        assertTrue(head.requests.stream().anyMatch(q -> q.rawPath().equals("/api/v1/events/log")
                && q.query().contains("job=1.cluster")), head.requests.toString());
        assertEquals(2, oneTask.code());
    }

    @Test
    void qsigSendsTheCanonicalSignalAndRefusesAMisspeltOneWithoutARequest() {
        Run dflt = run("qsig", "--server", head.address(), "1");
        Run usr1 = run("qsig", "--server", head.address(), "-s", "sigusr1", "1", "99");
        int sent = head.requests.size();
        Run bad = run("qsig", "--server", head.address(), "-s", "SIGFOO", "1");
        Run suspend = run("qsig", "--server", head.address(), "-s", "suspend", "1");

        assertEquals(new Run(0, "", ""), dflt);
        assertEquals(new Run(153, "", "qsig: Unknown Job Id 99\n"), usr1);
        assertEquals(List.of("/api/v1/jobs/1/signal", "/api/v1/jobs/1/signal", "/api/v1/jobs/99/signal"),
                head.requests.stream().map(FakeHead.Request::rawPath).toList());
        assertEquals("{\"signal\":\"TERM\"}", head.requests.get(0).body().replace(" ", ""));
        assertEquals("{\"signal\":\"USR1\"}", head.requests.get(1).body().replace(" ", ""));
        assertEquals(sent, head.requests.size(), "a bad signal is refused before any request");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("'SIGFOO' is not a signal name"), bad.err());
        assertEquals(2, suspend.code());
        assertTrue(suspend.err().contains("-s STOP"), suspend.err());
    }

    @Test
    void qmsgWritesToStandardErrorByDefaultAndToBothWithBothOptions() {
        Run dflt = run("qmsg", "--server", head.address(), "checkpoint now", "1");
        Run both = run("qmsg", "--server", head.address(), "-E", "-O", "hello", "1");
        Run noId = run("qmsg", "--server", head.address(), "hello");

        assertEquals(new Run(0, "", ""), dflt);
        assertEquals(new Run(0, "", ""), both);
        List<String> bodies = head.requests.stream().map(q -> q.body().replace(" ", "")).toList();
        assertEquals(List.of("{\"stream\":\"stderr\",\"message\":\"checkpointnow\"}",
                "{\"stream\":\"stdout\",\"message\":\"hello\"}", "{\"stream\":\"stderr\",\"message\":\"hello\"}"),
                bodies.stream().map(b -> b.startsWith("{\"message") ? reorder(b) : b).toList());
        assertEquals("/api/v1/jobs/1/message", head.requests.get(0).rawPath());
        assertEquals(2, noId.code());
        assertTrue(noId.err().contains("qmsg [-E] [-O] MESSAGE ID..."), noId.err());
    }

    /** The two fields of a message body in one order, whichever the client wrote. */
    private static String reorder(String body) {
        JsonFields f = Json.readObject(body);
        return "{\"stream\":\"" + f.string("stream") + "\",\"message\":\"" + f.string("message") + "\"}";
    }

    @Test
    void qorderSendsTheSecondJobAndWantsExactlyTwo() {
        Run ok = run("qorder", "--server", head.address(), "1", "2");
        Run unknown = run("qorder", "--server", head.address(), "99", "1");
        Run one = run("qorder", "--server", head.address(), "1");

        assertEquals(new Run(0, "", ""), ok);
        assertEquals("/api/v1/jobs/1/order", head.requests.get(0).rawPath());
        assertEquals("{\"with\":\"2\"}", head.requests.get(0).body().replace(" ", ""));
        assertEquals(new Run(153, "", "qorder: Unknown Job Id 99 or 1\n"), unknown);
        assertEquals(2, one.code());
        assertTrue(one.err().contains("qorder swaps exactly two jobs"), one.err());
    }

    private static final Object REPORT = Json.readAny("""
            {"cluster": "cluster", "start": "2026-12-01T00:00:00Z", "end": "2026-12-02T00:00:00Z",
             "generated": "2026-12-02T00:00:00Z", "filter": {"user": "", "account": "", "queue": ""},
             "total": {"jobs": 3, "completed": 2, "failed": 1, "cancelled": 0, "submitted": 3, "attempts": 4,
                       "coreHours": 10.5, "wallHours": 4.25},
             "users": [{"name": "alice", "jobs": 2, "completed": 2, "failed": 0, "cancelled": 0, "submitted": 2,
                        "attempts": 3, "coreHours": 8.5, "wallHours": 3.25},
                       {"name": "bob", "jobs": 1, "completed": 0, "failed": 1, "cancelled": 0, "submitted": 1,
                        "attempts": 1, "coreHours": 2.0, "wallHours": 1.0}],
             "accounts": [{"name": "climate, ice", "jobs": 3, "completed": 2, "failed": 1, "cancelled": 0,
                           "submitted": 3, "attempts": 4, "coreHours": 10.5, "wallHours": 4.25}],
             "projects": [], "queues": []}
            """);

    @Test
    void hpcReportAsksForThePeriodAndPrintsTablesCsvOrTheHeadsJson() {
        Run text = run("report", "--server", head.address(), "--start", "2026-12-01T00:00:00Z", "--end",
                "2026-12-02T00:00:00Z", "-u", "alice", "-A", "climate", "--by", "user,account");
        Run csv = run("report", "--server", head.address(), "--start", "2026-12-01T00:00:00Z", "--csv");
        Run json = run("report", "--server", head.address(), "--json");

        assertEquals(0, text.code(), text.err());
        String query = head.requests.get(0).query();
        assertTrue(query.contains("start=2026-12-01T00%3A00%3A00Z") && query.contains("end=2026-12-02T00%3A00%3A00Z")
                && query.contains("user=alice") && query.contains("account=climate"), query);
        assertTrue(text.out().contains("Total: 3 jobs ended (2 completed, 1 failed, 0 cancelled), 3 submitted, "
                + "4 runs, 10.50 core-hours, 4.25 wall-hours"), text.out());
        assertTrue(text.out().contains("\nBy user\n  user    jobs  completed  failed  cancelled  submitted   runs"
                + "  core-hours  wall-hours\n  alice      2          2       0          0          2      3        8.50"
                + "        3.25\n"), text.out());
        assertTrue(text.out().contains("By account"), text.out());
        assertTrue(!text.out().contains("By queue"), "--by leaves the other tables out: " + text.out());
        assertEquals("by,name,jobs,completed,failed,cancelled,submitted,attempts,core_hours,wall_hours\n"
                + "user,alice,2,2,0,0,2,3,8.5,3.25\nuser,bob,1,0,1,0,1,1,2.0,1.0\n"
                + "account,\"climate, ice\",3,2,1,0,3,4,10.5,4.25\n", csv.out());
        assertEquals(0, json.code(), json.err());
        assertEquals(10.5, Json.readObject(json.out()).object("total").doubleValue("coreHours", 0));
    }

    @Test
    void hpcReportPrintsPbsAccountingRecordsOfTheLastDayByDefault() {
        Run r = run("report", "--server", head.address(), "--pbs-records", "--end", "2026-12-02T00:00:00Z");

        assertEquals(0, r.code(), r.err());
        assertEquals("/api/v1/report/records", head.requests.get(0).rawPath());
        assertTrue(head.requests.get(0).query().contains("start=2026-12-01T00%3A00%3A00Z"), head.requests.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(1).matches("\\d\\d/\\d\\d/2026 \\d\\d:\\d\\d:05;E;1\\.cluster;user=alice jobname=x "
                + "queue=batch end=1764583205 Exit_status=0"), lines.get(1));
        assertEquals("12/01/2026 10:00:00;Q;1.cluster;queue=batch\n", ReportFormat.pbsRecords(Json.readObject("""
                {"records": [{"time": "2026-12-01T10:00:00Z", "type": "Q", "id": "1.cluster", "message": "queue=batch"}]}
                """), java.time.ZoneOffset.UTC));
    }

    @Test
    void hpcReportRefusesABadTimeOrGroupingBeforeAnyRequest() {
        Run badTime = run("report", "--server", head.address(), "--start", "last tuesday");
        Run backwards = run("report", "--server", head.address(), "--start", "2026-12-02", "--end", "2026-12-01");
        Run badBy = run("report", "--server", head.address(), "--by", "user,colour");
        Run both = run("report", "--server", head.address(), "--json", "--csv");

        assertEquals(2, badTime.code());
        assertTrue(badTime.err().contains("--start 'last tuesday' is not a time: give 2026-12-01"), badTime.err());
        assertEquals(2, backwards.code());
        assertTrue(backwards.err().contains("give --end after --start"), backwards.err());
        assertEquals(2, badBy.code());
        assertTrue(badBy.err().contains("--by 'colour' is not one of user, account, project, queue"), badBy.err());
        assertEquals(2, both.code());
        assertEquals(List.of(), head.requests);
    }

    @Test
    void reportTimesAreLocalUnlessTheyNameTheirOffset() {
        java.time.Clock clock = java.time.Clock.fixed(java.time.Instant.parse("2026-12-05T12:00:00Z"),
                java.time.ZoneId.of("Europe/Paris"));
        assertEquals(java.time.Instant.parse("2026-11-30T23:00:00Z"), ReportCommand.when("2026-12-01", "--start", clock));
        assertEquals(java.time.Instant.parse("2026-12-01T07:30:00Z"),
                ReportCommand.when("2026-12-01T08:30", "--start", clock));
        assertEquals(java.time.Instant.parse("2026-12-01T08:30:00Z"),
                ReportCommand.when("2026-12-01T08:30:00Z", "--start", clock));
        assertEquals(java.time.Instant.parse("2026-12-01T06:30:00Z"),
                ReportCommand.when("2026-12-01T08:30:00+02:00", "--start", clock));
        assertEquals(clock.instant(), ReportCommand.when("now", "--end", clock));
    }

    @Test
    void pbsnodesListsNodesAndReportsUnknownOnes() {
        Run all = run("pbsnodes", "--server", head.address());
        Run some = run("pbsnodes", "--server", head.address(), "node1", "nodeX");

        assertEquals(0, all.code());
        assertEquals(PbsnodesFormat.nodes(List.of(aFreeNode("node1"), aBusyNode("node2", "2.cluster"))), all.out());
        assertEquals(new Run(1, PbsnodesFormat.node(aFreeNode("node1")), "pbsnodes: Unknown node nodeX\n"), some);
    }

    @Test
    void exitCodesOfErrors() {
        StringWriter err = new StringWriter();
        PrintWriter w = new PrintWriter(err);

        assertEquals(3, HpcMain.report(new HeadTransport.UnavailableException("no head answered"), "qstat", w));
        assertEquals(153, HpcMain.report(new HpcApiException(404, "UNKNOWN_JOB", "no job 9"), "qsub", w));
        assertEquals(1, HpcMain.report(new HpcApiException(400, "BAD_REQUEST", "line 3: bad"), "qsub", w));
        assertEquals(2, HpcMain.report(new UsageException("no head address"), "qdel", w));
        w.flush();
        assertTrue(err.toString().startsWith("qstat: no head answered\nqstat: is the cluster up?"), err.toString());
        assertTrue(err.toString().contains("qsub: line 3: bad\n"), err.toString());
    }

    @Test
    void helpWorksForEveryCommand() {
        for (String c : List.of("qsub", "qstat", "qdel", "qhold", "qrls", "pbsnodes", "local")) {
            Run r = run(c, "--help");
            assertEquals(0, r.code(), c);
            assertTrue(r.out().startsWith("Usage:"), c + ": " + r.out());
        }
        assertEquals(0, run("local", "up", "--help").code());
    }
}
