package dev.hpc.examples;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import dev.hpc.cli.local.Daemon;
import dev.hpc.cli.local.LocalCluster;
import dev.hpc.cli.local.LocalClusterInfo;
import dev.hpc.cli.local.LocalSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * What {@link RealCluster} (one head) and {@link StandbyCluster} (two heads) share: a real cluster
 * started from the built jars by {@link LocalCluster}, in a directory of the test's own, on free
 * ports, under a unique cluster name, with its own client config file (never the user's
 * {@code ~/.hpc/config}), and its clean-up.
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
abstract class ClusterFixture implements AutoCloseable {
    /** Small, quick-starting daemons: up to four of them and a test JVM share two cores. */
    private static final List<String> DAEMON_JVM = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xshare:auto", "-Xmx384m");
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    /** What a started cluster is made of, handed to the fixture's constructor. */
    record Parts(LocalCluster local, LocalClusterInfo info, Path home, String name, int port, int workers,
                 int coresPerWorker, Path config, String marker, Thread shutdownHook, Reaper reaper) {
    }

    private final Parts parts;
    private boolean closed;

    ClusterFixture(Parts parts) {
        this.parts = parts;
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
     * Starts a cluster of {@code workers} workers of {@code coresPerWorker} cores in {@code dir}, on the
     * base port {@code freePort} finds (a port taken meanwhile is tried again), with the spec changed by
     * {@code custom}, and makes the fixture with {@code make}, which may wait for what the fixture needs.
     * On failure the logs are printed and kept, and nothing is left running.
     */
    static <C extends ClusterFixture> C start(Path dir, String namePrefix, int workers, int coresPerWorker,
                                              IntSupplier freePort, Duration ready, UnaryOperator<LocalSpec> custom,
                                              Function<Parts, C> make) {
        preload();
        Path home = repositoryRoot();
        String name = namePrefix + Long.toString(System.nanoTime() & 0xffffffffL, 36)
                + ThreadLocalRandom.current().nextInt(1000);
        String marker = String.valueOf(100_000_000 + ThreadLocalRandom.current().nextInt(900_000_000));
        Path config = dir.resolve("client").resolve("config");
        LocalCluster local = new LocalCluster(dir.resolve("cluster"));
        Reaper reaper = new Reaper(local.dir(), marker);
        Thread hook = new Thread(reaper::reap, "reap-" + name);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            for (int attempt = 1; ; attempt++) {
                int port = freePort.getAsInt();
                LocalSpec spec = custom.apply(LocalSpec.defaults(home).withPort(port).withCluster(name)
                        .withWorkers(workers).withCoresPerWorker(coresPerWorker).withConfigFile(config)
                        .withReadyTimeout(ready).withJvmArgs(DAEMON_JVM));
                LocalClusterInfo info;
                try {
                    info = local.start(spec);
                } catch (HpcException e) {
                    // another process may have taken a free port between the probe and the start
                    if (attempt >= 3 || !String.valueOf(e.getMessage()).contains("is taken")) {
                        throw e;
                    }
                    continue;
                }
                return make.apply(new Parts(local, info, home, name, port, workers, coresPerWorker, config, marker,
                        hook, reaper));
            }
        } catch (RuntimeException | Error e) {
            System.err.println("cluster " + name + " did not start: " + e.getMessage() + "; the whole logs are kept in "
                    + keepLogs(local, name) + ":\n" + logTails(local, 40));
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

    // ---- what tests use

    /** The cluster's name, the suffix of its job ids. */
    String name() {
        return parts.name();
    }

    /** The HTTP port of the first head. */
    int port() {
        return parts.port();
    }

    int workers() {
        return parts.workers();
    }

    int coresPerWorker() {
        return parts.coresPerWorker();
    }

    /** The client config file {@link LocalCluster} wrote ({@code server=...}); the CLI processes read it. */
    Path config() {
        return parts.config();
    }

    Path hpcHome() {
        return parts.home();
    }

    /** Digits unique to this cluster; put them in the arguments of processes a job starts. */
    String marker() {
        return parts.marker();
    }

    LocalCluster local() {
        return parts.local();
    }

    /** The daemons as the start recorded them. */
    LocalClusterInfo info() {
        return parts.info();
    }

    /** The cluster's admin token, for raw REST calls; every head accepts it. */
    String token() {
        return local().adminToken().value();
    }

    /** The file of the cluster's admin token. */
    Path tokenFile() {
        return local().adminTokenFile();
    }

    /** A REST client that does not wait for an unavailable head (the polls retry instead). */
    abstract HeadClient client();

    /** Whether every worker is registered (with the active head) and not down. */
    boolean workersUp() {
        List<NodeInfo> nodes = client().nodes();
        return nodes.stream().filter(n -> n.state() != NodeState.DOWN).count() >= workers();
    }

    /** The task processes of this cluster alive now (see {@link #taskProcesses(LocalCluster, String)}). */
    Set<Long> taskProcesses() {
        return taskProcesses(local(), marker());
    }

    // ---- logs, for failure messages

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
        for (Path log : logs(local())) {
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
        Path to = repositoryRoot().resolve("examples").resolve("target").resolve("failover-it-logs")
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
        Path kept = keepLogs(local(), name());
        System.err.println(getClass().getSimpleName() + " " + name() + " (" + why + "); the whole logs are kept in "
                + kept + ":\n" + logTails(local(), 60));
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
        String label = getClass().getSimpleName() + " " + name();
        try {
            Set<Long> tasks = taskProcesses();
            for (LocalCluster.Stopped s : local().stop(STOP_GRACE)) {
                if (s.outcome() == LocalCluster.Outcome.KILLED || s.outcome() == LocalCluster.Outcome.SURVIVED) {
                    System.err.println(label + ": " + s.daemon().name() + " " + s.outcome());
                }
            }
            tasks.addAll(taskProcesses());
            List<Long> killed = Procs.killAll(tasks, Duration.ofSeconds(10));
            if (!killed.isEmpty()) {
                System.err.println(label + ": killed leftover task processes " + killed);
            }
        } finally {
            parts.reaper().reap();
            removeHook(parts.shutdownHook());
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
                    System.err.println("ClusterFixture: killed leftovers of " + dir + ": "
                            + killed.stream().map(ProcessHandle::pid).sorted().toList());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                System.err.println("ClusterFixture: cleanup of " + dir + " failed: " + e);
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
}
