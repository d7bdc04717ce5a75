package dev.hpc.api.wire;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.ProcessLimits;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 6: the link messages and the streamed frames of spawned commands. */
class SpawnMessagesTest {
    @Test
    void spawnMessagesSurviveTheLink() {
        WireMessage.Spawn spawn = new WireMessage.Spawn(7, 42, "s-1", List.of("orted", "-mca", "\"x\""),
                Map.of("PATH", "/usr/bin", "A", "b c"), "/home/alice", "alice");
        assertEquals(spawn, WireCodec.decodeFromHead(WireCodec.encode(spawn)));
        assertEquals("alice", ((WireMessage.Spawn) WireCodec.decodeFromHead(WireCodec.encode(spawn))).owner(),
                "issue 8: the worker starts the command as the attempt's owner");
        WireMessage.TaskFinished refused = new WireMessage.TaskFinished(new WireMessage.TaskResult(42, "42.test", -1,
                EndReason.LAUNCH_FAILED, java.time.Instant.parse("2026-11-24T03:00:00Z"),
                "owner bob does not exist on node n2"));
        assertEquals(refused, WireCodec.decodeFromWorker(WireCodec.encode(refused)),
                "issue 8: why a launch was refused reaches the head");
        WireMessage.Spawn limited = new WireMessage.Spawn(7, 42, "s-2", List.of("true"), Map.of(), "", "alice", false,
                new ProcessLimits(1L << 30, 60, 0));
        assertEquals(limited, WireCodec.decodeFromHead(WireCodec.encode(limited)),
                "issue 18: a spawned command gets the job's per-process limits");
        assertEquals(ProcessLimits.NONE, ((WireMessage.Spawn) WireCodec.decodeFromHead(WireCodec.encode(spawn))).limits());
        WireMessage.KillSpawn kill = new WireMessage.KillSpawn(7, "s-1");
        assertEquals(kill, WireCodec.decodeFromHead(WireCodec.encode(kill)));

        byte[] bytes = {0, 1, (byte) 0xff, 'h', 'i', '\n'};
        WireMessage.SpawnOutput out = new WireMessage.SpawnOutput("s-1", 2, bytes);
        WireMessage.SpawnOutput back = (WireMessage.SpawnOutput) WireCodec.decodeFromWorker(WireCodec.encode(out));
        assertEquals(out, back);
        assertArrayEquals(bytes, back.data());
        WireMessage.SpawnExited exited = new WireMessage.SpawnExited("s-1", 143, "killed");
        assertEquals(exited, WireCodec.decodeFromWorker(WireCodec.encode(exited)));
        WireMessage.SpawnsRunning running = new WireMessage.SpawnsRunning(List.of(new WireMessage.SpawnRef("s-1", 42),
                new WireMessage.SpawnRef("s-2", 43)));
        assertEquals(running, WireCodec.decodeFromWorker(WireCodec.encode(running)));
    }

    @Test
    void framesAreReadBackInOrderUntilTheEnd() throws IOException {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.write(SpawnProtocol.frame(SpawnProtocol.STDOUT, "out".getBytes(StandardCharsets.UTF_8)));
        stream.write(SpawnProtocol.frame(SpawnProtocol.KEEPALIVE, new byte[0]));
        stream.write(SpawnProtocol.noteFrame("a note"));
        stream.write(SpawnProtocol.exitFrame(-3));
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(stream.toByteArray()));
        assertEquals("out", SpawnProtocol.read(in).orElseThrow().text());
        assertEquals(SpawnProtocol.KEEPALIVE, SpawnProtocol.read(in).orElseThrow().kind());
        SpawnProtocol.Frame note = SpawnProtocol.read(in).orElseThrow();
        assertEquals(SpawnProtocol.NOTE, note.kind());
        assertEquals("a note", note.text());
        assertEquals(-3, SpawnProtocol.read(in).orElseThrow().exitStatus());
        assertTrue(SpawnProtocol.read(in).isEmpty());
    }

    /** Issue 19: the messages and frames of interactive sessions. */
    @Test
    void sessionMessagesSurviveTheLinkAndSessionFramesParse() throws IOException {
        WireMessage.OpenSession open = new WireMessage.OpenSession(7, 42, "session-42", true, 24, 80, "xterm");
        assertEquals(open, WireCodec.decodeFromHead(WireCodec.encode(open)));
        byte[] keys = {3, 'l', 's', '\r', (byte) 0xc3, (byte) 0xa9};
        WireMessage.SessionInput input = new WireMessage.SessionInput(7, "session-42", keys, false);
        WireMessage.SessionInput back = (WireMessage.SessionInput) WireCodec.decodeFromHead(WireCodec.encode(input));
        assertEquals(input, back);
        assertArrayEquals(keys, back.data());
        WireMessage.SessionInput end = new WireMessage.SessionInput(7, "session-42", new byte[0], true);
        assertEquals(end, WireCodec.decodeFromHead(WireCodec.encode(end)));
        WireMessage.SessionResize resize = new WireMessage.SessionResize(7, "session-42", 50, 132);
        assertEquals(resize, WireCodec.decodeFromHead(WireCodec.encode(resize)));

        int[] size = SpawnProtocol.parse(SpawnProtocol.resizeFrame(50, 132)).size();
        assertArrayEquals(new int[] {50, 132}, size);
        assertArrayEquals(keys, SpawnProtocol.parse(SpawnProtocol.frame(SpawnProtocol.INPUT, keys)).payload());
        IOException shortFrame = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> SpawnProtocol.parse(new byte[] {'i', 0, 0, 0, 9, 'x'}));
        assertTrue(shortFrame.getMessage().contains("says 9 bytes but holds 1"), shortFrame.getMessage());
    }

    @Test
    void theSpawnPathEncodesArrayIds() {
        assertEquals("/api/v1/jobs/42%5B3%5D.c/spawn", SpawnProtocol.path("42[3].c"));
    }
}
