package dev.hpc.cli.bench;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.client.HpcApiException;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.json.Json;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.cli.ClientOptions;
import dev.hpc.cli.ExitCodes;
import dev.hpc.cli.UsageException;
import dev.hpc.cli.local.Daemon;
import dev.hpc.cli.local.LocalCluster;
import dev.hpc.cli.local.LocalClusterInfo;
import dev.hpc.cli.local.LocalCommand;
import dev.hpc.cli.local.LocalSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hpc bench failover}: how long a takeover takes, seen from a client.
 *
 * <p>Starts a cluster of two heads (the second a standby) and N workers in a directory of its own,
 * on free ports, then K times: submits a {@code sleep 30} job and waits until it runs, kills the
 * active head with SIGKILL, and measures (a) the time from the kill to the first submission a head
 * accepts (a tight loop of submissions, each trying both heads once) and (b) the time from the kill
 * to the start of that job's first attempt, as the new active head recorded it. It then checks that
 * the {@code sleep 30} job was not restarted (still running, one attempt) once every worker has
 * registered with the new head, cancels it, starts the killed head again and waits until it is a
 * standby, and goes on with the next run. The cluster is stopped at the end, also on failure.
 */
@Command(name = "failover", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Measure head takeovers on a local cluster with a standby head, started for the purpose "
                + "and stopped after: kill the active head with SIGKILL K times and measure the time until a "
                + "submission is accepted again and until the new head starts a task.",
                "Exit code 0 when every run went through and no running job was restarted, 1 otherwise."})
public final class FailoverBench implements Callable<Integer> {
    private static final List<String> STANDBY_HEAD_ARGS = List.of("--peers", "{peers}", "--peer-port", "{peerPort}");
    private static final Duration SUBMIT_RETRY = Duration.ofMillis(10);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    @Spec
    CommandSpec spec;

