package dev.hpc.cli;

import dev.hpc.api.job.Alert;
import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Health;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.job.OfflineOrigin;
import dev.hpc.api.job.Task;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.api.testkit.FakeHead;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static dev.hpc.cli.TestJobs.T0;
import static dev.hpc.cli.TestJobs.aDownNode;
import static dev.hpc.cli.TestJobs.aFreeNode;
import static dev.hpc.cli.TestJobs.slot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 4: pbsnodes -o/-c/-l, hpc worker stop/drain, hpc events, and the attempt history of qstat -f. */
class NodeCommandsTest {
    private FakeHead head;

    record Run(int code, String out, String err) {
    }

    private static NodeInfo offline(String name, String note) {
        return new NodeInfo(name, "", NodeState.OFFLINE, 2, 0, 0, 0, Health.UNKNOWN, T0, note, List.of(),
                OfflineOrigin.ADMIN, note, false);
    }

    private static NodeInfo draining(String name, String... tasks) {
        return new NodeInfo(name, "", NodeState.DRAINING, 2, 1, 0, 0, Health.UNKNOWN, T0, "stopping: draining",
                List.of(tasks), OfflineOrigin.NONE, "", true);
    }

    private static FakeHead.Reply route(FakeHead.Request r) {
        String p = r.rawPath();
        if (p.equals("/api/v1/nodes/node1/offline")) {
            String note = r.body().isEmpty() ? "" : Json.readObject(r.body()).string("note", "");
            return FakeHead.Reply.json(200, Codec.toMap(offline("node1", note)));
        }
        if (p.equals("/api/v1/nodes/node1/clear")) {
            return FakeHead.Reply.json(200, Codec.toMap(aFreeNode("node1")));
        }
        if (p.equals("/api/v1/nodes/node1/stop")) {
            boolean drain = Json.readObject(r.body()).bool("drain", false);
            return FakeHead.Reply.json(200, Codec.toMap(drain ? draining("node1", "7.cluster")
                    : aDownNode("node1", "stopped by alice")));
        }
        if (p.equals("/api/v1/nodes/node1/drain")) {
            return FakeHead.Reply.json(200, Codec.toMap(draining("node1")));
        }
        if (p.equals("/api/v1/events/log")) {
            return FakeHead.Reply.json(200, Map.of("events", List.of(Codec.toMap(new Alert(4, Alert.Kind.NODE_DOWN,
                    "node2", "node node2 is down: no heartbeat for 5000 ms", T0)))));
        }
        return FakeHead.Reply.error(404, "UNKNOWN_NODE", "Unknown node");
    }

    @BeforeEach
    void startHead() throws Exception {
        head = new FakeHead(NodeCommandsTest::route);
    }

