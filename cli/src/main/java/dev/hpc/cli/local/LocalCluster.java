package dev.hpc.cli.local;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.ApiToken;
import dev.hpc.cli.ConfigFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A whole cluster on this machine, as background processes: heads and workers started from the
 * built jars, each writing to {@code DIR/NAME.log}, recorded in {@code DIR/local.json} so that a later
 * process ({@code hpc local status}, {@code hpc local down}, a test) finds them again. The daemons
 * outlive the process that started them: they run in their own session ({@code setsid} where there
 * is one), with standard input from {@code /dev/null}.
 *
 * <p>Used by {@code hpc local} and by process tests that start real clusters and kill their daemons:
 * nothing here exits the JVM or reads the user's home directory; the directory, the config file, the
 * ports and the jars are all parameters. Problems are {@link HpcException}s that say what to do.
 * Not thread-safe: one caller at a time per directory.
 */
public final class LocalCluster {
    /** A head's port in the head cluster is its HTTP port plus this; see {@code {peerPort}} in {@link LocalSpec}. */
    public static final int PEER_PORT_OFFSET = 100;
    /** The name, log and data directory of the arbiter a cluster of several heads gets. */
    static final String ARBITER = "arbiter";

    /** How long {@link #stop()} waits after SIGTERM before it sends SIGKILL. */
    public static final Duration STOP_GRACE = Duration.ofSeconds(15);
    /** The file, in the cluster's directory, of the secret its heads and workers share. */
    public static final String CLUSTER_SECRET = "cluster-secret";
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    static final String BIND = "127.0.0.1";

    /** How a daemon ended in {@link #stop()}. */
    public enum Outcome {
        NOT_RUNNING,
        TERMINATED,
        KILLED,
        /** Still alive after SIGKILL: it may belong to another user, or be stuck in the kernel. */
        SURVIVED
    }

    public record Stopped(Daemon daemon, Outcome outcome) {
    }

    private final Path dir;
    /** The daemons' processes; those this instance started are reaped, so they never linger as zombies. */
    private final DaemonProcesses processes;
    private final LocalSecrets secrets;

    public LocalCluster(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
        this.processes = new DaemonProcesses(this.dir);
        this.secrets = new LocalSecrets(this.dir);
    }

    public Path dir() {
        return dir;
    }

    public Path stateFile() {
        return dir.resolve(LocalStateFile.NAME);
    }

    /** The recorded cluster, if {@code local.json} exists. */
    public Optional<LocalClusterInfo> info() {
        return LocalStateFile.read(stateFile());
    }

    // ---- start

