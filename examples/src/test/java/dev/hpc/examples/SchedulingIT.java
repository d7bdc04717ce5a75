package dev.hpc.examples;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 5 on a real cluster (a head with queues from its --config file, three workers of two cores):
 * an array of 200 tasks under a throttle, a dependency chain, and the walltime and memory limits
 * enforced by the workers. Waits on conditions, never on fixed sleeps.
 */
class SchedulingIT {
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    static Path home;

    static RealCluster cluster;

    @BeforeAll
    static void startCluster() throws IOException {
        Path config = Files.writeString(Files.createDirectories(home.resolve("etc")).resolve("head.properties"),
                String.join("\n", "default-queue=batch", "queue.batch.max-walltime=1h",
                        "queue.debug.priority=100", "queue.debug.max-walltime=00:10:00",
                        "queue.debug.max-cores-per-job=2", "queue.closed.enabled=false", ""));
        cluster = RealCluster.start(home.resolve("cluster"), 3, 2,
                spec -> spec.withHeadArgs(List.of("--config", config.toString())));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String submit(Path dir, String name, String script, String... options) throws IOException {
        Path file = Files.writeString(dir.resolve(name + ".sh"), script);
        List<String> args = new ArrayList<>(List.of(options));
        args.add("-N");
        args.add(name);
        args.add(file.toString());
        Cli.Result r = cluster.cli().qsubIn(dir, args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.describe());
        return r.line();
    }

    private static Job ended(String id) {
        return Poll.value("job " + id + " to end", WAIT, () -> {
            Job j = cluster.job(id);
            return j.state().isTerminal() ? java.util.Optional.of(j) : java.util.Optional.empty();
        }, () -> String.valueOf(cluster.job(id)));
    }

    @Test
    void anArrayOf200TasksIsSpreadAndItsThrottleIsNeverExceeded() throws IOException {
        Path dir = Files.createDirectories(home.resolve("array"));
        String id = submit(dir, "sweep", "#!/bin/bash\n"
                + "start=$(date +%s%N)\n"
                + "sleep 0.2\n"
                + "echo \"$start $(date +%s%N) $HPC_WORKER_NODE\" > " + dir + "/task.$PBS_ARRAYID\n", "-t", "1-200%5",
                "-j", "oe", "-o", dir + "/out/");
        Job job = ended(id);
        assertEquals(JobState.COMPLETED, job.state(), String.valueOf(job));
        List<long[]> intervals = new ArrayList<>();
        Set<String> nodes = new TreeSet<>();
        for (int i = 1; i <= 200; i++) {
            List<String> lines = RealCluster.lines(dir.resolve("task." + i));
            assertEquals(1, lines.size(), "task " + i + " left its record");
            String[] f = lines.get(0).split(" ");
            intervals.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
            nodes.add(f[2]);
        }
        assertEquals(3, nodes.size(), "the tasks ran on every worker: " + nodes);
        assertTrue(maxConcurrent(intervals) <= 5, "at most 5 tasks at once, saw " + maxConcurrent(intervals));
        assertTrue(maxConcurrent(intervals) >= 2, "the tasks did run side by side");
    }

    /** The most intervals that overlap at one instant. */
    private static int maxConcurrent(List<long[]> intervals) {
        List<long[]> events = new ArrayList<>();
        for (long[] i : intervals) {
            events.add(new long[] {i[0], 1});
            events.add(new long[] {i[1], -1});
        }
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int max = 0;
        for (long[] e : events) {
            now += (int) e[1];
            max = Math.max(max, now);
        }
        return max;
    }

    @Test
    void aDependencyChainRunsInOrder() throws IOException {
        Path dir = Files.createDirectories(home.resolve("chain"));
        String step = "#!/bin/bash\necho \"$(date +%s%N) start\" >> " + dir + "/$PBS_JOBNAME\nsleep 1\n"
                + "echo \"$(date +%s%N) end\" >> " + dir + "/$PBS_JOBNAME\n";
        String a = submit(dir, "first", step);
        String b = submit(dir, "second", step, "-W", "depend=afterok:" + a);
        String c = submit(dir, "third", step, "-W", "depend=afterok:" + b);
        Poll.until("the third job to show a system hold while it waits", WAIT,
                () -> cluster.job(c).state().isTerminal() || cluster.job(c).tasks().get(0).holds().contains("s"));
        for (String id : List.of(a, b, c)) {
            assertEquals(JobState.COMPLETED, ended(id).state());
        }
        long firstEnd = time(dir.resolve("first"), "end");
        long secondStart = time(dir.resolve("second"), "start");
        long secondEnd = time(dir.resolve("second"), "end");
        long thirdStart = time(dir.resolve("third"), "start");
        assertTrue(firstEnd <= secondStart && secondEnd <= thirdStart, "in order: " + firstEnd + " " + secondStart
                + " " + secondEnd + " " + thirdStart);
    }

    private static long time(Path file, String what) {
        for (String line : RealCluster.lines(file)) {
            if (line.endsWith(" " + what)) {
                return Long.parseLong(line.split(" ")[0]);
            }
        }
        throw new AssertionError(file + " has no " + what + " line: " + RealCluster.lines(file));
    }

    @Test
    void aJobOverItsWalltimeIsKilledWithTheWalltimeReason() throws IOException {
        Path dir = Files.createDirectories(home.resolve("walltime"));
        String id = submit(dir, "slow", "#!/bin/bash\nsleep 60\n", "-l", "walltime=00:00:02");
        Job job = ended(id);
        assertEquals(JobState.FAILED, job.state());
        assertEquals(EndReason.WALLTIME, job.reason());
        Cli.Result full = cluster.cli().run("qstat", "-f", "-1", id);
        assertTrue(full.out().contains("comment = " + EndReason.WALLTIME.description()), full.describe());
    }

    @Test
    void aJobOverItsMemoryLimitIsKilledWithTheMemoryReason() throws IOException {
        Path dir = Files.createDirectories(home.resolve("memory"));
        // tail holds the 200 MB it reads, with no newline in sight, until its input ends a minute later
        String id = submit(dir, "hungry", "#!/bin/bash\n( head -c 200m /dev/zero; sleep 60 ) | tail > /dev/null\n",
                "-l", "mem=50mb");
        Job job = ended(id);
        assertEquals(JobState.FAILED, job.state());
        assertEquals(EndReason.MEMORY, job.reason());
        Cli.Result full = cluster.cli().run("qstat", "-f", "-1", id);
        assertTrue(full.out().contains("comment = " + EndReason.MEMORY.description()), full.describe());
    }

    @Test
    void queuesAreListedAndAnUnknownOrDisabledQueueIsRefused() throws IOException {
        Path dir = Files.createDirectories(home.resolve("queues"));
        Path script = Files.writeString(dir.resolve("q.sh"), "#!/bin/bash\ntrue\n");
        Cli.Result unknown = cluster.cli().qsubIn(dir, "-q", "nosuch", script.toString());
        assertEquals(1, unknown.exitCode(), unknown.describe());
        assertTrue(unknown.err().contains("queue 'nosuch' does not exist; queues are: batch, closed, debug"),
                unknown.describe());
        Cli.Result closed = cluster.cli().qsubIn(dir, "-q", "closed", script.toString());
        assertTrue(closed.err().contains("queue 'closed' is disabled"), closed.describe());
        Cli.Result tooLong = cluster.cli().qsubIn(dir, "-q", "debug", "-l", "walltime=01:00:00", script.toString());
        assertTrue(tooLong.err().contains("allows at most 00:10:00"), tooLong.describe());
        Cli.Result queues = cluster.cli().run("qstat", "-Q");
        assertEquals(0, queues.exitCode(), queues.describe());
        assertTrue(queues.out().startsWith("Queue              Max    Tot   Ena   Str   Que   Run   Hld   Wat   Trn"
                + "   Ext T   Cpt"), queues.describe());
        assertTrue(queues.out().lines().anyMatch(l -> l.startsWith("closed ") && l.contains(" no ")),
                queues.describe());
    }
}
