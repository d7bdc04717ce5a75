package dev.hpc.cli.bench;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.job.Task;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.cli.ExitCodes;
import dev.hpc.cli.UsageException;
import dev.hpc.cli.local.LocalCluster;
import dev.hpc.cli.local.LocalClusterInfo;
import dev.hpc.cli.local.LocalCommand;
import dev.hpc.cli.local.LocalSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hpc bench recovery}: how long a worker's tasks take to run elsewhere after the worker is
 * killed with SIGKILL. Starts a local cluster (one head, {@code --workers} workers) in a temporary
 * directory on a free port; each run submits as many long tasks as the other workers have cores (so
 * that the killed worker's tasks fit elsewhere), SIGKILLs the worker that runs the first of them, and
 * polls the API until every one of its tasks runs on another node. It
 * reports, per run and as median/min/max, the time until the head marked the node down, until the
 * head had started the tasks elsewhere, and until their processes ran there (their shells, found by
 * the attempt's spool directory in the command line). The head's node timeout bounds the figures.
 */
@Command(name = "recovery", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Measure the time from SIGKILL of a worker to its tasks running on other workers.",
                "Starts and stops a local cluster of its own (bin/hpc local up is not needed)."})
public final class RecoveryBench implements Callable<Integer> {
    private static final Duration POLL = Duration.ofMillis(20);

    @Spec
    CommandSpec spec;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "3", description = "workers (default ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--runs", paramLabel = "K", defaultValue = "5", description = "kills to measure (default "
            + "${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--cores", paramLabel = "C", defaultValue = "2", description = "cores per worker (default "
            + "${DEFAULT-VALUE})")
    int cores;

    @Option(names = "--node-timeout", paramLabel = "DURATION", description = "the head's --node-timeout "
            + "(default: the head's own default, 5s)")
    String nodeTimeout;

    @Option(names = "--heartbeat", paramLabel = "DURATION", description = "the head's --heartbeat (default: the "
            + "head's own default, 1s)")
    String heartbeat;

    @Option(names = "--keep", description = "keep the cluster's directory (logs) instead of deleting it")
    boolean keep;

    @Override
    public Integer call() throws IOException {
        if (workers < 2 || runs < 1 || cores < 1) {
            throw new UsageException("--workers must be at least 2 (the tasks need somewhere to go), --runs and "
                    + "--cores at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("hpc-bench-recovery-");
        LocalCluster cluster = new LocalCluster(dir);
        List<String> headArgs = new ArrayList<>();
        if (nodeTimeout != null) {
            headArgs.addAll(List.of("--node-timeout", nodeTimeout));
        }
        if (heartbeat != null) {
            headArgs.addAll(List.of("--heartbeat", heartbeat));
        }
        LocalSpec ls = LocalSpec.defaults(LocalCommand.hpcHome()).withCluster("bench" + ProcessHandle.current().pid())
                .withWorkers(workers).withCoresPerWorker(cores).withHeadArgs(headArgs);
        List<Run> results = new ArrayList<>();
        try {
            out.println("starting a head and " + workers + " workers of " + cores + " cores in " + dir
                    + (headArgs.isEmpty() ? "" : " (head " + String.join(" ", headArgs) + ")"));
            out.flush();
            LocalClusterInfo info = BenchSupport.startOnFreePorts(0, RecoveryBench::freePort,
                    p -> cluster.start(ls.withPort(p)));
            HeadClient head = new HeadClient(info.heads(), cluster.adminToken(),
                    HeadTransport.Settings.defaults().withMaxWait(Duration.ofSeconds(10)));
            out.println(String.format(Locale.ROOT, "%-4s %-7s %-6s %12s %12s %12s", "run", "killed", "tasks",
                    "down (ms)", "moved (ms)", "running (ms)"));
            out.flush();
            for (int k = 1; k <= runs; k++) {
                Run r = once(cluster, head, dir);
                results.add(r);
                out.println(String.format(Locale.ROOT, "%-4d %-7s %-6d %12d %12d %12d", k, r.node(), r.tasks(),
                        r.downMillis(), r.movedMillis(), r.runningMillis()));
                out.flush();
            }
        } finally {
            cluster.stop();
            if (!keep) {
                BenchSupport.deleteTree(dir);
            }
        }
        out.println(summary("node marked down", results.stream().map(Run::downMillis).toList()));
        out.println(summary("tasks started elsewhere", results.stream().map(Run::movedMillis).toList()));
        out.println(summary("their processes running", results.stream().map(Run::runningMillis).toList()));
        out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("os.name") + " " + System.getProperty("os.version") + ", Java "
                + System.getProperty("java.version"));
        out.flush();
        return ExitCodes.OK;
    }

    /** One kill: what it hit and how long the head took. */
    record Run(String node, int tasks, long downMillis, long movedMillis, long runningMillis) {
    }

    private Run once(LocalCluster cluster, HeadClient head, Path dir) {
        int count = (workers - 1) * cores;
        SubmitRequest request = new SubmitRequest("#!/bin/bash\nsleep 3600\n", List.of("-N", "bench", "-t", "1-"
                + count, "-j", "oe"), "", "localhost", dir.toString(), Map.of());
        Job job = head.submit(request);
        String id = job.id().toString();
        Job running = await(head, id, j -> j.tasks().stream().allMatch(t -> t.state() == JobState.RUNNING),
                "all " + count + " tasks running");
        String victim = nodeOf(running.tasks().get(0));
        List<Integer> onVictim = running.tasks().stream().filter(t -> nodeOf(t).equals(victim)).map(Task::index)
                .toList();
        long t0 = System.nanoTime();
        cluster.kill(victim);
        long down = -1;
        long moved = -1;
        long runningAt = -1;
        List<Path> newAttempts = List.of();
        long deadline = t0 + Duration.ofMinutes(2).toNanos();
        while (runningAt < 0) {
            if (System.nanoTime() - deadline > 0) {
                throw new HpcException("the tasks of " + victim + " did not run elsewhere within 2 minutes; see the "
                        + "logs in " + dir);
            }
            if (down < 0 && head.node(victim).state() == NodeState.DOWN) {
                down = (System.nanoTime() - t0) / 1_000_000;
            }
            if (moved < 0) {
                Job now = head.job(id);
                List<Task> movedTasks = now.tasks().stream().filter(t -> onVictim.contains(t.index())).toList();
                if (movedTasks.stream().allMatch(t -> t.state() == JobState.RUNNING && !nodeOf(t).equals(victim))) {
                    moved = (System.nanoTime() - t0) / 1_000_000;
                    down = down < 0 ? moved : down;
                    newAttempts = movedTasks.stream().map(t -> cluster.dir().resolve(nodeOf(t))
                            .resolve(Long.toString(t.currentAttemptId()))).toList();
                }
            }
            if (moved >= 0 && processesRun(newAttempts)) {
                runningAt = (System.nanoTime() - t0) / 1_000_000;
            } else {
                BenchSupport.pause(POLL);
            }
        }
        head.cancel(id);
        cluster.startDaemon(victim);
        await(head, id, j -> j.state().isTerminal(), "the job cancelled");
        long up = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (head.node(victim).state() == NodeState.DOWN) {
            if (System.nanoTime() - up > 0) {
                throw new HpcException(victim + " did not come back within a minute; see " + dir);
            }
            BenchSupport.pause(Duration.ofMillis(100));
        }
        return new Run(victim, onVictim.size(), down, moved, runningAt);
    }

    /** Whether the shell of each attempt runs: its command line names the attempt's spool directory. */
    private static boolean processesRun(List<Path> attemptDirs) {
        List<String> commandLines = ProcessHandle.allProcesses().map(h -> h.info().commandLine().orElse(""))
                .filter(c -> !c.isEmpty()).toList();
        return attemptDirs.stream().allMatch(d -> commandLines.stream().anyMatch(c -> c.contains(d + "/")));
    }

    private static String nodeOf(Task t) {
        List<Attempt> a = t.attempts();
        return a.isEmpty() ? "" : a.get(a.size() - 1).nodes().get(0).node();
    }

    private static Job await(HeadClient head, String id, Predicate<Job> done, String what) {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (true) {
            Job j = head.job(id);
            if (done.test(j)) {
                return j;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new HpcException("job " + id + ": waited a minute for " + what + "; it is " + j.state());
            }
            BenchSupport.pause(Duration.ofMillis(50));
        }
    }

    static String summary(String what, List<Long> millis) {
        List<Long> sorted = millis.stream().sorted().toList();
        long median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        return String.format(Locale.ROOT, "%-24s median %6d ms   min %6d ms   max %6d ms   (%d runs)", what + ":",
                median, sorted.get(0), sorted.get(sorted.size() - 1), sorted.size());
    }

    /** A port P with P (the head's HTTP port) and P+100 (its head cluster port) free. */
    private static int freePort() {
        return BenchSupport.freeBasePort(200, 0, LocalCluster.PEER_PORT_OFFSET)
                .orElseThrow(() -> new HpcException("found no free port pair on 127.0.0.1"));
    }
}
