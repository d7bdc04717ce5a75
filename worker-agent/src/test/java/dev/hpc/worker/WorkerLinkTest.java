package dev.hpc.worker;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.wire.WireMessage.FromHead;
import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage.Heartbeat;
import dev.hpc.api.wire.WireMessage.Kill;
import dev.hpc.api.wire.WireMessage.Launch;
import dev.hpc.api.wire.WireMessage.Refused;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.ResultAck;
import dev.hpc.api.wire.WireMessage.RunningTask;
import dev.hpc.api.wire.WireMessage.TaskFinished;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.api.wire.WireMessage.TaskStarted;
import dev.hpc.api.wire.WireMessage.Welcome;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The worker verticle against test doubles of heads on loopback. */
class WorkerLinkTest {
    @TempDir
    Path tmp;
    private Path dir;
    private Vertx workerVertx;
    private final List<FakeHead> heads = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createDirectories(tmp.resolve("job"));
        workerVertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() {
        workerVertx.close().await(); // undeploys the worker, which kills its tasks
        heads.forEach(FakeHead::close);
    }

    private FakeHead head(long epoch, String name) {
        FakeHead h = new FakeHead(r -> Optional.of(new Welcome(epoch, name, FakeHead.heartbeat())));
        heads.add(h);
        return h;
    }

    private void startWorker(FakeHead... to) {
        startWorker(Duration.ofMillis(50), to);
    }

    private void startWorker(Duration firstBackoff, FakeHead... to) {
        List<String> addresses = java.util.Arrays.stream(to).map(FakeHead::address).toList();
        Duration longest = firstBackoff.compareTo(Duration.ofMillis(200)) > 0 ? firstBackoff : Duration.ofMillis(200);
        WorkerConfig config = WorkerConfig.builder().allowRootJobs(true).nodeName("node1").hostName("node1.test").heads(addresses)
                .cores(2).memory("1gb").spoolDir(tmp.resolve("spool")).killGrace("500ms")
                .heartbeatInterval(Duration.ofMillis(100))
                .reconnect(firstBackoff, longest).build();
        workerVertx.deployVerticle(new WorkerVerticle(config)).await();
    }

    private Launch launch(long epoch, long attemptId, String script) {
        return new Launch(epoch, aTask(attemptId, script).in(dir).build());
    }

    private static boolean startedFor(FromWorker m, long attemptId) {
        return m instanceof TaskStarted s && s.attemptId() == attemptId;
    }

    @Test
    void registersWithItsResources() {
        FakeHead head = head(5, "head-a");
        startWorker(head);
        Register r = head.next(Register.class);
        assertEquals("node1", r.node());
        assertEquals("node1.test", r.host());
        assertEquals(2, r.cores());
        assertEquals(1L << 30, r.memory());
        assertTrue(r.generic().isEmpty());
        assertEquals("", r.secretProof());
        assertTrue(r.running().isEmpty());
        assertTrue(r.finished().isEmpty());
        Heartbeat hb = head.next(Heartbeat.class);
        assertTrue(hb.health().checkPassed());
        assertTrue(hb.health().freeMemory() > 0);
        assertTrue(hb.health().freeDisk() > 0);
    }

    /**
     * Regression (issue 17): a worker that met a deposed head (an older epoch) only logged it, so that head
     * never learned it had been replaced. Now it tells it, at the welcome and at any command it refuses.
     */
    @Test
    void aDeposedHeadIsToldTheNewerEpochTheWorkerObeys() {
        FakeHead newer = head(7, "head-b");
        FakeHead deposed = new FakeHead(r -> Optional.empty()); // welcomes only when the test says
        heads.add(deposed);
        startWorker(newer, deposed);
        newer.next(Register.class);
        newer.next(Heartbeat.class, h -> h.activeHead().equals("head-b")); // epoch 7 is obeyed
        deposed.next(Register.class);
        deposed.send(new Welcome(6, "head-a", FakeHead.heartbeat()));
        assertEquals(7, deposed.next(dev.hpc.api.wire.WireMessage.NewerEpoch.class).epoch(),
                "the deposed head hears of epoch 7");
        deposed.send(launch(6, 901, "true"));
        assertEquals(7, deposed.next(dev.hpc.api.wire.WireMessage.NewerEpoch.class).epoch(),
                "and again at the command it sends");
    }