    /**
     * Starts the heads, then the workers, and waits until the API answers and every worker is up.
     * Refuses when a cluster recorded in this directory still runs, when a port is taken, or when the
     * jars are missing. When the cluster does not come up in time, or a daemon dies on the way,
     * everything started is stopped again and the error names the log to read.
     */
    public LocalClusterInfo start(LocalSpec spec) {
        for (Path jar : List.of(spec.headJar(), spec.workerJar())) {
            if (!Files.isRegularFile(jar)) {
                throw new HpcException(jar + " is missing: run mvn -q -DskipTests package first (in "
                        + spec.hpcHome() + ")");
            }
        }
        Optional<LocalClusterInfo> old = info();
        if (old.isPresent()) {
            List<String> running = old.get().daemons().stream().filter(this::isAlive)
                    .map(d -> d.name() + " pid " + d.pid()).toList();
            if (!running.isEmpty()) {
                throw new HpcException("local cluster '" + old.get().cluster() + "' is still running from " + dir
                        + " (" + String.join(", ", running) + "): stop it with 'hpc local down', or use "
                        + "another directory (--dir)");
            }
        }
        List<String> heads = new ArrayList<>();
        for (int k = 0; k < spec.heads(); k++) {
            int port = spec.port() + k;
            if (!portFree(BIND, port)) {
                throw new HpcException("port " + port + " on " + BIND + " is taken: choose another with --port "
                        + "(a head listens on it)");
            }
            heads.add(BIND + ":" + port);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        LocalClusterInfo info = new LocalClusterInfo(spec.cluster(), dir, heads, List.of());
        LocalStateFile.write(stateFile(), info);
        secrets.ensureAdminToken();
        Path secret = secrets.clusterSecret();
        // Two heads need a third voter for their leadership lease: the arbiter, on the port after the heads'.
        int arbiterPort = spec.port() + spec.heads();
        if (spec.heads() > 1) {
            if (!portFree(BIND, arbiterPort)) {
                throw new HpcException("port " + arbiterPort + " on " + BIND + " is taken: choose another base port "
                        + "with --port (the arbiter of the heads' leadership lease listens on the port after the "
                        + "heads')");
            }
        }
        DaemonCommands commands = new DaemonCommands(spec, heads, arbiterPort, secret, adminTokenFile(),
                this::dataDir);
        try {
            if (spec.heads() > 1) {
                info = launched(info, new Daemon(ARBITER, Daemon.Role.ARBITER, BIND + ":" + arbiterPort, 0,
                        log(ARBITER), commands.arbiter(), Instant.EPOCH));
            }
            for (int k = 1; k <= spec.heads(); k++) {
                String name = "head" + k;
                info = launched(info, new Daemon(name, Daemon.Role.HEAD, heads.get(k - 1), 0, log(name),
                        commands.head(k), Instant.EPOCH));
            }
            for (int k = 1; k <= spec.workers(); k++) {
                String name = "node" + k;
                info = launched(info, new Daemon(name, Daemon.Role.WORKER, "", 0, log(name), commands.worker(k),
                        Instant.EPOCH));
            }
            new StartupWait(info, adminToken(), processes).await(spec.workers(), spec.readyTimeout());
        } catch (RuntimeException e) {
            try {
                stop();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        spec.configFile().ifPresent(c -> ConfigFile.put(c, ConfigFile.SERVER, String.join(",", heads)));
        return info;
    }

    /** Starts {@code d} and records it with its pid, so that a stop finds it even if the start goes no further. */
    private LocalClusterInfo launched(LocalClusterInfo info, Daemon d) {
        LocalClusterInfo next = info.plus(processes.launch(d));
        LocalStateFile.write(stateFile(), next);
        return next;
    }

    /** The admin token every head of this cluster is given (docs/security.md); made by the first start. */
    public Path adminTokenFile() {
        return secrets.adminTokenFile();
    }

    public ApiToken adminToken() {
        return secrets.adminToken();
    }

    /** What {@link #installToken} did. */
    public enum TokenInstall { INSTALLED, REPLACED, KEPT, LEFT_ALONE }

    /**
     * Makes {@code target} (where the CLI looks for its token) hold a token this cluster accepts: the
     * cluster's admin token is copied there when the file is missing or its token is refused. A
     * token the cluster accepts is kept, and a file the CLI would refuse to read is left alone.
     */
    public TokenInstall installToken(Path target, List<String> heads) {
        return secrets.installToken(target, heads);
    }

    private Path dataDir(String name) {
        Path d = dir.resolve(name);
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + d + ": " + e.getMessage(), e);
        }
        return d;
    }

    private Path log(String name) {
        return dir.resolve(name + ".log");
    }

    /** Whether a local head can listen on {@code host:port}. */
    public static boolean portFree(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The exit status of a daemon this instance started and that has ended since; empty while it runs, or when
     * another process started it (a fault suite tells a head's fail-stop, status 70, from a crash by it).
     */
    public Optional<Integer> exitStatus(String name) {
        return processes.exitStatus(daemon(name));
    }

    // ---- status, kill, restart, stop

    public List<DaemonStatus> status() {
        List<DaemonStatus> out = new ArrayList<>();
        info().ifPresent(i -> i.daemons().forEach(d -> out.add(new DaemonStatus(d, isAlive(d)))));
        return out;
    }

    public boolean isAlive(String name) {
        return isAlive(daemon(name));
    }

    private boolean isAlive(Daemon d) {
        return processes.isAlive(d);
    }

    private Daemon daemon(String name) {
        LocalClusterInfo i = info().orElseThrow(() -> new HpcException("no local cluster is recorded in " + dir));
        return i.daemon(name).orElseThrow(() -> new HpcException("no daemon '" + name + "' in the local cluster "
                + "recorded in " + dir + "; known: " + i.daemons().stream().map(Daemon::name).toList()));
    }

    /** SIGKILL to one daemon (a crash, for tests); returns once it is gone. Its record stays for a restart. */
    public void kill(String name) {
        Daemon d = daemon(name);
        if (isAlive(d)) {
            processes.signal(d, true);
            if (!processes.awaitExit(d, KILL_WAIT)) {
                throw new HpcException(name + " (pid " + d.pid() + ") is still alive " + KILL_WAIT.toSeconds()
                        + " s after SIGKILL");
            }
        }
    }

    /**
     * SIGSTOP ({@code frozen}) or SIGCONT to one daemon: a hung process, whose connections stay open while it
     * answers nothing (fault tests and {@code hpc bench chaos}). A frozen daemon is also thawed by a stop.
     */
    public void freeze(String name, boolean frozen) {
        Daemon d = daemon(name);
        if (!isAlive(d)) {
            throw new HpcException(name + " is not running");
        }
        processes.freeze(d, frozen);
    }

    /** SIGTERM to one daemon (an orderly stop); SIGKILL if it has not gone within {@link #STOP_GRACE}. */
    public void terminate(String name) {
        Daemon d = daemon(name);
        if (isAlive(d)) {
            processes.signal(d, false);
            if (!processes.awaitExit(d, STOP_GRACE)) {
                kill(name);
            }
        }
    }

    /** Starts a recorded daemon again with its recorded command, after {@link #kill}; refused while it runs. */
    public Daemon startDaemon(String name) {
        return startDaemon(name, List.of());
    }

    /**
     * As {@link #startDaemon(String)}, with {@code onceArgs} added to its command for this start only (an
     * operator's {@code --force-stale-start}): the recorded command, used by later starts, stays as it was.
     */
    public Daemon startDaemon(String name, List<String> onceArgs) {
        LocalClusterInfo i = info().orElseThrow(() -> new HpcException("no local cluster is recorded in " + dir));
        Daemon d = daemon(name);
        if (isAlive(d)) {
            throw new HpcException(name + " is still running (pid " + d.pid() + "): kill it first");
        }
        List<String> command = new ArrayList<>(d.command());
        command.addAll(onceArgs);
        Daemon launched = processes.launch(new Daemon(d.name(), d.role(), d.address(), d.pid(), d.log(), command,
                d.started()));
        Daemon started = new Daemon(d.name(), d.role(), d.address(), launched.pid(), d.log(), d.command(),
                launched.started());
        LocalStateFile.write(stateFile(), i.with(started));
        return started;
    }

    /**
     * Stops every recorded daemon: SIGTERM to all, up to {@link #STOP_GRACE} for them to exit, SIGKILL
     * to the rest; then removes {@code local.json}. Nothing recorded: nothing to do.
     */
    public List<Stopped> stop() {
        return stop(STOP_GRACE);
    }

    public List<Stopped> stop(Duration grace) {
        Optional<LocalClusterInfo> i = info();
        if (i.isEmpty()) {
            return List.of();
        }
        List<Daemon> daemons = i.get().daemons();
        Map<String, Outcome> outcome = new HashMap<>();
        for (Daemon d : daemons) {
            if (isAlive(d)) {
                processes.signal(d, false);
                outcome.put(d.name(), Outcome.TERMINATED);
            } else {
                outcome.put(d.name(), Outcome.NOT_RUNNING);
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (Daemon d : daemons) {
            if (outcome.get(d.name()) == Outcome.TERMINATED
                    && !processes.awaitExit(d, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                processes.signal(d, true);
                outcome.put(d.name(), Outcome.KILLED);
            }
        }
        for (Daemon d : daemons) {
            if (outcome.get(d.name()) == Outcome.KILLED && !processes.awaitExit(d, KILL_WAIT)) {
                outcome.put(d.name(), Outcome.SURVIVED);
            }
        }
        List<Stopped> out = new ArrayList<>();
        daemons.forEach(d -> out.add(new Stopped(d, outcome.get(d.name()))));
        if (out.stream().noneMatch(s -> s.outcome() == Outcome.SURVIVED)) {
            try {
                Files.deleteIfExists(stateFile());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + stateFile() + ": " + e.getMessage(), e);
            }
        }
        return out;
    }
}
