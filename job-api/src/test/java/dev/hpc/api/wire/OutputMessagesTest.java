package dev.hpc.api.wire;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobOutput;
import dev.hpc.api.job.JobState;
import dev.hpc.api.json.Json;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Issue 7: the link messages that read a task's output, and the API's answer. */
class OutputMessagesTest {
    @Test
    void readOutputAndItsChunkSurviveTheLink() {
        WireMessage.ReadOutput read = new WireMessage.ReadOutput(3, "r-1", 1L << 32 | 5, "stderr", -4096, 65536);
        assertEquals(read, WireCodec.decodeFromHead(WireCodec.encode(read)));

        byte[] bytes = {'h', 'i', '\n', (byte) 0xe2, (byte) 0x82, 0, (byte) 0xff};
        WireMessage.OutputChunk chunk = new WireMessage.OutputChunk("r-1", 10, bytes, 17, "/home/a/x.o1", "");
        WireMessage.OutputChunk back = (WireMessage.OutputChunk) WireCodec.decodeFromWorker(WireCodec.encode(chunk));
        assertEquals(chunk, back);
        assertArrayEquals(bytes, back.data());

        WireMessage.OutputChunk refused = new WireMessage.OutputChunk("r-2", 0, new byte[0], 0, "",
                "attempt 5 did not run on node1");
        assertEquals(refused, WireCodec.decodeFromWorker(WireCodec.encode(refused)));
    }

    @Test
    void theAnswerOfTheApiReadsBack() {
        JobOutput out = new JobOutput("7.c", JobOutput.Stream.STDOUT, "é\nok\n", 100, 105, 105, true, false,
                JobState.COMPLETED, "node1", "/tmp/x.o7");
        assertEquals(out, JobOutput.fromMap(Json.readObject(Json.write(out.toMap()))));
    }

    @Test
    void onlyTheTwoStreamsAreNamed() {
        assertEquals(JobOutput.Stream.STDERR, JobOutput.Stream.parse(" STDERR"));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> JobOutput.Stream.parse("/etc/passwd"));
        assertEquals("stream '/etc/passwd' is not one of stdout, stderr", e.getMessage());
    }
}
