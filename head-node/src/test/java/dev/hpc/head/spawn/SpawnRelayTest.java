package dev.hpc.head.spawn;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.json.Json;
import dev.hpc.api.wire.SpawnProtocol;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import dev.hpc.api.wire.WireMessage;
import dev.hpc.head.web.RunningHead;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6: the spawn route of a real head, with workers on the real link that run nothing. Only the
 * job's own token opens it; the command goes to the named node's worker; its output and exit come
 * back as frames; it dies when its caller goes away.
 */
class SpawnRelayTest {
    @TempDir
    Path dir;
    private RunningHead head;
    private LinkedWorker n1;
    private LinkedWorker n2;
    private LaunchOrder order;
    private String first;
    private LinkedWorker firstWorker;
    private LinkedWorker otherWorker;
    private String other;

    @BeforeEach
    void aTwoNodeJobRuns() throws Exception {
        head = RunningHead.start(dir, "c");
        n1 = LinkedWorker.connect(head.baseUrl(), "n1");
        n2 = LinkedWorker.connect(head.baseUrl(), "n2");
        head.submit("alice", "mpi", List.of("-l", "nodes=2:ppn=1"));
        WireMessage.Launch launch;
        try {
            launch = n1.next(WireMessage.Launch.class, m -> true);
            firstWorker = n1;
            otherWorker = n2;
        } catch (AssertionError e) {
            launch = n2.next(WireMessage.Launch.class, m -> true);
            firstWorker = n2;
            otherWorker = n1;
        }
        order = launch.order();
        first = order.nodes().get(0).node();
        other = order.nodes().get(1).node();
    }

    @AfterEach
    void stop() {
        n1.close();
        n2.close();
        head.close();
    }

    private String token() {
        return order.environment().get(SpawnProtocol.ENV_SPAWN_TOKEN);
    }

