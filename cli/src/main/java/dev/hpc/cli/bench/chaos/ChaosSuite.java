package dev.hpc.cli.bench.chaos;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.client.HpcApiException;
import dev.hpc.api.client.JobQuery;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.cli.bench.BenchSupport;
import dev.hpc.cli.bench.chaos.MarkerJob.Marks;
import dev.hpc.cli.local.Daemon;
import dev.hpc.cli.local.LocalCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One run of the fault suite: starts the cluster, sends the submissions while the injector works through the
 * schedule, waits for every acknowledged job to end, asks the head for its final answers, reads the marker
 * files, and accounts. Whatever happens, everything it started is stopped before it returns (daemons, the
 * command server qsub started), and a shutdown hook kills the daemons if the JVM ends first.
 */
public final class ChaosSuite {
    private static final Duration DRAIN_POLL = Duration.ofSeconds(1);
    private static final int PAGE = 10_000;

    private ChaosSuite() {
    }

    public static ChaosResult run(ChaosSettings s, PrintWriter log) {
        List<Fault> schedule = FaultSchedule.plan(s.seed(), s.headKills(), s.workerKills(), s.freezes(), s.cuts(),
                s.interval(), s.cutFor(), s.workers());
        LocalCluster local = new LocalCluster(s.dir().resolve("cluster"));
        AtomicReference<QsubRunner> started = new AtomicReference<>();
        Thread hook = new Thread(() -> emergencyStop(local, started.get()), "chaos-emergency-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        QsubRunner qsub = null;
        ChaosCluster cluster = null;
        try {
            cluster = ChaosCluster.start(s, local);
            long up = System.nanoTime();
            say(log, "cluster " + cluster.name() + " up: heads " + cluster.heads() + ", workers " + cluster.workers()
                    + ", logs in " + local.dir() + "; seed " + s.seed());
            schedule.forEach(f -> say(log, "planned fault " + f));
            qsub = new QsubRunner(s.hpcHome(), s.dir().resolve("qsub-home"), cluster.heads(), local.adminTokenFile(),
                    s.stepTimeout());
            started.set(qsub);
            HeadClient patient = cluster.client(HeadTransport.Settings.defaults().withMaxWait(s.stepTimeout()));
            Submitter.JobFiles files = new Submitter.JobFiles(s.dir().resolve("jobs"), s.jobDuration());
            Gate gate = new Gate(s.jobs(), schedule.size());
            Submitter submitter = new Submitter(s, files, patient, qsub, gate, log, up);
            FaultInjector injector = new FaultInjector(s, cluster, schedule, submitter, gate, log, up);
            Thread faults = new Thread(injector, "chaos-faults");
            faults.start();
            try {
                submitter.run();
            } finally {
                faults.join();
            }
            Optional<String> failure = injector.failure();
            List<Submission> sent = submitter.sent();
            Set<Long> acked = sent.stream().filter(Submission::acknowledged)
                    .map(x -> x.jobNumber().orElse(-1)).collect(Collectors.toSet());
            Optional<String> unfinished = drain(patient, acked, s.drainTimeout(), log);
            if (failure.isEmpty()) {
                failure = unfinished;
            }
            Map<Long, HeadView> views = headViews(patient, sent);
            Map<String, Marks> marks = marks(files.marksDir());
            ChaosAccount.Result account = ChaosAccount.account(sent, marks, views, injector.nodeLosses());
            keepRawData(s.dir(), sent, injector.nodeLosses(), account);
            return new ChaosResult(s, cluster.name(), schedule, injector.records(), injector.exits(), account, failure,
                    (System.nanoTime() - up) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HpcException("interrupted");
        } finally {
            if (qsub != null) {
                qsub.close();
            }
            for (LocalCluster.Stopped st : local.stop(Duration.ofSeconds(15))) {
                if (st.outcome() == LocalCluster.Outcome.KILLED || st.outcome() == LocalCluster.Outcome.SURVIVED) {
                    say(log, st.daemon().name() + " " + st.outcome() + " at the end");
                }
            }
            if (cluster != null) {
                cluster.closeNetwork();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs
            }
        }
    }

    /**
     * Waits until the head holds none of {@code acked} queued, held or running; empty when it came, else how many
     * were left.
     */
    private static Optional<String> drain(HeadClient head, Set<Long> acked, Duration timeout, PrintWriter log) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastSaid = 0;
        int pending = -1;
        while (true) {
            try {
                List<Job> open = head.allJobs(JobQuery.all().withHistory(true).withLimit(PAGE)
                        .withStates(List.of(JobState.QUEUED, JobState.HELD, JobState.RUNNING)));
                pending = (int) open.stream().filter(j -> acked.contains(j.id().number())).count();
                if (pending == 0) {
                    return Optional.empty();
                }
            } catch (HpcException e) {
                // a head that is busy or between roles: ask again
            }
            if (System.nanoTime() - lastSaid > 10_000_000_000L) {
                say(log, "waiting for " + (pending < 0 ? "the head's answer on the jobs" : pending + " acknowledged "
                        + "jobs to end"));
                lastSaid = System.nanoTime();
            }
            if (System.nanoTime() - deadline > 0) {
                return Optional.of(pending + " acknowledged jobs had not ended " + timeout.toSeconds()
                        + " s after the last submission and fault");
            }
            BenchSupport.pause(DRAIN_POLL);
        }
    }

    /** The head's final answer on every job it lists, and on every acknowledged one it does not list. */
    private static Map<Long, HeadView> headViews(HeadClient head, List<Submission> sent) {
        Map<Long, HeadView> out = new TreeMap<>();
        for (Job j : head.allJobs(JobQuery.all().withHistory(true).withLimit(PAGE))) {
            out.put(j.id().number(), view(j, true));
        }
        for (Submission s : sent) {
            if (s.jobNumber().isPresent() && !out.containsKey(s.jobNumber().getAsLong())) {
                try {
                    Job j = head.job(s.jobId().orElseThrow());
                    out.put(j.id().number(), view(j, false));
                } catch (HpcApiException e) {
                    if (e.status() != 404) {
                        throw e;
                    }
                }
            }
        }
        return out;
    }

    private static HeadView view(Job j, boolean listed) {
        Map<String, Long> dispatched = new HashMap<>();
        j.tasks().forEach(t -> t.attempts().forEach(a -> dispatched.put(Long.toString(a.id()),
                a.start().getEpochSecond() * 1_000_000_000L + a.start().getNano())));
        return new HeadView(j.id().number(), j.spec().name(), j.spec().submitKey(), j.state(),
                j.state().isTerminal() ? j.exitStatus() : 0, j.state().isTerminal() ? String.valueOf(j.reason()) : "",
                listed, dispatched);
    }

    private static Map<String, Marks> marks(Path dir) {
        Map<String, Marks> out = new HashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                out.put(f.getFileName().toString(), MarkerJob.parse(Files.readAllLines(f, StandardCharsets.UTF_8)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the marker files in " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * What the accounting was made from, beside the marker files, so that a run can be examined again later:
     * {@code submissions.tsv} (with who acknowledged each, in which epoch, sent and answered in ms since the
     * cluster was up), {@code node-losses.tsv} and every finding in {@code findings.txt}.
     */
    private static void keepRawData(Path dir, List<Submission> sent, List<NodeLoss> kills, ChaosAccount.Result a) {
        StringBuilder subs = new StringBuilder("index\tname\troute\tkey\tjob\thead\tepoch\tsent_ms\tanswered_ms"
                + "\terror\n");
        for (Submission x : sent) {
            subs.append(x.index()).append('\t').append(x.name()).append('\t').append(x.route()).append('\t')
                    .append(x.key()).append('\t').append(x.jobId().orElse("")).append('\t')
                    .append(x.ack().map(Ack::head).orElse("")).append('\t')
                    .append(x.ack().map(k -> Long.toString(k.epoch())).orElse("")).append('\t')
                    .append(x.ack().map(k -> Long.toString(k.sentMs())).orElse("")).append('\t')
                    .append(x.ack().map(k -> Long.toString(k.answeredMs())).orElse("")).append('\t')
                    .append(x.error().replace('\t', ' ').replace('\n', ' ')).append('\n');
        }
        StringBuilder nodes = new StringBuilder("node\twall_ns\tuntil_ns\tcause\n");
        kills.forEach(k -> nodes.append(k.node()).append('\t').append(k.wallNs()).append('\t').append(k.untilNs())
                .append('\t')
                .append(k.cause().name().toLowerCase(Locale.ROOT)).append('\n'));
        try {
            Files.writeString(dir.resolve("submissions.tsv"), subs, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("node-losses.tsv"), nodes, StandardCharsets.UTF_8);
            Files.write(dir.resolve("findings.txt"), a.findings(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the run's data in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The JVM ends before the run did: SIGKILL to every recorded daemon, with no thread-safety to rely on, and
     * the command server qsub started is stopped.
     */
    private static void emergencyStop(LocalCluster local, QsubRunner qsub) {
        if (qsub != null) {
            try {
                qsub.close();
            } catch (RuntimeException e) {
                System.err.println("chaos: cannot stop the command server: " + e);
            }
        }
        try {
            local.info().ifPresent(i -> i.daemons().stream().map(Daemon::pid).forEach(pid ->
                    ProcessHandle.of(pid).ifPresent(h -> {
                        h.descendants().forEach(ProcessHandle::destroyForcibly);
                        h.destroyForcibly();
                    })));
        } catch (RuntimeException e) {
            System.err.println("chaos: emergency stop failed: " + e);
        }
    }

    private static void say(PrintWriter log, String line) {
        synchronized (log) {
            log.println("chaos: " + line);
            log.flush();
        }
    }
}