    @AfterEach
    void stopHead() {
        head.close();
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = HpcMain.commandLine(new PrintWriter(out), new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void pbsnodesMinusOTakesNodesOfflineWithTheNoteSilently() {
        Run r = run("pbsnodes", "--server", head.address(), "-o", "node1", "-N", "bad fan");
        assertEquals(new Run(0, "", ""), r);
        assertEquals("POST", head.requests.get(0).method());
        assertEquals("/api/v1/nodes/node1/offline", head.requests.get(0).rawPath());
        assertEquals("bad fan", Json.readObject(head.requests.get(0).body()).string("note"));
    }

    @Test
    void pbsnodesMinusCClearsAndReportsUnknownNodes() {
        Run r = run("pbsnodes", "--server", head.address(), "-c", "node1", "nodeX");
        assertEquals(new Run(1, "", "pbsnodes: Unknown node nodeX\n"), r);
        assertEquals("/api/v1/nodes/node1/clear", head.requests.get(0).rawPath());
    }

    @Test
    void pbsnodesRefusesContradictoryOptions() {
        assertEquals(2, run("pbsnodes", "--server", head.address(), "-o", "-c", "node1").code());
        assertEquals(2, run("pbsnodes", "--server", head.address(), "-o").code());
        assertEquals(2, run("pbsnodes", "--server", head.address(), "-N", "x", "node1").code());
        assertTrue(head.requests.isEmpty());
    }

    @Test
    void aDownNodeThatWasOfflineShowsBothAsTorqueDoes() {
        NodeInfo n = new NodeInfo("node5", "", NodeState.DOWN, 2, 0, 0, 0, Health.UNKNOWN, T0,
                "no heartbeat for 5000 ms", List.of(), OfflineOrigin.ADMIN, "bad fan", false);
        String text = PbsnodesFormat.node(n);
        assertTrue(text.contains("     state = down,offline\n"), text);
        assertTrue(text.contains("     note = no heartbeat for 5000 ms; offline: bad fan\n"), text);
        assertEquals("node5                down,offline    no heartbeat for 5000 ms; offline: bad fan\n",
                PbsnodesFormat.unavailableList(List.of(n, aFreeNode("node1"))));
    }

    @Test
    void workerStopWithAndWithoutDrain() {
        Run now = run("worker", "stop", "--server", head.address(), "node1");
        assertEquals(new Run(0, "node1: stopped\n", ""), now);
        Run drain = run("worker", "stop", "--server", head.address(), "--drain", "node1");
        assertEquals(new Run(0, "node1: draining; its worker stops once its 1 running task has ended\n", ""), drain);
        assertTrue(Json.readObject(head.requests.get(1).body()).bool("drain", false));
        Run unknown = run("worker", "stop", "--server", head.address(), "nodeX");
        assertEquals(new Run(1, "", "hpc worker stop: Unknown node nodeX\n"), unknown);
        assertEquals(0, run("worker", "drain", "--server", head.address(), "node1", "-N", "update").code());
    }

    @Test
    void eventsPrintsTheLog() {
        Run r = run("events", "--server", head.address(), "-n", "5");
        assertEquals(0, r.code());
        assertEquals("/api/v1/events/log", head.requests.get(0).rawPath());
        assertEquals("limit=5", head.requests.get(0).query());
        assertEquals(EventsCommand.line(new Alert(4, Alert.Kind.NODE_DOWN, "node2",
                "node node2 is down: no heartbeat for 5000 ms", T0), java.time.ZoneId.systemDefault()) + "\n", r.out());
    }

    @Test
    void qstatMinusFShowsWhereEachAttemptRan() {
        List<Attempt> attempts = new ArrayList<>();
        attempts.add(new Attempt(1, List.of(slot("node1", 1)), T0, T0.plusSeconds(9), JobState.QUEUED,
                EndReason.NODE_FAILURE, -1));
        attempts.add(new Attempt(2, List.of(slot("node2", 2)), T0.plusSeconds(10), java.time.Instant.EPOCH,
                JobState.RUNNING, EndReason.NONE, 0));
        Task t = new Task(Task.NO_INDEX, JobState.RUNNING, attempts, 0, EndReason.NONE, "", java.time.Instant.EPOCH);
        Job job = TestJobs.job(1, TestJobs.spec().build(), JobState.RUNNING, List.of(t));
        String text = QstatFullFormat.block(JobView.whole(job), true, false, T0.plusSeconds(20), ZoneOffset.UTC);
        assertTrue(text.contains("    run_count = 2\n"), text);
        assertTrue(text.contains("    exec_host_history = node1/0 (node failure, requeued), node2/0*2 (running)\n"),
                text);

        Job plain = TestJobs.aCompletedJob(2, "plain", java.time.Duration.ofSeconds(3), 0);
        assertTrue(!QstatFullFormat.block(JobView.whole(plain), true, false, T0.plusSeconds(20), ZoneOffset.UTC)
                .contains("exec_host_history"), "a single clean run has no history line");
    }

    @Test
    void qstatMinusFShowsANodeFailureOfANonRerunnableJob() {
        Attempt a = new Attempt(1, List.of(slot("node3", 1)), T0, T0.plusSeconds(4), JobState.FAILED,
                EndReason.NODE_FAILURE, -1);
        Task t = new Task(Task.NO_INDEX, JobState.FAILED, List.of(a), -1, EndReason.NODE_FAILURE, "", T0.plusSeconds(4));
        Job job = TestJobs.job(3, TestJobs.spec().build(), JobState.FAILED, List.of(t));
        String text = QstatFullFormat.block(JobView.whole(job), true, true, T0.plusSeconds(20), ZoneOffset.UTC);
        assertTrue(text.contains("    job_state = F\n"), text);
        assertTrue(text.contains("    exec_host_history = node3/0 (node failure)\n"), text);
        assertTrue(text.contains("    comment = its node failed and the job is not rerunnable\n"), text);
    }
}
