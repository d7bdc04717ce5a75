package dev.hpc.examples;

import dev.hpc.api.job.Job;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job scripts of {@code examples/jobs/} run on a real cluster of two workers, submitted the way a
 * user does: {@code cd DIR && bin/qsub SCRIPT}, the head found through the config file that
 * {@code hpc local up} writes ({@code HPC_CONFIG} here, so the user's own is never touched).
 */
class ExampleScriptsIT {
    @TempDir
    static Path clusterHome;

    static RealCluster cluster;

    @TempDir
    Path work;

    @BeforeAll
    static void startCluster() {
        cluster = RealCluster.start(clusterHome, 2, 2);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void helloSaysWhereItRan() throws IOException {
        String id = qsub("hello.pbs");
        Job job = awaitFinished(id);
        long n = job.id().number();

        List<String> out = lines(work.resolve("hello.o" + n));
        assertEquals(2, out.size(), "hello.o" + n + ": " + out);
        assertTrue(Pattern.matches("Hello from job " + Pattern.quote(id) + " \\(hello\\) on \\S+, worker node[12]",
                out.get(0)), out.get(0));
        assertEquals("submitted from " + job.spec().submitHost() + ":" + work.toRealPath() + ", queue batch",
                out.get(1));
        assertFalse(Files.exists(work.resolve("hello.e" + n)), "-j oe: no error file");
        assertExitStatus(id, Map.of(id, "0"));
    }

    @Test
    void arraySweepRunsTenTasksEachWithItsParameter() throws IOException {
        String id = qsub("array.pbs");
        assertTrue(id.matches("\\d+\\[\\]\\." + Pattern.quote(cluster.name())), "an array job's id: " + id);
        Job job = awaitFinished(id);
        long n = job.id().number();
        assertEquals(10, job.tasks().size());

        for (int i = 1; i <= 10; i++) {
            String task = n + "[" + i + "]." + cluster.name();
            List<String> out = lines(work.resolve("sweep.o" + n + "-" + i));
            String alpha = String.format(Locale.ROOT, "%.2f", i * 0.25);
            assertEquals(1, out.size(), "sweep.o" + n + "-" + i + ": " + out);
            assertTrue(Pattern.matches("task " + i + " of job " + Pattern.quote(task) + " computes with alpha="
                    + Pattern.quote(alpha) + " on node[12]", out.get(0)), out.get(0));
            assertEquals("", Files.readString(work.resolve("sweep.e" + n + "-" + i)), "task " + i + " wrote no errors");
        }
        List<String> tasks = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            tasks.add(n + "[" + i + "]." + cluster.name());
        }
        Cli.Result r = cluster.cli().process(work, "qstat", "-f", "-t", id);
        assertEquals(0, r.exitCode(), r.describe());
        Map<String, Map<String, String>> shown = QstatFull.parse(r.out());
        for (String t : tasks) {
            assertEquals("0", shown.getOrDefault(t, Map.of()).get("exit_status"), t + ": " + shown.get(t));
        }
    }

    @Test
    void nodefileListsOneLinePerSlotOnTwoNodes() throws IOException {
        String id = qsub("nodefile.pbs");
        Job job = awaitFinished(id);
        long n = job.id().number();

        List<String> out = lines(work.resolve("nodes.o" + n));
        assertEquals("job " + id + " has 2 nodes, 1 per node, 2 in all", out.get(0), "nodes.o" + n + ": " + out);
        assertTrue(out.get(1).matches("node file /.+:"), out.toString());
        List<String> nodeFile = out.subList(2, 4);
        assertEquals(List.of("node1", "node2"), nodeFile.stream().sorted().toList(),
                "one line per slot, on two different nodes: " + out);
        assertEquals(List.of("distinct nodes:", "node1", "node2"), out.subList(4, out.size()), out.toString());
        assertExitStatus(id, Map.of(id, "0"));
    }

    // ---- helpers

    /** {@code cd work && bin/qsub examples/jobs/SCRIPT} as a process; returns the id it printed. */
    private String qsub(String script) {
        Path file = cluster.hpcHome().resolve("examples").resolve("jobs").resolve(script);
        Cli.Result r = cluster.cli().process(work, "qsub", file.toString());
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("", r.err(), r.describe());
        assertTrue(r.out().matches("\\d+(\\[\\])?\\." + Pattern.quote(cluster.name()) + "\n"),
                "qsub prints the job id alone: " + r.describe());
        return r.line();
    }

    private static Job awaitFinished(String id) {
        return Poll.value("job " + id + " finishes", Poll.TIMEOUT, () -> {
            Job j = cluster.job(id);
            return j.state().isTerminal() ? java.util.Optional.of(j) : java.util.Optional.empty();
        }, () -> cluster.job(id).toString());
    }

    /** {@code bin/qstat -f ID} shows each given id with the given exit status. */
    private void assertExitStatus(String id, Map<String, String> expected) {
        Cli.Result r = cluster.cli().process(work, "qstat", "-f", id);
        assertEquals(0, r.exitCode(), r.describe());
        Map<String, Map<String, String>> shown = QstatFull.parse(r.out());
        expected.forEach((job, status) -> {
            assertEquals("F", shown.getOrDefault(job, Map.of()).get("job_state"), r.describe());
            assertEquals(status, shown.get(job).get("exit_status"), r.describe());
        });
    }

    private static List<String> lines(Path file) throws IOException {
        assertTrue(Files.exists(file), file + " exists");
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }
}