    @Test
    void aLaunchIsStartedThenFinishedAndTheResultIsResentUntilAcknowledged() {
        FakeHead head = head(5, "head-a");
        startWorker(head);
        head.next(Register.class);

        head.send(launch(5, 101, "echo hello"));
        TaskStarted started = head.next(TaskStarted.class);
        assertEquals(101, started.attemptId());
        assertTrue(started.pid() > 0);
        TaskResult result = head.next(TaskFinished.class).result();
        assertEquals(101, result.attemptId());
        assertEquals(0, result.exitStatus());
        assertEquals(EndReason.EXITED, result.reason());

        head.dropConnection();
        Register again = head.next(Register.class);
        assertEquals(List.of(result), again.finished(), "an unacknowledged result is sent again on reconnection");
        assertEquals(2, head.connections());

        head.send(new ResultAck(5, 101));
        head.send(launch(5, 101, "echo twice")); // already finished: ignored
        head.send(launch(5, 102, "true"));
        head.next(TaskStarted.class, s -> s.attemptId() == 102);
        assertEquals(1, head.history().stream().filter(m -> startedFor(m, 101)).count(), "attempt 101 started twice");
        head.send(new ResultAck(5, head.next(TaskFinished.class).result().attemptId()));

        head.send(new Kill(5, 999, EndReason.CANCELLED)); // unknown: ignored
        head.dropConnection();
        Register third = head.next(Register.class);
        assertTrue(third.finished().isEmpty(), "acknowledged results are not sent again: " + third.finished());
        assertTrue(third.running().isEmpty());
        Await.until("the spool of an acknowledged attempt is cleaned up",
                () -> !Files.exists(tmp.resolve("spool").resolve("101")));
    }

    @Test
    void aLaunchWithAnOlderEpochIsIgnored() {
        FakeHead head = head(5, "head-a");
        startWorker(head);
        head.next(Register.class);

        head.send(launch(4, 201, "sleep 1000"));
        head.send(new Kill(4, 202, EndReason.CANCELLED));
        head.send(launch(5, 202, "sleep 1000"));
        head.next(TaskStarted.class, s -> s.attemptId() == 202);
        Heartbeat hb = head.next(Heartbeat.class, h -> h.runningAttempts().contains(202L));

        assertFalse(head.history().stream().anyMatch(m -> startedFor(m, 201)), "the stale launch was obeyed");
        assertEquals(List.of(202L), hb.runningAttempts(), "the stale kill was obeyed, or the stale launch started");
        head.send(new Kill(5, 202, EndReason.CANCELLED));
        TaskResult r = head.next(TaskFinished.class).result();
        assertEquals(202, r.attemptId());
        assertEquals(256 + 15, r.exitStatus());
        assertEquals(EndReason.CANCELLED, r.reason());
    }

    @Test
    void theHeadWithTheHighestEpochIsObeyedAndBothGetHeartbeats() {
        FakeHead old = head(1, "head-old");
        FakeHead current = head(2, "head-new");
        startWorker(old, current);
        old.next(Register.class);
        current.next(Register.class);
        old.next(Heartbeat.class);
        current.next(Heartbeat.class);
        // both welcomes are in: heartbeats go only to answered links; now make sure the worker saw epoch 2
        current.send(launch(2, 301, "sleep 1000"));
        current.next(TaskStarted.class, s -> s.attemptId() == 301);

        old.send(launch(1, 302, "sleep 1000"));
        old.send(new Kill(1, 301, EndReason.CANCELLED));
        old.dropConnection(); // the worker handles the launch and the kill before this close
        Register reRegistered = old.next(Register.class);
        assertEquals(List.of(301L), reRegistered.running().stream().map(RunningTask::attemptId).toList(),
                "the deposed head's launch or kill was obeyed");
        assertFalse(current.history().stream().anyMatch(m -> startedFor(m, 302)));
        assertFalse(old.history().stream().anyMatch(m -> startedFor(m, 302)));
    }

    @Test
    void aRefusedRegistrationIsOfferedAgainOnTheSameLink() {
        FakeHead standby = new FakeHead(r -> Optional.of(new Refused(7, "standby")));
        heads.add(standby);
        startWorker(standby);
        standby.next(Register.class);
        standby.next(Heartbeat.class); // a refused link still gets heartbeats
        standby.answerRegistrationsWith(r -> Optional.<FromHead>of(new Welcome(8, "took-over", FakeHead.heartbeat())));
        standby.next(Register.class);
        standby.send(launch(8, 401, "true"));
        standby.next(TaskStarted.class, s -> s.attemptId() == 401);
        assertEquals(1, standby.connections(), "the link was not kept open");
    }

