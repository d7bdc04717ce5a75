package dev.hpc.worker;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.wire.WireMessage.Kill;
import dev.hpc.api.wire.WireMessage.KillSpawn;
import dev.hpc.api.wire.WireMessage.Launch;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.Spawn;
import dev.hpc.api.wire.WireMessage.SpawnExited;
import dev.hpc.api.wire.WireMessage.SpawnOutput;
import dev.hpc.api.wire.WireMessage.SpawnsRunning;
import dev.hpc.api.wire.WireMessage.TaskStarted;
import dev.hpc.api.wire.WireMessage.Welcome;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6: commands spawned into an attempt (MPI's daemons, hpc dsh) belong to it on every node of its
 * allocation: they die with it whether or not this node runs the attempt's script.
 */
class WorkerSpawnTest {
    private static final long EPOCH = 5;
    @TempDir
    Path tmp;
    private Vertx workerVertx;
    private FakeHead head;
    private String marker;

    @BeforeEach
    void start() {
        marker = "spawn" + ThreadLocalRandom.current().nextInt(1_000_000, 9_999_999);
        head = new FakeHead(r -> Optional.of(new Welcome(EPOCH, "head-a", FakeHead.heartbeat())));
        workerVertx = Vertx.vertx();
        WorkerConfig config = WorkerConfig.builder().allowRootJobs(true).nodeName("node2").hostName("vm").heads(List.of(head.address()))
                .cores(2).memory("1gb").spoolDir(tmp.resolve("spool")).killGrace("500ms")
                .heartbeatInterval(Duration.ofMillis(100)).reconnect(Duration.ofMillis(50), Duration.ofMillis(200))
                .build();
        workerVertx.deployVerticle(new WorkerVerticle(config)).await();
        head.next(Register.class);
    }

    @AfterEach
    void stop() {
        workerVertx.close().await();
        head.close();
        ProcessHandle.allProcesses().filter(this::ours).forEach(ProcessHandle::destroyForcibly);
    }

    private boolean ours(ProcessHandle h) {
        return h.info().commandLine().orElse("").contains("." + marker.substring(5));
    }

    private long alive() {
        return ProcessHandle.allProcesses().filter(this::ours).count();
    }

    /** A command that leaves a child behind in the background and waits: two processes to kill. */
    private Spawn sleeper(String id, long attemptId) {
        return new Spawn(EPOCH, attemptId, id, List.of("sleep", "600." + marker.substring(5), "&", "exec", "sleep",
                "601." + marker.substring(5), "#", marker), Map.of(), tmp.toString(), System.getProperty("user.name"));
    }

    @Test
    void aSpawnedCommandRunsWithItsEnvironmentAndReportsOutputAndStatus() {
        head.send(new Spawn(EPOCH, 77, "s1", List.of("echo", "\"$GREETING from $HPC_WORKER_NODE\";", "echo", "oops",
                ">&2;", "exit", "3"), Map.of("GREETING", "hello"), tmp.toString(), System.getProperty("user.name")));
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        SpawnExited exited;
        while (true) {
            var m = head.next(dev.hpc.api.wire.WireMessage.FromWorker.class,
                    x -> x instanceof SpawnOutput || x instanceof SpawnExited);
            if (m instanceof SpawnOutput o) {
                (o.stream() == 1 ? out : err).append(new String(o.data(), StandardCharsets.UTF_8));
            } else {
                exited = (SpawnExited) m;
                break;
            }
        }
        assertEquals("s1", exited.spawnId());
        assertEquals(3, exited.exitStatus());
        assertEquals("hello from node2\n", out.toString());
        assertEquals("oops\n", err.toString());
    }

    /**
     * Issue 18: a command spawned into a job runs under the job's per-process limits, as its script does:
     * {@code /proc/self/limits} of the spawned shell shows them (bytes and seconds, whatever the shell), and
     * the GPU binding the head chose for this node reaches it as sent.
     */
    @Test
    void aSpawnedCommandGetsTheJobsPerProcessLimitsAndItsGpuBinding() {
        head.send(new Spawn(EPOCH, 78, "s-limits", List.of("grep", "-E", "'^Max (cpu time|file size|address space)'",
                "/proc/self/limits;", "echo", "\"gpus=$CUDA_VISIBLE_DEVICES\""), Map.of("CUDA_VISIBLE_DEVICES", "1"),
                tmp.toString(), System.getProperty("user.name"), false,
                new dev.hpc.api.job.ProcessLimits(3L << 30, 600, 5L << 20)));
        StringBuilder out = new StringBuilder();
        SpawnExited exited;
        while (true) {
            var m = head.next(dev.hpc.api.wire.WireMessage.FromWorker.class,
                    x -> x instanceof SpawnOutput || x instanceof SpawnExited);
            if (m instanceof SpawnOutput o) {
                out.append(new String(o.data(), StandardCharsets.UTF_8));
            } else {
                exited = (SpawnExited) m;
                break;
            }
        }
        assertEquals(0, exited.exitStatus(), out.toString());
        String text = out.toString().replaceAll(" +", " ");
        assertTrue(text.contains("Max cpu time 600 601 seconds"), text);
        assertTrue(text.contains("Max file size " + (5L << 20) + " " + (5L << 20) + " bytes"), text);
        assertTrue(text.contains("Max address space " + (3L << 30) + " " + (3L << 30) + " bytes"), text);
        assertTrue(text.contains("gpus=1\n"), text);
    }

    /**
     * Issue 16: a head that took over asks again for the commands the previous head relayed. One that ended
     * is answered with its end, one this worker never ran (it restarted) is not started when asked to resume,
     * and one that runs is not started twice.
     */
    @Test
    void aSpawnAskedForAgainIsNeverStartedTwiceAndAnEndedOneIsAnsweredWithItsEnd() {
        head.send(new Spawn(EPOCH, 77, "s-end", List.of("exit", "4"), Map.of(), tmp.toString(),
                System.getProperty("user.name")));
        assertEquals(4, head.next(SpawnExited.class, x -> x.spawnId().equals("s-end")).exitStatus());
        head.send(new Spawn(EPOCH, 77, "s-end", List.of("exit", "4"), Map.of(), tmp.toString(),
                System.getProperty("user.name"), true));
        assertEquals(4, head.next(SpawnExited.class, x -> x.spawnId().equals("s-end")).exitStatus(),
                "the end is told again to the head that asks");

        head.send(new Spawn(EPOCH, 77, "s-never", List.of("touch", tmp.resolve("started").toString()), Map.of(),
                tmp.toString(), System.getProperty("user.name"), true));
        SpawnExited unknown = head.next(SpawnExited.class, x -> x.spawnId().equals("s-never"));
        assertEquals(255, unknown.exitStatus());
        assertTrue(unknown.message().contains("no longer known"), unknown.message());
        assertTrue(!java.nio.file.Files.exists(tmp.resolve("started")), "a resumed spawn is never started anew");

        head.send(sleeper("s-run", 78));
        Await.until("the sleeper runs", () -> alive() >= 2);
        head.send(sleeper("s-run", 78));
        head.next(SpawnsRunning.class, r -> r.spawns().size() == 1);
        assertEquals(2, alive(), "the same spawn id twice runs once");
    }

    @Test
    void aKillOfAnAttemptThisNodeDoesNotRunKillsItsSpawnedCommands() {
        head.send(sleeper("s1", 88));
        head.send(sleeper("s2", 88));
        Await.until("both spawned commands run, with their children", () -> alive() >= 4);
        SpawnsRunning listed = head.next(SpawnsRunning.class, r -> r.spawns().size() == 2);
        assertEquals(88, listed.spawns().get(0).attemptId());

        head.send(new Kill(EPOCH, 88, EndReason.CANCELLED));
        head.next(SpawnExited.class);
        head.next(SpawnExited.class);
        Await.until("no process of the spawned commands is left", () -> alive() == 0);

        head.send(sleeper("s3", 88));
        SpawnExited refused = head.next(SpawnExited.class, x -> x.spawnId().equals("s3"));
        assertEquals(255, refused.exitStatus(), "nothing starts in an attempt that was killed");
        assertTrue(refused.message().contains("ended"), refused.message());
    }

    @Test
    void theEndOfTheScriptOnThisNodeKillsWhatWasSpawnedIntoItsAttempt() throws Exception {
        Path flag = tmp.resolve("go");
        Path dir = Files.createDirectories(tmp.resolve("job"));
        head.send(new Launch(EPOCH, aTask(99, "while [ ! -e " + flag + " ]; do sleep 0.05; done").in(dir)
                .nodes(1, 1, "node2", "node3").build()));
        head.next(TaskStarted.class);
        head.send(sleeper("s1", 99));
        Await.until("the spawned command runs", () -> alive() >= 2);
        Files.writeString(flag, "");
        SpawnExited exited = head.next(SpawnExited.class);
        assertEquals("s1", exited.spawnId());
        Await.until("no process of the spawned command is left", () -> alive() == 0);
    }

    @Test
    void aKillOfOneSpawnLeavesTheOthers() {
        head.send(sleeper("s1", 66));
        head.send(sleeper("s2", 66));
        Await.until("both run", () -> alive() >= 4);
        head.send(new KillSpawn(EPOCH, "s1"));
        assertEquals("s1", head.next(SpawnExited.class).spawnId());
        Await.until("only the other one is left", () -> alive() == 2);
        head.send(new Kill(EPOCH, 66, EndReason.EXITED));
        assertEquals("s2", head.next(SpawnExited.class).spawnId());
    }
}
