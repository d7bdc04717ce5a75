package dev.hpc.examples;

import dev.hpc.api.HeadClient;
import dev.hpc.api.HpcException;
import dev.hpc.api.NodeInfo;
import dev.hpc.api.NodeState;
import dev.hpc.cli.local.LocalCluster;
import dev.hpc.cli.local.LocalSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A real cluster with a hot standby for a failover test: two heads ({@code head1} on port P,
 * {@code head2} on P+1, their head cluster on P+100 and P+101) and N workers, started from the built
 * jars by {@link LocalCluster} the way {@code hpc local up --standby} starts them, in a directory of
 * the test's own, under a unique cluster name, with its own client config file.
 *
 * <p>{@link RealCluster} is the one-head fixture; this one shares its cleanup
 * ({@link RealCluster#taskProcesses}) so that {@link #close()} leaves nothing behind either: the
 * daemons are stopped (SIGTERM, then SIGKILL) and every task process still alive is killed.
 */
final class StandbyCluster implements AutoCloseable {
    static final String HEAD1 = "head1";
    static final String HEAD2 = "head2";
    static final List<String> HEADS = List.of(HEAD1, HEAD2);
    /** Small, quick-starting daemons: four of them and a test JVM share two cores. */
    private static final List<String> DAEMON_JVM = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xshare:auto", "-Xmx384m");
    private static final List<String> STANDBY_HEAD_ARGS = List.of("--peers", "{peers}", "--peer-port", "{peerPort}");
    private static final Duration READY = Duration.ofSeconds(90);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final LocalCluster local;
    private final String name;
    private final int port;
    private final int workers;
    private final Path config;
    private final String marker;
    private final Thread shutdownHook;
    private final HeadClient client;
    private boolean closed;

    private StandbyCluster(LocalCluster local, String name, int port, int workers, Path config, String marker,
                           Thread shutdownHook) {
        this.local = local;
        this.name = name;
        this.port = port;
        this.workers = workers;
        this.config = config;
        this.marker = marker;
        this.shutdownHook = shutdownHook;
        this.client = new HeadClient(servers(), local.adminToken(),
                HeadClient.Settings.defaults().withMaxWait(Duration.ZERO).withRequestTimeout(Duration.ofSeconds(10)));
    }

    /**
     * Starts two heads and {@code workers} workers of {@code coresPerWorker} cores in {@code dir}, waits
     * until every worker is up and one head is ACTIVE and the other STANDBY. On failure nothing is left
     * running.
     */
    static StandbyCluster start(Path dir, int workers, int coresPerWorker) {
        return start(dir, workers, coresPerWorker, List.of());
    }

    /** As {@link #start(Path, int, int)}, with {@code headArgs} added to both heads' command lines. */
    static StandbyCluster start(Path dir, int workers, int coresPerWorker, List<String> headArgs) {
        Path home = RealCluster.repositoryRoot();
        String name = "fo" + Long.toString(System.nanoTime() & 0xffffffffL, 36)
                + ThreadLocalRandom.current().nextInt(1000);
        String marker = String.valueOf(100_000_000 + ThreadLocalRandom.current().nextInt(900_000_000));
        Path config = dir.resolve("client").resolve("config");
        LocalCluster local = new LocalCluster(dir.resolve("cluster"));
        Thread hook = new Thread(() -> emergencyStop(local, marker), "stop-" + name);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            for (int attempt = 1; ; attempt++) {
                int port = freeBasePort();
                LocalSpec spec = LocalSpec.defaults(home).withPort(port).withCluster(name).withHeads(2)
                        .withHeadArgs(java.util.stream.Stream.concat(STANDBY_HEAD_ARGS.stream(), headArgs.stream())
                                .toList()).withWorkers(workers).withCoresPerWorker(coresPerWorker)
                        .withConfigFile(config).withReadyTimeout(READY).withJvmArgs(DAEMON_JVM);
                try {
                    local.start(spec);
                } catch (HpcException e) {
                    // another process may have taken a free port between the probe and the start
                    if (attempt >= 3 || !String.valueOf(e.getMessage()).contains("is taken")) {
                        throw e;
                    }
                    continue;
                }
                StandbyCluster c = new StandbyCluster(local, name, port, workers, config, marker, hook);
                c.awaitRoles("one head ACTIVE and the other STANDBY after the start", Poll.TIMEOUT);
                return c;
            }
        } catch (RuntimeException | AssertionError e) {
            System.err.println("StandbyCluster " + name + " did not start: " + e.getMessage() + "; the whole logs "
                    + "are kept in " + keepLogs(local, name) + ":\n" + logTails(local, 40));
            emergencyStop(local, marker);
            removeHook(hook);
            throw e;
        }
    }

    /**
     * A port P with P and P+1 (the heads' HTTP ports), P+2 (the arbiter's) and P+100 and P+101 (their head
     * cluster ports) free, below the ephemeral range so that no outgoing connection takes one meanwhile.
     */
    static int freeBasePort() {
        for (int i = 0; i < 500; i++) {
            int p = 20_000 + ThreadLocalRandom.current().nextInt(10_000);
            if (Stream.of(p, p + 1, p + 2, p + LocalCluster.PEER_PORT_OFFSET, p + 1 + LocalCluster.PEER_PORT_OFFSET)
                    .allMatch(q -> LocalCluster.portFree("127.0.0.1", q))) {
                return p;
            }
        }
        throw new IllegalStateException("found no free ports P, P+1, P+2, P+100, P+101 between 20000 and 30101");
    }

    // ---- what tests use

    String name() {
        return name;
    }

    /** {@code 127.0.0.1:PORT} of a head. */
    String server(String head) {
        return "127.0.0.1:" + (port + HEADS.indexOf(head));
    }

    /** Both heads' addresses, head1 first. */
    List<String> servers() {
        return List.of(server(HEAD1), server(HEAD2));
    }

    int workers() {
        return workers;
    }

    /** Where head {@code head} keeps its database. */
    Path dataDir(String head) {
        return local.dir().resolve(head);
    }

    Path config() {
        return config;
    }

    String marker() {
        return marker;
    }

    LocalCluster local() {
        return local;
    }

    /** The cluster's admin token, as both heads accept it. */
    String token() {
        return local.adminToken().value();
    }

    /** A client of both heads that tries each once per call (the polls retry instead). */
    HeadClient client() {
        return client;
    }

    /** A client of both heads with {@code settings}, as a user's program would have. */
    HeadClient client(HeadClient.Settings settings) {
        return new HeadClient(servers(), local.adminToken(), settings);
    }

    /** The commands, given both heads' addresses ({@code --server A,B}). */
    Cli cli() {
        return new Cli(String.join(",", servers()), RealCluster.repositoryRoot(), config, local.adminTokenFile());
    }

    /** {@code GET /api/v1/cluster} answered by {@code head} itself, never redirected. */
    Map<String, Object> clusterSeenBy(String head) {
        return new HeadClient(List.of(server(head)), local.adminToken(),
                HeadClient.Settings.defaults().withMaxWait(Duration.ZERO).withRequestTimeout(Duration.ofSeconds(5)))
                .cluster();
    }

    /** Each head's role and epoch as {@code head} reports them: name to {@code ROLE/EPOCH}, e.g. {@code ACTIVE/2}. */
    Map<String, String> rolesSeenBy(String head) {
        Map<String, String> out = new LinkedHashMap<>();
        if (clusterSeenBy(head).get("heads") instanceof List<?> heads) {
            for (Object o : heads) {
                if (o instanceof Map<?, ?> h) {
                    out.put(String.valueOf(h.get("name")), h.get("role") + "/" + h.get("epoch"));
                }
            }
        }
        return out;
    }

    /** The role {@code head} gives itself ({@code head.role} of its own cluster status). */
    String ownRole(String head) {
        return clusterSeenBy(head).get("head") instanceof Map<?, ?> self ? String.valueOf(self.get("role")) : "";
    }

    /**
     * The active head and its epoch once a live head says it is ACTIVE and the other live head (if any)
     * agrees and calls itself STANDBY; empty while a takeover is under way.
     */
    Optional<Active> active() {
        for (String h : HEADS) {
            if (!local.isAlive(h)) {
                continue;
            }
            Map<String, String> roles = rolesSeenBy(h);
            for (String candidate : HEADS) {
                String r = roles.getOrDefault(candidate, "");
                if (r.startsWith("ACTIVE/") && local.isAlive(candidate) && ownRole(candidate).equals("ACTIVE")) {
                    String other = candidate.equals(HEAD1) ? HEAD2 : HEAD1;
                    if (local.isAlive(other) && !ownRole(other).equals("STANDBY")) {
                        return Optional.empty();
                    }
                    return Optional.of(new Active(candidate, Long.parseLong(r.substring("ACTIVE/".length()))));
                }
            }
        }
        return Optional.empty();
    }

    record Active(String head, long epoch) {
        String other() {
            return head.equals(HEAD1) ? HEAD2 : HEAD1;
        }
    }

    /**
     * Waits until one head is ACTIVE and every other live head STANDBY and in step with it (the active head no
     * longer says it may hold the only copy, so that the standby can take over when it is lost); returns the
     * active one.
     */
    Active awaitRoles(String what, Duration timeout) {
        return Poll.value(what, timeout, () -> active().filter(a -> !local.isAlive(a.other())
                || !holdsOnlyCopy(a.head())), this::describe);
    }

    /** Whether the active {@code head} told the voters its standby may lack changes it acknowledged. */
    boolean holdsOnlyCopy(String head) {
        return clusterSeenBy(head).get("head") instanceof Map<?, ?> self
                && self.get("lease") instanceof Map<?, ?> lease && Boolean.TRUE.equals(lease.get("soleCopy"));
    }

    /** Waits until a head other than {@code previous} is ACTIVE with an epoch above {@code previousEpoch}. */
    Active awaitTakeover(Active previous, Duration timeout) {
        return Poll.value(previous.other() + " takes over from " + previous.head() + " with an epoch above "
                + previous.epoch(), timeout, () -> active().filter(a -> a.head().equals(previous.other())
                && a.epoch() > previous.epoch()), this::describe);
    }

    /**
     * SIGKILL to the active head, then waits until the other head takes over; prints how long that
     * took, as the test saw it.
     */
    Active killAndAwaitTakeover(Active previous, Duration timeout) {
        long t0 = System.nanoTime();
        kill(previous.head());
        Active next = awaitTakeover(previous, timeout);
        System.out.println("StandbyCluster " + name + ": killed " + previous.head() + " (epoch " + previous.epoch()
                + "); " + next.head() + " ACTIVE with epoch " + next.epoch() + " " + (System.nanoTime() - t0) / 1_000_000
                + " ms after the kill");
        return next;
    }

    /** Whether every worker is registered with the active head and not down. */
    boolean workersUp() {
        List<NodeInfo> nodes = client.nodes();
        return nodes.stream().filter(n -> n.state() != NodeState.DOWN).count() >= workers;
    }

    void awaitWorkersUp(Duration timeout) {
        Poll.until("every worker is registered with the active head", timeout, this::workersUp, this::describe);
    }

    /** SIGSTOP ({@code frozen}) or SIGCONT to a head or the arbiter: a hung process. */
    void freeze(String daemon, boolean frozen) {
        local.freeze(daemon, frozen);
    }

    /** SIGKILL to a head: a crash. */
    void kill(String head) {
        local.kill(head);
    }

    /** Starts a head again with its recorded command. */
    void restart(String head) {
        local.startDaemon(head);
    }

    /** Starts a head again with {@code --force-stale-start}, as an operator does when the head that led last is lost. */
    void restartForcingStaleStart(String head) {
        local.startDaemon(head, List.of("--force-stale-start"));
    }

    boolean alive(String head) {
        return local.isAlive(head);
    }

    /** What both heads say about the cluster, and the last lines of their logs: for failure messages. */
    String describe() {
        StringBuilder s = new StringBuilder();
        for (String h : HEADS) {
            try {
                s.append(h).append(local.isAlive(h) ? " (alive)" : " (dead)").append(" sees ").append(rolesSeenBy(h))
                        .append("; ");
            } catch (RuntimeException e) {
                s.append(h).append(local.isAlive(h) ? " (alive)" : " (dead)").append(": ").append(e.getMessage())
                        .append("; ");
            }
        }
        return s + "\n" + logTails(local, 25);
    }

    /**
     * The last {@code lines} lines of every head's log and fewer of the workers': every {@code *.log}
     * of the cluster's directory, so that it works also after a failed start removed {@code local.json}.
     */
    static String logTails(LocalCluster local, int lines) {
        StringBuilder s = new StringBuilder();
        for (Path log : logs(local)) {
            s.append(tail(log, log.getFileName().toString().startsWith("head") ? lines : Math.min(lines, 10)));
        }
        return s.toString();
    }

    private static List<Path> logs(LocalCluster local) {
        try (Stream<Path> files = Files.list(local.dir())) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The lines of every daemon's log that contain {@code text}, each prefixed with the log's name. */
    String logLinesWith(String text) {
        StringBuilder s = new StringBuilder();
        for (Path log : logs(local)) {
            try {
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    if (line.contains(text)) {
                        s.append("    ").append(log.getFileName()).append(": ").append(line).append('\n');
                    }
                }
            } catch (IOException | RuntimeException e) {
                s.append("    ").append(log.getFileName()).append(": cannot read (").append(e).append(")\n");
            }
        }
        return s.toString();
    }

    /**
     * Copies every daemon's whole log to {@code examples/target/failover-it-logs/CLUSTER/}, where it
     * survives the test's temporary directory; returns that directory.
     */
    static Path keepLogs(LocalCluster local, String cluster) {
        Path to = RealCluster.repositoryRoot().resolve("examples").resolve("target").resolve("failover-it-logs")
                .resolve(cluster);
        try {
            Files.createDirectories(to);
            for (Path log : logs(local)) {
                Files.copy(log, to.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("cannot keep the logs of " + cluster + " in " + to + ": " + e);
        }
        return to;
    }

    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "--- last " + lines + " lines of " + log + ":\n    " + String.join("\n    ",
                    all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
        } catch (IOException | RuntimeException e) {
            return "--- " + log + ": cannot read (" + e + ")\n";
        }
    }

    /** Prints the heads' log tails and keeps the whole logs; for a failed test. */
    void printLogs(String why) {
        Path kept = keepLogs(local, name);
        System.err.println("StandbyCluster " + name + " (" + why + "); the whole logs are kept in " + kept + ":\n"
                + logTails(local, 60));
    }

    // ---- stopping

    /** Stops every daemon and kills every task process left; safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Set<Long> tasks = RealCluster.taskProcesses(local, marker);
            for (LocalCluster.Stopped s : local.stop(STOP_GRACE)) {
                if (s.outcome() == LocalCluster.Outcome.KILLED || s.outcome() == LocalCluster.Outcome.SURVIVED) {
                    System.err.println("StandbyCluster " + name + ": " + s.daemon().name() + " " + s.outcome());
                }
            }
            tasks.addAll(RealCluster.taskProcesses(local, marker));
            List<Long> killed = Procs.killAll(tasks, Duration.ofSeconds(10));
            if (!killed.isEmpty()) {
                System.err.println("StandbyCluster " + name + ": killed leftover task processes " + killed);
            }
        } finally {
            removeHook(shutdownHook);
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs or ran
        }
    }

    private static void emergencyStop(LocalCluster local, String marker) {
        try {
            Set<Long> pids = RealCluster.taskProcesses(local, marker);
            local.info().ifPresent(i -> i.daemons().forEach(d -> pids.add(d.pid())));
            Procs.killAll(pids, Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            System.err.println("StandbyCluster: cleanup failed: " + e);
        }
    }

    @Override
    public String toString() {
        return "cluster " + name + " at " + servers() + " in " + local.dir();
    }
}