    /**
     * ChaosIT seed 10330642155178245: a head that leaves a registration unanswered (it dropped it while stepping
     * down or taking over) must not leave the worker unknown to it for good: the registration is offered again.
     */
    @Test
    void aRegistrationTheHeadLeavesUnansweredIsOfferedAgain() {
        FakeHead silent = new FakeHead(r -> Optional.empty());
        heads.add(silent);
        startWorker(silent);
        long first = System.nanoTime();
        silent.next(Register.class);
        silent.answerRegistrationsWith(r -> Optional.<FromHead>of(new Welcome(3, "head-a", FakeHead.heartbeat())));

        Register again = silent.next(Register.class);

        assertEquals("node1", again.node());
        assertTrue(System.nanoTime() - first >= HeadLink.REGISTRATION_ANSWER_TIMEOUT.toNanos(),
                "offered again only once the head had time to answer");
        assertEquals(1, silent.connections(), "on the same link");
    }

    /**
     * Regression (issue 17, found by {@code hpc bench chaos} cutting the active head from its workers): when the
     * cut healed, the heartbeats it had held reached the head at once, the head refused each (it had marked the
     * worker down) and then each next heartbeat. Every refusal put the pending registration off again, by more
     * than a heartbeat, so the worker never registered again and the head never had a node back.
     */
    @Test
    void refusedHeartbeatsDoNotPutOffTheRegistrationTheHeadAsksFor() {
        FakeHead head = head(5, "head-a");
        // a re-registration delay of up to a second, ten heartbeats long
        startWorker(Duration.ofSeconds(1), head);
        head.next(Register.class);
        head.next(Heartbeat.class);
        Refused markedDown = new Refused(5, "node node1 was marked down (no heartbeat for 5000 ms); register again");
        head.answerHeartbeatsWith(h -> Optional.of(markedDown));
        for (int i = 0; i < 6; i++) {
            head.send(markedDown); // the held heartbeats, refused at once
        }

        Register again = head.next(Register.class);

        assertEquals("node1", again.node());
    }

    @Test
    void aWelcomeThatAnswersNoRegistrationIsAnsweredWithOne() {
        FakeHead standby = new FakeHead(r -> Optional.of(new Refused(3, "standby")));
        heads.add(standby);
        // a long backoff, so that only the welcome can explain the second registration
        startWorker(Duration.ofMinutes(1), standby);
        standby.next(Register.class);
        standby.next(Heartbeat.class); // the refusal is in
        standby.answerRegistrationsWith(r -> Optional.empty());
        standby.send(new Welcome(4, "took-over", FakeHead.heartbeat())); // the standby took over
        standby.next(Register.class);
        standby.send(launch(4, 501, "true"));
        standby.next(TaskFinished.class, f -> f.result().attemptId() == 501);
    }

    @Test
    void aResultThatFinishedWhileNoHeadWelcomedIsSentWithTheNextWelcome() {
        FakeHead head = head(5, "head-a");
        startWorker(head);
        head.next(Register.class);
        head.send(launch(5, 601, "sleep 1000"));
        long pid = head.next(TaskStarted.class).pid();
        head.answerRegistrationsWith(r -> Optional.empty()); // the head restarts and is not ready yet
        head.send(new Kill(5, 601, EndReason.CANCELLED));
        head.dropConnection();
        Register unanswered = head.next(Register.class);
        Await.until("the task is dead", () -> ProcessHandle.of(pid).map(h -> !ProcessTree.alive(h)).orElse(true));

        head.send(new Welcome(6, "head-b", FakeHead.heartbeat()));
        // the welcome answers that registration: a result it did not carry follows as TaskFinished
        TaskResult r = unanswered.finished().isEmpty()
                ? head.next(TaskFinished.class).result() : unanswered.finished().get(0);
        assertEquals(601, r.attemptId());
        assertEquals(EndReason.CANCELLED, r.reason());
    }

    @Test
    void stopsPromptlyWhileNoHeadIsReachable() throws Exception {
        WorkerConfig config = WorkerConfig.builder().nodeName("node1").heads(List.of("127.0.0.1:1"))
                .cores(1).memory("1gb").spoolDir(tmp.resolve("spool")).build();
        String id = workerVertx.deployVerticle(new WorkerVerticle(config)).await();
        workerVertx.undeploy(id).toCompletionStage().toCompletableFuture()
                .get(Await.TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
