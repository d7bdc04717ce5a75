package dev.hpc.cli;

import dev.hpc.api.job.JobOutput;
import dev.hpc.api.job.JobState;
import dev.hpc.api.testkit.FakeHead;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 7: qpeek (hpc peek) against a fake head that serves a growing output file. */
class PeekCommandTest {
    private FakeHead head;
    /** The file as the fake worker has it now; grows while "running". */
    private volatile byte[] stdout = new byte[0];
    private volatile boolean running = true;
    private final AtomicInteger reads = new AtomicInteger();

    record Run(int code, String out, String err) {
    }

    @BeforeEach
    void startHead() throws Exception {
        head = new FakeHead(this::route);
    }

    @AfterEach
    void stopHead() {
        head.close();
    }

    private static Map<String, String> query(String q) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : q.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return m;
    }

    private FakeHead.Reply route(FakeHead.Request r) {
        if (r.rawPath().equals("/api/v1/jobs/7/output")) {
            // as the head does: whether the task runs is taken before the file is read, so that an answer that
            // says "ended" holds everything written (read after, a line written just before the end was missed)
            boolean stillRunning = running;
            reads.incrementAndGet();
            Map<String, String> q = query(r.query());
            byte[] file = q.get("stream").equals("stderr") ? "oops\n".getBytes(StandardCharsets.UTF_8) : stdout;
            long offset = Long.parseLong(q.get("offset"));
            int limit = Integer.parseInt(q.get("limit"));
            int start = (int) (offset < 0 ? Math.max(0, file.length + offset) : Math.min(offset, file.length));
            int end = Math.min(file.length, start + limit);
            String data = new String(Arrays.copyOfRange(file, start, end), StandardCharsets.UTF_8);
            JobOutput o = new JobOutput("7.c", JobOutput.Stream.parse(q.get("stream")), data, start, end, file.length,
                    end >= file.length, stillRunning, stillRunning ? JobState.RUNNING : JobState.COMPLETED, "node1",
                    "/home/a/job.o7");
            return FakeHead.Reply.json(200, o.toMap());
        }
        if (r.rawPath().equals("/api/v1/jobs/8/output")) {
            return FakeHead.Reply.error(409, "NOT_ALLOWED", "the node that ran 8.c is down: node2");
        }
        return FakeHead.Reply.error(404, "UNKNOWN_JOB", "no such job");
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = HpcMain.commandLine(new PrintWriter(out), new PrintWriter(err));
        ((PeekCommand) cl.getSubcommands().get("qpeek").getCommand()).followEvery = Duration.ofMillis(20);
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String numbered(int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int i = from; i <= to; i++) {
            s.append("line ").append(i).append('\n');
        }
        return s.toString();
    }

    @Test
    void printsTheWholeFileByDefaultItsTailWithTAndItsHeadWithH() {
        stdout = numbered(1, 30).getBytes(StandardCharsets.UTF_8);
        assertEquals(new Run(0, numbered(1, 30), ""), run("qpeek", "--server", head.address(), "7"));
        assertEquals(new Run(0, numbered(11, 30), ""), run("qpeek", "--server", head.address(), "-t", "7"));
        assertEquals(new Run(0, numbered(28, 30), ""), run("peek", "--server", head.address(), "-n", "3", "7"));
        assertEquals(new Run(0, numbered(1, 2), ""), run("qpeek", "--server", head.address(), "-h", "-n", "2", "7"));
        assertEquals(new Run(0, "oops\n", ""), run("qpeek", "--server", head.address(), "-e", "7"));
        assertTrue(head.requests.stream().anyMatch(q -> q.query().contains("offset=-65536")), "a tail reads the end");
    }

    @Test
    void aFileLargerThanOneReadIsReadInParts() {
        byte[] big = new byte[JobOutput.MAX_BYTES * 2 + 5];
        Arrays.fill(big, (byte) 'x');
        stdout = big;
        Run r = run("qpeek", "--server", head.address(), "7");
        assertEquals(0, r.code());
        assertEquals(big.length, r.out().length());
        assertEquals(3, reads.get());
    }

    @Test
    void followPrintsWhatComesUntilTheJobEnds() {
        stdout = numbered(1, 2).getBytes(StandardCharsets.UTF_8);
        Thread writer = new Thread(() -> {
            while (reads.get() < 3) {
                Thread.onSpinWait();
            }
            stdout = numbered(1, 4).getBytes(StandardCharsets.UTF_8);
            while (reads.get() < 6) {
                Thread.onSpinWait();
            }
            stdout = numbered(1, 5).getBytes(StandardCharsets.UTF_8);
            running = false;
        });
        writer.setDaemon(true);
        writer.start();
        FakeHead.Reply job = FakeHead.Reply.job(TestJobs.aRunningJob(7, "peek", java.time.Instant.now(),
                new dev.hpc.api.job.NodeSlot("node1", 1, 0)));
        head.routes(r -> r.rawPath().equals("/api/v1/jobs/7") ? job : route(r));
        Run r = run("qpeek", "--server", head.address(), "-f", "7");
        assertEquals(new Run(0, numbered(1, 5), ""), r);
    }

    @Test
    void errorsAreTheHeadsMessage() {
        Run down = run("qpeek", "--server", head.address(), "8");
        assertEquals(new Run(1, "", "qpeek: the node that ran 8.c is down: node2\n"), down);
        Run unknown = run("qpeek", "--server", head.address(), "9");
        assertEquals(153, unknown.code());
        Run both = run("qpeek", "--server", head.address(), "-t", "-h", "7");
        assertEquals(2, both.code());
        assertTrue(both.err().startsWith("qpeek: give -t (the last lines) or -h (the first lines), not both"),
                both.err());
    }

    @Test
    void linesAreCutLikeHeadAndTail() {
        assertEquals("b\nc\n", OutputLines.last("a\nb\nc\n", 2));
        assertEquals("b\nc", OutputLines.last("a\nb\nc", 2));
        assertEquals("a\nb\n", OutputLines.last("a\nb\n", 5));
        assertTrue(OutputLines.hasLastLines("a\nb\nc\n", 2));
        assertTrue(!OutputLines.hasLastLines("b\nc\n", 2));
        assertEquals("a\n", OutputLines.first("a\nb\n", 1));
        assertEquals("a\nb", OutputLines.first("a\nb", 5));
    }
}
