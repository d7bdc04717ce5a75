package dev.hpc.cli.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpc.cli.bench.chaos.MarkerJob.Execution;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MarkerJobTest {
    @TempDir
    Path dir;

    @Test
    void anEndLineCompletesTheStartLineOfTheSameRun() {
        MarkerJob.Marks m = MarkerJob.parse(List.of(
                "7.c 4294967299 node1 100 -",
                "7.c 4294967299 node1 100 250",
                "7.c 8589934593 node2 300 -"));

        assertEquals(List.of(new Execution(7, "7.c", "4294967299", "node1", 100, OptionalLong.of(250)),
                new Execution(7, "7.c", "8589934593", "node2", 300, OptionalLong.empty())), m.executions());
        assertEquals(List.of(), m.malformed());
    }

    @Test
    void aTornOrForeignLineIsKeptAsUnreadable() {
        MarkerJob.Marks m = MarkerJob.parse(List.of("7.c 42 node1 10", "x.c 42 node1 10 -", "7.c 42 node1 10 -"));

        assertEquals(1, m.executions().size());
        assertEquals(List.of("7.c 42 node1 10", "x.c 42 node1 10 -"), m.malformed());
    }

    @Test
    void jobNumbersAreReadFromTheIdsTheHeadAndQsubPrint() {
        assertEquals(OptionalLong.of(42), MarkerJob.jobNumber("42.chaos1"));
        assertEquals(OptionalLong.of(42), MarkerJob.jobNumber("42"));
        assertEquals(OptionalLong.empty(), MarkerJob.jobNumber("42x"));
        assertEquals(OptionalLong.empty(), MarkerJob.jobNumber(""));
    }

    @Test
    void theScriptWritesAStartAndAnEndLineThatParseBack() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("spool").resolve("4294967301").resolve("tmp"));
        Path script = dir.resolve("job.sh");
        Files.writeString(script, MarkerJob.script(dir, "ch1", Duration.ofMillis(10)), StandardCharsets.UTF_8);
        ProcessBuilder pb = new ProcessBuilder("sh", script.toString()).redirectErrorStream(true);
        pb.environment().put("PBS_JOBID", "5.test");
        pb.environment().put("HPC_WORKER_NODE", "node9");
        pb.environment().put("TMPDIR", tmp.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the script ends");
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));

        List<String> lines = Files.readAllLines(dir.resolve("ch1"));
        MarkerJob.Marks m = MarkerJob.parse(lines);
        assertEquals(2, lines.size(), lines.toString());
        assertEquals(1, m.executions().size(), lines.toString());
        Execution e = m.executions().get(0);
        assertEquals(List.of(5L, "4294967301", "node9"), List.of(e.jobNumber(), e.attempt(), e.node()));
        assertTrue(e.endNs().getAsLong() >= e.startNs() + 10_000_000L, lines.toString());
    }
}