    @Option(names = "--runs", paramLabel = "K", defaultValue = "5", description = "takeovers to measure (default "
            + "${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2", description = "workers (default "
            + "${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--port", paramLabel = "P", description = "HTTP port of the first head; the second listens on "
            + "P+1, the head cluster on P+100 and P+101 (default: free ports)")
    Integer port;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60", description = "how long to wait for "
            + "each step before giving up (default ${DEFAULT-VALUE})")
    int timeout;

    @Option(names = "--dir", paramLabel = "DIR", description = "where the cluster keeps its logs and data (default: "
            + "a new temporary directory, removed afterwards unless the benchmark failed or --keep is given)")
    Path dir;

    @Option(names = "--keep", description = "keep the directory with the logs afterwards")
    boolean keep;

    @Option(names = "--json", description = "print the results as JSON")
    boolean json;

    @Override
    public Integer call() {
        if (runs < 1 || workers < 1 || timeout < 1 || (port != null && (port < 1 || port + 101 > 65535))) {
            throw new UsageException("--runs, --workers and --timeout must be at least 1, --port from 1 to 65434");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path home = LocalCommand.hpcHome();
        Path work = BenchSupport.workDir(dir, "hpc-bench-failover-");
        LocalCluster lc = new LocalCluster(work.resolve("cluster"));
        List<FailoverRun> results = new ArrayList<>();
        boolean ok = false;
        int basePort = 0;
        try {
            LocalClusterInfo info = start(lc, home);
            basePort = Integer.parseInt(info.heads().get(0).substring(info.heads().get(0).lastIndexOf(':') + 1));
            err.println("bench failover: cluster " + info.cluster() + " up (heads " + String.join(", ", info.heads())
                    + ", " + workers + " workers, logs in " + lc.dir() + ")");
            err.flush();
            Session session = new Session(lc, info, work.resolve("jobs"), Duration.ofSeconds(timeout), err);
            for (int k = 1; k <= runs; k++) {
                FailoverRun r = session.run(k);
                results.add(r);
                err.println("run " + k + ": killed " + r.killed() + ", " + r.newActive() + " active with epoch "
                        + r.epoch() + "; kill->accepted " + r.killToAcceptedMs() + " ms, kill->first start "
                        + r.killToFirstStartMs() + " ms; running job " + (r.runningJobKept() ? "kept"
                        : "NOT kept (" + r.runningState() + ", " + r.runningAttempts() + " attempts)")
                        + "; rejoined as standby in " + r.rejoinMs() + " ms");
                err.flush();
            }
            ok = true;
        } catch (RuntimeException e) {
            err.println("bench failover: failed: " + e.getMessage());
            err.println(headLogTails(lc));
            err.flush();
            throw e;
        } finally {
            lc.stop(STOP_GRACE);
            if (ok && !keep && dir == null) {
                BenchSupport.deleteTree(work);
            } else {
                err.println("bench failover: logs and data kept in " + work);
                err.flush();
            }
        }
        if (json) {
            Map<String, Object> setup = new LinkedHashMap<>();
            setup.put("runs", runs);
            setup.put("heads", 2);
            setup.put("workers", workers);
            setup.put("basePort", basePort);
            setup.put("processors", Runtime.getRuntime().availableProcessors());
            setup.put("java", System.getProperty("java.version"));
            out.println(Json.writePretty(FailoverReport.json(setup, results)));
        } else {
            out.print(FailoverReport.table(results));
        }
        out.flush();
        boolean allKept = results.stream().allMatch(FailoverRun::runningJobKept);
        if (!allKept) {
            err.println("bench failover: a job running through a takeover was restarted or lost (see RUNNING JOB)");
            err.flush();
        }
        return allKept ? ExitCodes.OK : ExitCodes.ERROR;
    }

    /** Starts the cluster on {@code --port}, or on free ports (tried again if a port was taken meanwhile). */
    private LocalClusterInfo start(LocalCluster lc, Path home) {
        String name = "fbench" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        return BenchSupport.startOnFreePorts(port != null ? port : 0, FailoverBench::freeBasePort, p -> lc.start(
                LocalSpec.defaults(home).withHeads(2).withHeadArgs(STANDBY_HEAD_ARGS).withWorkers(workers).withPort(p)
                        .withCluster(name).withReadyTimeout(Duration.ofSeconds(Math.max(timeout, 60)))));
    }

    /** A port P with P and P+1 (the heads' HTTP ports) and P+100 and P+101 (their head cluster ports) free. */
    static int freeBasePort() {
        return BenchSupport.freeBasePort(200, 0, 1, LocalCluster.PEER_PORT_OFFSET, 1 + LocalCluster.PEER_PORT_OFFSET)
                .orElseThrow(() -> new HpcException("found no free ports P, P+1, P+100, P+101 between 20000 and "
                        + "30100: give --port"));
    }

    private static String headLogTails(LocalCluster lc) {
        StringBuilder s = new StringBuilder();
        lc.info().ifPresent(i -> i.daemons(Daemon.Role.HEAD).forEach(d -> s.append(BenchSupport.tail(d.log(), 15))));
        return s.toString();
    }

    /** One cluster's takeovers. */
    private static final class Session {
        private final LocalCluster lc;
        private final LocalClusterInfo info;
        private final Path jobDir;
        private final Duration timeout;
        private final PrintWriter err;
        private final String user = ClientOptions.user();
        /** Tries each head once per call: the loops here retry, so the measure is not the client's backoff. */
        private final HeadClient quick;
        /** Waits through a takeover like the commands do; for the calls that are not measured. */
        private final HeadClient patient;

        Session(LocalCluster lc, LocalClusterInfo info, Path jobDir, Duration timeout, PrintWriter err) {
            this.lc = lc;
            this.info = info;
            this.jobDir = jobDir;
            this.timeout = timeout;
            this.err = err;
            this.quick = new HeadClient(info.heads(), lc.adminToken(), new HeadTransport.Settings(Duration.ZERO,
                    Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofMillis(10)));
            this.patient = new HeadClient(info.heads(), lc.adminToken(),
                    HeadTransport.Settings.defaults().withMaxWait(timeout));
            try {
                Files.createDirectories(jobDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + jobDir + ": " + e.getMessage(), e);
            }
        }

        FailoverRun run(int k) {
            // in step: a standby that lacks changes of the active head rightly waits for it rather than lead
            Map<String, Object> before = await("one head is ACTIVE and the other STANDBY and in step with it", () -> {
                Map<String, Object> c = quick.cluster();
                return roles(c).size() == 2 && roles(c).containsValue("ACTIVE") && roles(c).containsValue("STANDBY")
                        && activeCopiesReplicated(c) ? Optional.of(c) : Optional.empty();
            });
            String killed = headWith(before, "ACTIVE");
            // a job is RUNNING once the head has sent it to a worker; the file says its process started
            Path startedFile = jobDir.resolve("sleeper-" + k + ".started");
            Job sleeper = patient.submit(request("echo $$ > " + startedFile + "\nsleep 30", "bench-sleep-" + k));
            String sleeperId = sleeper.id().toString();
            await("job " + sleeperId + " (sleep 30) runs", () -> Optional.of(quick.job(sleeperId))
                    .filter(j -> j.state() == JobState.RUNNING && Files.exists(startedFile)));

            Instant killedAt = Instant.now();
            long t0 = System.nanoTime();
            lc.kill(killed);

            Job probe = await("a head accepts a submission after " + killed + " was killed", () -> {
                try {
                    return Optional.of(quick.submit(request("true", "bench-probe-" + k)));
                } catch (HpcApiException e) {
                    if (e.status() != 503) {
                        throw e;
                    }
                } catch (HpcException e) {
                    // no head answered, or the request died with the killed head: try again
                }
                BenchSupport.pause(SUBMIT_RETRY);
                return Optional.empty();
            });
            long accepted = (System.nanoTime() - t0) / 1_000_000;
            String probeId = probe.id().toString();
            Job started = await("job " + probeId + " submitted after the kill starts", () ->
                    Optional.of(quick.job(probeId)).filter(j -> !j.tasks().isEmpty()
                            && !j.tasks().get(0).attempts().isEmpty()));
            long firstStart = Duration.between(killedAt, started.tasks().get(0).firstStart()).toMillis();

            Map<String, Object> after = await("another head than " + killed + " is ACTIVE", () -> {
                Map<String, Object> c = quick.cluster();
                String a = headWith(c, "ACTIVE");
                return a.isEmpty() || a.equals(killed) ? Optional.empty() : Optional.of(c);
            });
            String active = headWith(after, "ACTIVE");
            long epoch = epochOf(after, active);
            await("every worker registered with " + active, () -> {
                List<NodeInfo> nodes = quick.nodes();
                return nodes.stream().filter(n -> n.state() != NodeState.DOWN).count() >= info.daemons(
                        Daemon.Role.WORKER).size() ? Optional.of(nodes) : Optional.empty();
            });
            Job sleeperNow = patient.job(sleeperId);
            int attempts = sleeperNow.tasks().isEmpty() ? 0 : sleeperNow.tasks().get(0).attempts().size();
            String state = sleeperNow.state().name();
            if (!sleeperNow.state().isTerminal()) {
                patient.cancel(sleeperId);
            }

            long r0 = System.nanoTime();
            lc.startDaemon(killed);
            HeadClient rejoined = new HeadClient(List.of(address(killed)), lc.adminToken(),
                    new HeadTransport.Settings(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(5),
                            Duration.ofMillis(10), Duration.ofMillis(10)));
            await(killed + " is back as STANDBY with epoch " + epoch, () -> {
                Map<String, Object> c = rejoined.cluster();
                return c.get("head") instanceof Map<?, ?> self && "STANDBY".equals(self.get("role"))
                        && "STANDBY".equals(roles(c).get(killed)) && epochOf(c, killed) == epoch
                        ? Optional.of(c) : Optional.empty();
            });
            long rejoin = (System.nanoTime() - r0) / 1_000_000;
            return new FailoverRun(k, killed, active, epoch, accepted, firstStart, attempts, state, rejoin);
        }

        private String address(String head) {
            return info.daemon(head).map(Daemon::address).orElseThrow(() -> new HpcException("no head " + head));
        }

        private SubmitRequest request(String command, String name) {
            return new SubmitRequest("#!/bin/sh\n" + command + "\n", List.of("-N", name, "-j", "oe"), user,
                    "localhost", jobDir.toString(), Map.of());
        }

        /**
         * Asks {@code probe} every few milliseconds until it gives a value; a failed call counts as "not yet",
         * but for an answer of a head other than "unavailable" (503) or "ask the active head" (307).
         */
        private <T> T await(String what, Supplier<Optional<T>> probe) {
            return Poll.within(timeout).every(POLL).inSeconds()
                    .failingOn(e -> e instanceof HpcApiException a && a.status() != 503 && a.status() != 307)
                    .value(what, probe);
        }
    }

    /**
     * Whether the active head's registry entry says its standby holds every change it acknowledged, and every
     * standby's says it holds a complete copy of the replicated state (it can take over from it).
     */
    static boolean activeCopiesReplicated(Map<String, Object> cluster) {
        boolean replicated = false;
        if (cluster.get("heads") instanceof List<?> heads) {
            for (Object o : heads) {
                if (o instanceof Map<?, ?> h && "ACTIVE".equals(h.get("role"))) {
                    replicated = "REPLICATED".equals(h.get("copies"));
                } else if (o instanceof Map<?, ?> h && "STANDBY".equals(h.get("role"))
                        && !"COMPLETE".equals(h.get("copies"))) {
                    return false;
                }
            }
        }
        return replicated;
    }

    /** Each head's role as a {@code GET /api/v1/cluster} answer lists it. */
    static Map<String, String> roles(Map<String, Object> cluster) {
        Map<String, String> out = new LinkedHashMap<>();
        if (cluster.get("heads") instanceof List<?> heads) {
            for (Object o : heads) {
                if (o instanceof Map<?, ?> h) {
                    out.put(String.valueOf(h.get("name")), String.valueOf(h.get("role")));
                }
            }
        }
        return out;
    }

    /** The name of the head with {@code role}, or "" if none. */
    static String headWith(Map<String, Object> cluster, String role) {
        return roles(cluster).entrySet().stream().filter(e -> e.getValue().equals(role)).map(Map.Entry::getKey)
                .findFirst().orElse("");
    }

    static long epochOf(Map<String, Object> cluster, String head) {
        if (cluster.get("heads") instanceof List<?> heads) {
            for (Object o : heads) {
                if (o instanceof Map<?, ?> h && head.equals(h.get("name")) && h.get("epoch") instanceof Number n) {
                    return n.longValue();
                }
            }
        }
        return -1;
    }
}
