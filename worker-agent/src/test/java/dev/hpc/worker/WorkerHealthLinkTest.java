package dev.hpc.worker;

import dev.hpc.api.wire.WireMessage.Heartbeat;
import dev.hpc.api.wire.WireMessage.Launch;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.Shutdown;
import dev.hpc.api.wire.WireMessage.TaskStarted;
import dev.hpc.api.wire.WireMessage.Welcome;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 4: the worker's health verdicts on the link, and the head's shutdown message. */
class WorkerHealthLinkTest {
    @TempDir
    Path tmp;
    private Vertx workerVertx;
    private FakeHead head;

    @BeforeEach
    void setUp() {
        workerVertx = Vertx.vertx();
        head = new FakeHead(r -> Optional.of(new Welcome(5, "head-a", FakeHead.heartbeat())));
    }

    @AfterEach
    void tearDown() {
        workerVertx.close().await();
        head.close();
    }

    private Path script(String body) throws IOException {
        Path p = tmp.resolve("nhc.sh");
        Path next = tmp.resolve("nhc.sh.new");
        Files.writeString(next, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(next, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return p;
    }

    private WorkerVerticle start(WorkerConfig.Builder b) {
        WorkerConfig config = b.allowRootJobs(true).nodeName("node1").hostName("node1.test").heads(List.of(head.address())).cores(2)
                .memory("1gb").spoolDir(tmp.resolve("spool")).killGrace("500ms")
                .heartbeatInterval(Duration.ofMillis(100)).reconnect(Duration.ofMillis(50), Duration.ofMillis(200))
                .build();
        return new WorkerVerticle(config);
    }

    @Test
    void theRegistrationAndTheHeartbeatsCarryTheVerdictOfTheHealthCheck() throws IOException {
        Path nhc = script("echo 'ERROR nhc: eth1 is down'; exit 1");
        workerVertx.deployVerticle(start(WorkerConfig.builder().healthCheck(nhc).healthInterval("200ms")
                .healthTimeout("5s"))).await();

        Register r = head.next(Register.class);
        assertFalse(r.health().checkPassed(), "the first run happens before the registration");
        assertEquals("ERROR nhc: eth1 is down", r.health().checkMessage());
        Heartbeat sick = head.next(Heartbeat.class);
        assertFalse(sick.health().checkPassed());

        script("exit 0");
        Heartbeat well = head.next(Heartbeat.class, h -> h.health().checkPassed());
        assertEquals("", well.health().checkMessage());
    }

    @Test
    void withoutAScriptEveryHeartbeatPasses() {
        workerVertx.deployVerticle(start(WorkerConfig.builder())).await();
        assertTrue(head.next(Register.class).health().checkPassed());
        assertTrue(head.next(Heartbeat.class).health().checkPassed());
    }

    @Test
    void aShutdownFromTheActiveHeadStopsTheWorkerAndOneFromAnOlderEpochDoesNot() throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        WorkerVerticle w = start(WorkerConfig.builder()).onShutdown(asked::countDown);
        workerVertx.deployVerticle(w).await();
        head.next(Register.class);
        Path dir = Files.createDirectories(tmp.resolve("job"));
        head.send(new Launch(5, aTask(301, "sleep 30").in(dir).build()));
        head.next(TaskStarted.class);

        head.send(new Shutdown(4, "stale"));
        assertFalse(asked.await(300, TimeUnit.MILLISECONDS), "an older epoch is not obeyed");
        head.send(new Shutdown(5, "stopped by root"));
        assertTrue(asked.await(10, TimeUnit.SECONDS));
    }

    @Test
    void byDefaultAShutdownUndeploysTheWorkerAndKillsItsTasks() throws Exception {
        workerVertx.deployVerticle(start(WorkerConfig.builder())).await();
        head.next(Register.class);
        Path dir = Files.createDirectories(tmp.resolve("job"));
        head.send(new Launch(5, aTask(302, "sleep 30").in(dir).build()));
        long pid = head.next(TaskStarted.class).pid();
        head.send(new Shutdown(5, "stopped by root"));
        Await.until("the worker to stop and its task " + pid + " to be killed", Duration.ofSeconds(15),
                () -> workerVertx.deploymentIDs().isEmpty()
                        && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }
}