    private HttpURLConnection spawn(String host, String token) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("attemptId", order.attemptId());
        body.put("token", token);
        body.put("host", host);
        body.put("argv", List.of("orted", "\"x\""));
        body.put("environment", Map.of("A", "1"));
        body.put("workDir", "/tmp");
        HttpURLConnection c = (HttpURLConnection) new URL(head.baseUrl() + SpawnProtocol.path(order.taskName()))
                .openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setReadTimeout(10_000);
        c.setRequestProperty("Content-Type", "application/json");
        try (OutputStream o = c.getOutputStream()) {
            o.write(Json.write(body).getBytes(StandardCharsets.UTF_8));
        }
        return c;
    }

    @Test
    void theLaunchCarriesTheTokenAndTheMachinesOfTheAllocation() {
        assertTrue(token().length() >= 40, token());
        assertEquals(first + "=machine-" + first + "," + other + "=machine-" + other,
                order.environment().get(SpawnProtocol.ENV_NODE_HOSTS));
    }

    @Test
    void aCommandRunsOnTheNamedNodeAndItsOutputAndStatusComeBack() throws Exception {
        HttpURLConnection c = spawn(other, token());
        assertEquals(200, c.getResponseCode());
        assertEquals(SpawnProtocol.MEDIA_TYPE, c.getContentType());
        WireMessage.Spawn s = otherWorker.next(WireMessage.Spawn.class, m -> true);
        assertEquals(order.attemptId(), s.attemptId());
        assertEquals(List.of("orted", "\"x\""), s.argv());
        assertEquals("1", s.environment().get("A"));
        assertEquals("1", s.environment().get("PBS_NODENUM"));
        assertEquals("/tmp", s.workDir());
        otherWorker.send(new WireMessage.SpawnOutput(s.spawnId(), 1, "hi\n".getBytes(StandardCharsets.UTF_8)));
        otherWorker.send(new WireMessage.SpawnOutput(s.spawnId(), 2, "err\n".getBytes(StandardCharsets.UTF_8)));
        otherWorker.send(new WireMessage.SpawnExited(s.spawnId(), 3, ""));
        try (DataInputStream in = new DataInputStream(c.getInputStream())) {
            SpawnProtocol.Frame f = next(in);
            assertEquals(SpawnProtocol.STDOUT, f.kind());
            assertEquals("hi\n", f.text());
            f = next(in);
            assertEquals(SpawnProtocol.STDERR, f.kind());
            f = next(in);
            assertEquals(SpawnProtocol.EXIT, f.kind());
            assertEquals(3, f.exitStatus());
        }
    }

    private static SpawnProtocol.Frame next(DataInputStream in) throws IOException {
        while (true) {
            SpawnProtocol.Frame f = SpawnProtocol.read(in).orElseThrow(() -> new AssertionError("the stream ended"));
            if (f.kind() != SpawnProtocol.KEEPALIVE) {
                return f;
            }
        }
    }

    @Test
    void onlyTheJobsTokenOpensItsAllocationAndOnlyItsNodes() throws Exception {
        HttpURLConnection wrong = spawn(other, token().substring(1) + "A");
        assertEquals(403, wrong.getResponseCode());
        assertEquals("FORBIDDEN", Json.readObject(new String(wrong.getErrorStream().readAllBytes(),
                StandardCharsets.UTF_8)).string("code"));
        HttpURLConnection elsewhere = spawn("n9", token());
        assertEquals(400, elsewhere.getResponseCode());
        String message = Json.readObject(new String(elsewhere.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .string("message");
        assertTrue(message.contains("not a node of the allocation"), message);
        HttpURLConnection byMachine = spawn("machine-" + other, token());
        assertEquals(200, byMachine.getResponseCode(), "a node's machine name names that node");
        assertEquals(order.attemptId(), otherWorker.next(WireMessage.Spawn.class, m -> true).attemptId());
        byMachine.disconnect();
    }

    @Test
    void theCommandIsKilledWhenItsCallerGoesAway() throws Exception {
        HttpURLConnection c = spawn(other, token());
        assertEquals(200, c.getResponseCode());
        WireMessage.Spawn s = otherWorker.next(WireMessage.Spawn.class, m -> true);
        c.getInputStream().close();
        c.disconnect();
        assertEquals(s.spawnId(), otherWorker.next(WireMessage.KillSpawn.class, m -> true).spawnId());
    }

    @Test
    void aLostWorkerEndsTheCallersStreamWith255() throws Exception {
        HttpURLConnection c = spawn(other, token());
        assertEquals(200, c.getResponseCode());
        otherWorker.next(WireMessage.Spawn.class, m -> true);
        otherWorker.kill();
        try (DataInputStream in = new DataInputStream(c.getInputStream())) {
            SpawnProtocol.Frame note = next(in);
            assertEquals(SpawnProtocol.NOTE, note.kind());
            assertTrue(note.text().contains("lost the link"), note.text());
            assertEquals(255, next(in).exitStatus());
        }
    }

    @Test
    void theEndOfTheScriptKillsTheAttemptOnTheOtherNodeAndTakesNoMoreSpawns() throws Exception {
        firstWorker.send(new WireMessage.TaskFinished(new WireMessage.TaskResult(order.attemptId(), order.taskName(),
                0, EndReason.EXITED, Instant.now())));
        assertEquals(order.attemptId(), otherWorker.next(WireMessage.Kill.class, m -> true).attemptId());
        HttpURLConnection late = spawn(other, token());
        assertEquals(409, late.getResponseCode());
    }

    /** Once the adoption grace after the head's start is over, a command no caller follows is killed. */
    @Test
    void aSpawnWithoutACallerIsKilledWhenTheWorkerListsItAfterTheGrace() throws Exception {
        n1.close();
        n2.close();
        head.close();
        head = RunningHead.start(dev.hpc.head.HeadConfig.defaults("head1", "c", dir.resolve("late")).withPort(0),
                java.time.Duration.ZERO);
        LinkedWorker w = LinkedWorker.connect(head.baseUrl(), "n1");
        n1 = w;
        n2 = LinkedWorker.connect(head.baseUrl(), "n2");
        w.send(new WireMessage.SpawnsRunning(List.of(new WireMessage.SpawnRef("orphan", 1))));
        assertEquals("orphan", w.next(WireMessage.KillSpawn.class, m -> true).spawnId());
    }

    /**
     * Issue 16: MPI jobs failed on a takeover. A head that has just become active keeps what its workers run
     * for callers of the previous head: their output and end wait for the caller that resumes with the same
     * spawn id, and the worker is asked to resume, never to start anew.
     */
    @Test
    void aCallerOfThePreviousHeadResumesItsCommandAndGetsItsOutputAndEnd() throws Exception {
        otherWorker.send(new WireMessage.SpawnOutput("orted-7", 1, "before the takeover\n".getBytes(
                StandardCharsets.UTF_8)));
        otherWorker.send(new WireMessage.SpawnsRunning(List.of(new WireMessage.SpawnRef("orted-7",
                order.attemptId()))));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("attemptId", order.attemptId());
        body.put("token", token());
        body.put("host", other);
        body.put("argv", List.of("orted", "\"x\""));
        body.put("workDir", "/tmp");
        body.put("spawnId", "orted-7");
        body.put("resume", true);
        HttpURLConnection c = (HttpURLConnection) new URL(head.baseUrl() + SpawnProtocol.path(order.taskName()))
                .openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setReadTimeout(10_000);
        c.setRequestProperty("Content-Type", "application/json");
        try (OutputStream o = c.getOutputStream()) {
            o.write(Json.write(body).getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(200, c.getResponseCode());
        WireMessage.Spawn asked = otherWorker.next(WireMessage.Spawn.class, m -> m.spawnId().equals("orted-7"));
        assertTrue(asked.resume(), "the worker is asked to resume it, never to start it anew");
        otherWorker.send(new WireMessage.SpawnExited("orted-7", 0, ""));
        java.io.DataInputStream in = new java.io.DataInputStream(c.getInputStream());
        StringBuilder out = new StringBuilder();
        int exit = -1;
        for (Optional<SpawnProtocol.Frame> f = SpawnProtocol.read(in); f.isPresent(); f = SpawnProtocol.read(in)) {
            if (f.get().kind() == SpawnProtocol.STDOUT) {
                out.append(new String(f.get().payload(), StandardCharsets.UTF_8));
            } else if (f.get().kind() == SpawnProtocol.EXIT) {
                exit = f.get().exitStatus();
                break;
            }
        }
        assertEquals("before the takeover\n", out.toString(), "the output written while no caller followed");
        assertEquals(0, exit);
    }
}
