package dev.hpc.examples;

import dev.hpc.api.HeadClient;
import dev.hpc.api.HpcException;
import dev.hpc.api.Job;
import dev.hpc.api.NodeInfo;
import dev.hpc.api.NodeState;
import dev.hpc.cli.local.Daemon;
import dev.hpc.cli.local.LocalCluster;
import dev.hpc.cli.local.LocalClusterInfo;
import dev.hpc.cli.local.LocalSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real cluster for a test: one head and N workers started from the built jars by
 * {@link LocalCluster}, in a directory of the test's own, on a free port, under a unique cluster
 * name, with its own client config file (never the user's {@code ~/.hpc/config}).
 *
 * <p>{@link #close()} always leaves nothing behind: it stops the daemons (SIGTERM, then SIGKILL) and
 * then kills every task process that is still alive, found as the daemons' descendants, as members of
 * a task's session, or by the cluster's directory or {@link #marker()} in its command line (a job
 * script that starts processes puts the marker in their arguments). Then, and from a JVM shutdown
 * hook if the test JVM ends without closing, a {@link Reaper} that needs nothing but the JDK kills
 * whatever still names the cluster's directory or the marker: other engineers' builds may rewrite
 * this module's classes and the installed jars while the tests run, so the clean-up must not depend
 * on loading classes late ({@link #preload()}). Use it from {@code @AfterAll}/{@code @AfterEach}
 * or try-with-resources.
 *
 * <p>Tasks run as this user in {@code DIR/nodeK/ATTEMPT/}; their scripts are written there, so a
 * task's leader ({@code bash DIR/nodeK/ATTEMPT/script}) names the directory in its command line.
 */
final class RealCluster implements AutoCloseable {
    static final String HEAD = "head1";
    /** Small, quick-starting daemons: two of them and a test JVM share two cores. */
    private static final List<String> DAEMON_JVM = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xshare:auto", "-Xmx384m");
    private static final Duration READY = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final LocalCluster local;
    private final LocalClusterInfo info;
    private final String name;
    private final int port;
    private final int workers;
    private final int coresPerWorker;
    private final Path config;
    private final Path hpcHome;
    private final String marker;
    private final HeadClient client;
    private final Cli cli;
    private final Thread shutdownHook;
    private final Reaper reaper;
    private boolean closed;

    private RealCluster(LocalCluster local, LocalClusterInfo info, String name, int port, int workers,
                        int coresPerWorker, Path config, Path hpcHome, String marker, Thread shutdownHook,
                        Reaper reaper) {
        this.local = local;
        this.info = info;
        this.name = name;
        this.port = port;
        this.workers = workers;
        this.coresPerWorker = coresPerWorker;
        this.config = config;
        this.hpcHome = hpcHome;
        this.marker = marker;
        this.shutdownHook = shutdownHook;
        this.reaper = reaper;
        this.client = new HeadClient(List.of(server()), local.adminToken(),
                HeadClient.Settings.defaults().withMaxWait(Duration.ZERO).withRequestTimeout(Duration.ofSeconds(10)));
        this.cli = new Cli(server(), hpcHome, config, local.adminTokenFile());
    }

    /** The cluster's admin token, for raw REST calls. */
    String token() {
        return local.adminToken().value();
    }

    /** The file of the cluster's admin token. */
    Path tokenFile() {
        return local.adminTokenFile();
    }

    /** The repository root: {@code -Dhpc.home}, set by the examples module's failsafe configuration. */
    static Path repositoryRoot() {
        String home = System.getProperty("hpc.home", "");
        if (home.isBlank()) {
            throw new IllegalStateException("system property hpc.home is not set: run these tests with "
                    + "'mvn verify -pl examples' (failsafe sets it to the repository root)");
        }
        return Path.of(home).toAbsolutePath().normalize();
    }

    /**
     * Starts a head and {@code workers} workers of {@code coresPerWorker} cores in {@code dir} and waits
     * until every worker is up. On failure nothing is left running.
     */
    static RealCluster start(Path dir, int workers, int coresPerWorker) {
        return start(dir, workers, coresPerWorker, spec -> spec);
    }

    /**
     * As {@link #start(Path, int, int)}, with the spec changed by {@code custom} first: head or worker
     * arguments ({@code --node-timeout 2s}, {@code --health-check SCRIPT}, ...).
     */
    static RealCluster start(Path dir, int workers, int coresPerWorker,
                             java.util.function.UnaryOperator<LocalSpec> custom) {
        preload();
        Path home = repositoryRoot();
        String name = "it" + Long.toString(System.nanoTime() & 0xffffffffL, 36)
                + ThreadLocalRandom.current().nextInt(1000);
        String marker = String.valueOf(100_000_000 + ThreadLocalRandom.current().nextInt(900_000_000));
        Path config = dir.resolve("client").resolve("config");
        LocalCluster local = new LocalCluster(dir.resolve("cluster"));
        Reaper reaper = new Reaper(local.dir(), marker);
        Thread hook = new Thread(reaper::reap, "reap-" + name);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            for (int attempt = 1; ; attempt++) {
                int port = freePort();
                LocalSpec spec = custom.apply(LocalSpec.defaults(home).withPort(port).withCluster(name)
                        .withWorkers(workers).withCoresPerWorker(coresPerWorker).withConfigFile(config)
                        .withReadyTimeout(READY).withJvmArgs(DAEMON_JVM));
                try {
                    LocalClusterInfo info = local.start(spec);
                    return new RealCluster(local, info, name, port, workers, coresPerWorker, config, home, marker,
                            hook, reaper);
                } catch (HpcException e) {
                    // another process may have taken the free port between the probe and the start
                    if (attempt >= 3 || !String.valueOf(e.getMessage()).contains("is taken")) {
                        throw e;
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            reaper.reap();
            removeHook(hook);
            throw e;
        }
    }

    /**
     * Loads now the classes {@link #close()} needs. Other builds may run in the same working tree
     * while the tests run, and a build of this module deletes and rewrites its class files: a class
     * first needed at clean-up would then be missing, and the daemons would outlive the test.
     */
    private static void preload() {
        Procs.all();
        LocalCluster.Outcome.values();
        List<Class<?>> needed = List.of(LocalCluster.Stopped.class, Reaper.class, Procs.Proc.class, Poll.class,
                Cli.class, Cli.Result.class, QstatFull.class);
        for (Class<?> c : needed) {
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("cannot load " + c.getName(), e);
            }
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port: " + e.getMessage(), e);
        }
    }

    // ---- what tests use

    /** The cluster's name, the suffix of its job ids. */
    String name() {
        return name;
    }

    /** {@code 127.0.0.1:PORT} of the head. */
    String server() {
        return "127.0.0.1:" + port;
    }

    /** The base URL of the REST API. */
    String apiUrl() {
        return "http://" + server() + "/api/v1";
    }

    int workers() {
        return workers;
    }

    int coresPerWorker() {
        return coresPerWorker;
    }

    /** The client config file {@link LocalCluster} wrote ({@code server=...}); the CLI processes read it. */
    Path config() {
        return config;
    }

    Path hpcHome() {
        return hpcHome;
    }

    /** Digits unique to this cluster; put them in the arguments of processes a job starts. */
    String marker() {
        return marker;
    }

    /** The commands against this cluster. */
    Cli cli() {
        return cli;
    }

    /** The commands as the user whose token is in {@code tokenFile}. */
    Cli cliWithToken(Path tokenFile) {
        return new Cli(server(), hpcHome, config, tokenFile);
    }

    /** A REST client that does not wait for an unavailable head (the polls retry instead). */
    HeadClient client() {
        return client;
    }

    /** A REST client, as {@link #client()}, for the user of the token. */
    HeadClient clientFor(String token) {
        return new HeadClient(List.of(server()), dev.hpc.api.ApiToken.of(token), client.settings());
    }

    LocalCluster local() {
        return local;
    }

    /** The job as the head has it now. */
    Job job(String id) {
        return client.job(id);
    }

    /** How many jobs the head holds, by the counts of {@code GET /api/v1/cluster}. */
    long jobCount() {
        Object jobs = client.cluster().get("jobs");
        if (!(jobs instanceof Map<?, ?> counts)) {
            throw new AssertionError("GET /api/v1/cluster has no jobs counts: " + client.cluster());
        }
        long total = 0;
        for (Object n : counts.values()) {
            total += ((Number) n).longValue();
        }
        return total;
    }

    /** Whether every worker is registered and not down. */
    boolean workersUp() {
        List<NodeInfo> nodes = client.nodes();
        return nodes.stream().filter(n -> n.state() != NodeState.DOWN).count() >= workers;
    }

    /** SIGKILL to the head: a crash. */
    void killHead() {
        local.kill(HEAD);
    }

    /** Starts the head again with its recorded command, after {@link #killHead()}. */
    void restartHead() {
        local.startDaemon(HEAD);
    }

    boolean headAlive() {
        return local.isAlive(HEAD);
    }

    // ---- stopping

    /**
     * Stops every daemon and kills every task process left; safe to call twice. Prints what it had to
     * kill, so a test that leaks processes shows in the log. Whatever goes wrong on the way, the
     * {@link Reaper} has the last word.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Set<Long> tasks = taskProcesses(local, marker);
            List<LocalCluster.Stopped> stopped = local.stop(STOP_GRACE);
            for (LocalCluster.Stopped s : stopped) {
                if (s.outcome() == LocalCluster.Outcome.KILLED || s.outcome() == LocalCluster.Outcome.SURVIVED) {
                    System.err.println("RealCluster " + name + ": " + s.daemon().name() + " " + s.outcome());
                }
            }
            tasks.addAll(taskProcesses(local, marker));
            List<Long> killed = Procs.killAll(tasks, Duration.ofSeconds(10));
            if (!killed.isEmpty()) {
                System.err.println("RealCluster " + name + ": killed leftover task processes " + killed);
            }
        } finally {
            reaper.reap();
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

    /**
     * The last resort, with nothing but the JDK: SIGKILL to every process whose command line names the
     * cluster's directory (the daemons, through their data and spool directories, and the tasks'
     * shells) or the marker, and to their descendants. Never this JVM or its ancestors. Runs at the
     * end of {@link #close()}, after a failed start, and from a shutdown hook if the test JVM ends
     * without closing.
     */
    static final class Reaper {
        private final String dir;
        private final String marker;

        Reaper(Path dir, String marker) {
            this.dir = dir.toString() + "/";
            this.marker = marker;
        }

        void reap() {
            try {
                Set<ProcessHandle> spare = new HashSet<>();
                for (Optional<ProcessHandle> h = Optional.of(ProcessHandle.current()); h.isPresent();
                     h = h.get().parent()) {
                    spare.add(h.get());
                }
                Set<ProcessHandle> targets = new HashSet<>();
                ProcessHandle.allProcesses().forEach(h -> {
                    String cmd = h.info().commandLine().orElse("");
                    if (cmd.contains(dir) || cmd.contains(marker)) {
                        targets.add(h);
                    }
                });
                for (ProcessHandle t : List.copyOf(targets)) {
                    t.descendants().forEach(targets::add);
                }
                targets.removeAll(spare);
                List<ProcessHandle> killed = new ArrayList<>();
                for (ProcessHandle t : targets) {
                    if (t.isAlive() && t.destroyForcibly()) {
                        killed.add(t);
                    }
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                for (ProcessHandle k : killed) {
                    try {
                        k.onExit().get(Math.max(1, deadline - System.nanoTime()),
                                java.util.concurrent.TimeUnit.NANOSECONDS);
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                        // a zombie nobody reaps: dead enough
                    }
                }
                if (!killed.isEmpty()) {
                    System.err.println("RealCluster: killed leftovers of " + dir + ": "
                            + killed.stream().map(ProcessHandle::pid).sorted().toList());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                System.err.println("RealCluster: cleanup of " + dir + " failed: " + e);
            }
        }
    }

    /**
     * The pids of the task processes of this cluster that live now: the descendants of its workers,
     * every process whose command line names the cluster's directory or the marker, and every member
     * of the sessions those lead (a task is a session of its own; a process that left it is still a
     * descendant of the task while the task lives, or carries the marker). The daemons themselves are
     * not included.
     */
    static Set<Long> taskProcesses(LocalCluster local, String marker) {
        Set<Long> daemons = new HashSet<>();
        Set<Long> found = new TreeSet<>();
        local.info().ifPresent(i -> {
            for (Daemon d : i.daemons()) {
                daemons.add(d.pid());
                if (d.role() == Daemon.Role.WORKER && d.pid() > 0) {
                    ProcessHandle.of(d.pid()).ifPresent(h -> h.descendants().forEach(c -> found.add(c.pid())));
                }
            }
        });
        String dir = local.dir().toString() + "/";
        List<Procs.Proc> all = Procs.all();
        for (Procs.Proc p : all) {
            if (p.commandLine().contains(dir) || p.commandLine().contains(marker)) {
                found.add(p.pid());
            }
        }
        found.removeAll(daemons);
        // never this JVM, its session (Maven's) or its ancestors, whatever a command line says
        long self = ProcessHandle.current().pid();
        long ownSession = Procs.read(self).map(Procs.Proc::session).orElse(-1L);
        Set<Long> spare = new HashSet<>(daemons);
        spare.add(self);
        ProcessHandle.current().parent().ifPresent(h -> {
            for (Optional<ProcessHandle> a = Optional.of(h); a.isPresent(); a = a.get().parent()) {
                spare.add(a.get().pid());
            }
        });
        Set<Long> sessions = new HashSet<>(found);
        for (Procs.Proc p : all) {
            if (sessions.contains(p.session()) && p.session() != ownSession) {
                found.add(p.pid());
            }
        }
        found.removeIf(pid -> spare.contains(pid) || Procs.read(pid).map(p -> p.session() == ownSession)
                .orElse(false));
        return new TreeSet<>(found);
    }

    /** The task processes of this cluster alive now (see {@link #taskProcesses(LocalCluster, String)}). */
    Set<Long> taskProcesses() {
        return taskProcesses(local, marker);
    }

    /** The lines of a file, or none when it does not exist (yet). */
    static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every id a list of jobs has. */
    static List<String> ids(List<Job> jobs) {
        List<String> out = new ArrayList<>();
        jobs.forEach(j -> out.add(j.id().toString()));
        return out;
    }

    @Override
    public String toString() {
        return "cluster " + name + " at " + server() + " in " + local.dir() + " (" + info.daemons().size()
                + " daemons)";
    }
}
