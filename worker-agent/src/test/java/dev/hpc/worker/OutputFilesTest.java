package dev.hpc.worker;

import dev.hpc.api.job.JobOutput;
import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage.OutputChunk;
import dev.hpc.api.wire.WireMessage.ReadOutput;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.TaskFinished;
import dev.hpc.api.wire.WireMessage.Welcome;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 7: a head reads the output of an attempt this worker ran, and nothing else. */
class OutputFilesTest {
    @TempDir
    Path tmp;

    private static ReadOutput read(long attemptId, String stream, long offset, int max) {
        return new ReadOutput(1, "r", attemptId, stream, offset, max);
    }

    private static String text(OutputChunk c) {
        return new String(c.data(), StandardCharsets.UTF_8);
    }

    @Test
    void readsTheFilesOfAKnownAttemptFromAnOffsetOrFromTheEnd() throws IOException {
        Path out = Files.writeString(tmp.resolve("job.o7"), "0123456789");
        Path err = Files.writeString(tmp.resolve("job.e7"), "oops\n");
        OutputFiles files = new OutputFiles(tmp.resolve("spool"), "node1");
        files.record(7, out, err);

        OutputChunk all = files.read(read(7, "stdout", 0, 1000));
        assertEquals("", all.error());
        assertEquals("0123456789", text(all));
        assertEquals(0, all.offset());
        assertEquals(10, all.size());
        assertEquals(out.toString(), all.path());

        OutputChunk middle = files.read(read(7, "stdout", 3, 4));
        assertEquals("3456", text(middle));
        assertEquals(3, middle.offset());

        OutputChunk tail = files.read(read(7, "stdout", -4, 1000));
        assertEquals("6789", text(tail));
        assertEquals(6, tail.offset());

        OutputChunk past = files.read(read(7, "stdout", 50, 1000));
        assertEquals("", text(past));
        assertEquals(10, past.offset());

        assertEquals("oops\n", text(files.read(read(7, "STDERR", 0, 1000))));
    }

    @Test
    void aReadIsBoundedToOneMebibyte() throws IOException {
        Path out = tmp.resolve("big.o1");
        Files.write(out, new byte[JobOutput.MAX_BYTES + 10]);
        OutputFiles files = new OutputFiles(tmp.resolve("spool"), "node1");
        files.record(1, out, out);
        OutputChunk c = files.read(read(1, "stdout", 0, Integer.MAX_VALUE));
        assertEquals(JobOutput.MAX_BYTES, c.data().length);
        assertEquals(JobOutput.MAX_BYTES + 10, c.size());
    }

    @Test
    void refusesAttemptsItDoesNotKnowAndAnythingButTheTwoStreams() throws IOException {
        Path secret = Files.writeString(tmp.resolve("secret"), "do not show");
        OutputFiles files = new OutputFiles(tmp.resolve("spool"), "node1");
        files.record(7, tmp.resolve("job.o7"), tmp.resolve("job.e7"));

        OutputChunk unknown = files.read(read(8, "stdout", 0, 1000));
        assertTrue(unknown.error().startsWith("node node1 has no output of attempt 8"), unknown.error());
        assertEquals(0, unknown.data().length);

        for (String stream : new String[] {secret.toString(), "../secret", "stdout/../../secret", ""}) {
            OutputChunk c = files.read(read(7, stream, 0, 1000));
            assertTrue(c.error().contains("is not one of stdout, stderr"), stream + ": " + c.error());
            assertEquals(0, c.data().length);
        }

        OutputChunk missing = files.read(read(7, "stdout", 0, 1000));
        assertTrue(missing.error().contains("does not exist"), missing.error());
    }

    @Test
    void refusesAFileThatIsNotARegularFile() throws Exception {
        Path fifo = tmp.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo failed");
        OutputFiles files = new OutputFiles(tmp.resolve("spool"), "node1");
        files.record(3, fifo, fifo);
        OutputChunk c = files.read(read(3, "stdout", 0, 1000)); // would block forever if it were opened
        assertTrue(c.error().contains("is not a regular file"), c.error());
    }

    @Test
    void remembersOnlyTheNewestAttemptsButFindsSpoolFallbacksAfterARestart() throws IOException {
        Path spool = tmp.resolve("spool");
        OutputFiles files = new OutputFiles(spool, "node1", 2);
        files.record(1, tmp.resolve("a.o"), tmp.resolve("a.e"));
        files.record(2, tmp.resolve("b.o"), tmp.resolve("b.e"));
        files.record(3, tmp.resolve("c.o"), tmp.resolve("c.e"));
        assertEquals(Optional.empty(), files.file(1, JobOutput.Stream.STDOUT));
        assertEquals(Optional.of(tmp.resolve("c.e")), files.file(3, JobOutput.Stream.STDERR));

        Files.createDirectories(spool.resolve("9"));
        Files.writeString(spool.resolve("9").resolve("stdout"), "fallback\n");
        OutputFiles afterRestart = new OutputFiles(spool, "node1");
        assertEquals("fallback\n", text(afterRestart.read(read(9, "stdout", 0, 100))));
        // joined into the fallback stdout: stderr is the same file
        assertEquals("fallback\n", text(afterRestart.read(read(9, "stderr", 0, 100))));
    }

    /** Through the link: the worker answers on the link that asked, with the launcher's real files. */
    @Test
    void aHeadReadsTheOutputOfAnAttemptTheWorkerRanAndIsRefusedAnyOther() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("job"));
        Vertx workerVertx = Vertx.vertx();
        FakeHead head = new FakeHead(r -> Optional.of(new Welcome(4, "head-a", FakeHead.heartbeat())));
        try {
            WorkerConfig config = WorkerConfig.builder().allowRootJobs(true).nodeName("node1").hostName("node1.test")
                    .heads(java.util.List.of(head.address())).cores(1).memory("1gb").spoolDir(tmp.resolve("spool"))
                    .killGrace("500ms").heartbeatInterval(Duration.ofMillis(100))
                    .reconnect(Duration.ofMillis(50), Duration.ofMillis(200)).build();
            workerVertx.deployVerticle(new WorkerVerticle(config)).await();
            head.next(Register.class);
            head.send(new dev.hpc.api.wire.WireMessage.Launch(4, aTask(41, "echo out; echo err >&2").in(dir).build()));
            head.next(TaskFinished.class);

            head.send(new ReadOutput(4, "q1", 41, "stdout", 0, 1000));
            OutputChunk out = head.next(OutputChunk.class, c -> c.requestId().equals("q1"));
            assertEquals("out\n", text(out));
            assertEquals(dir.resolve("out.o").toString(), out.path());
            head.send(new ReadOutput(4, "q2", 41, "stderr", -100, 1000));
            assertEquals("err\n", text(head.next(OutputChunk.class, c -> c.requestId().equals("q2"))));

            head.send(new ReadOutput(4, "q3", 42, "stdout", 0, 1000));
            OutputChunk refused = head.next(OutputChunk.class, c -> c.requestId().equals("q3"));
            assertTrue(refused.error().contains("has no output of attempt 42"), refused.error());
            for (FromWorker m : head.history()) {
                if (m instanceof OutputChunk c) {
                    assertTrue(c.error().isEmpty() || c.data().length == 0, "a refusal carried data: " + c);
                }
            }
        } finally {
            workerVertx.close().await();
            head.close();
        }
    }
}
