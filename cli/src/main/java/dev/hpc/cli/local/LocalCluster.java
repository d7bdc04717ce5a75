package dev.hpc.cli.local;

import dev.hpc.api.ApiToken;
import dev.hpc.api.HeadClient;
import dev.hpc.api.ClusterSecret;
import dev.hpc.api.HeadTransport;
import dev.hpc.api.HpcException;
import dev.hpc.api.NodeInfo;
import dev.hpc.api.NodeState;
import dev.hpc.cli.ConfigFile;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;

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
    private static final Duration POLL = Duration.ofMillis(100);
    private static final String BIND = "127.0.0.1";

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
    /** The daemons this instance started: waiting on them reaps them, so they never linger as zombies. */
    private final Map<String, Process> children = new HashMap<>();

    public LocalCluster(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
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
        ensureAdminToken();
        List<String> secret = List.of("--cluster-secret-file", clusterSecret().toString());
        // Two heads need a third voter for their leadership lease: the arbiter, on the port after the heads'.
        int arbiterPort = spec.port() + spec.heads();
        if (spec.heads() > 1) {
            if (!portFree(BIND, arbiterPort)) {
                throw new HpcException("port " + arbiterPort + " on " + BIND + " is taken: choose another base port "
                        + "with --port (the arbiter of the heads' leadership lease listens on the port after the "
                        + "heads')");
            }
        }
        try {
            if (spec.heads() > 1) {
                List<String> args = new ArrayList<>(List.of("--arbiter", "--name", ARBITER, "--cluster",
                        spec.cluster(), "--port", String.valueOf(arbiterPort), "--bind", BIND, "--data-dir",
                        dataDir(ARBITER).toString()));
                args.addAll(secret);
                info = info.plus(launch(new Daemon(ARBITER, Daemon.Role.ARBITER, BIND + ":" + arbiterPort, 0,
                        log(ARBITER), javaCommand(spec, List.of(), spec.headJar(), args), Instant.EPOCH)));
                LocalStateFile.write(stateFile(), info);
            }
            for (int k = 1; k <= spec.heads(); k++) {
                String name = "head" + k;
                int port = spec.port() + k - 1;
                List<String> args = new ArrayList<>(List.of("--name", name, "--cluster", spec.cluster(), "--port",
                        String.valueOf(port), "--bind", BIND, "--data-dir", dataDir(name).toString(),
                        "--admin-token-file", adminTokenFile().toString()));
                args.addAll(secret);
                if (spec.heads() > 1) {
                    args.addAll(List.of("--voters", String.join(",", voters(spec, name, heads, arbiterPort))));
                }
                args.addAll(substitute(spec.headArgs(), name, k, port, heads, spec.routes()));
                List<String> command = javaCommand(spec, List.of("-Djava.util.concurrent.ForkJoinPool.common"
                        + ".parallelism=4"), spec.headJar(), args);
                info = info.plus(launch(new Daemon(name, Daemon.Role.HEAD, BIND + ":" + port, 0, log(name),
                        command, Instant.EPOCH)));
                LocalStateFile.write(stateFile(), info);
            }
            for (int k = 1; k <= spec.workers(); k++) {
                String name = "node" + k;
                List<String> routed = new ArrayList<>();
                for (int j = 0; j < heads.size(); j++) {
                    routed.add(spec.routes().address(name, "head" + (j + 1), LocalSpec.Port.API, heads.get(j)));
                }
                List<String> args = new ArrayList<>(List.of("--name", name, "--heads", String.join(",", routed),
                        "--cores", String.valueOf(spec.coresPerWorker()), "--spool-dir",
                        dataDir(name).toString()));
                args.addAll(secret);
                if (runsAsRoot()) {
                    // a local cluster is a personal one: its user submits, and here that user is root
                    args.add("--allow-root-jobs");
                }
                args.addAll(substitute(spec.workerArgs(), name, k, 0, heads, spec.routes()));
                List<String> command = javaCommand(spec, List.of(), spec.workerJar(), args);
                info = info.plus(launch(new Daemon(name, Daemon.Role.WORKER, "", 0, log(name), command,
                        Instant.EPOCH)));
                LocalStateFile.write(stateFile(), info);
            }
            awaitReady(info, spec.workers(), spec.readyTimeout());
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

    /** The admin token every head of this cluster is given (docs/security.md); made by the first start. */
    public Path adminTokenFile() {
        return dir.resolve("admin.token");
    }

    public ApiToken adminToken() {
        return ApiToken.read(adminTokenFile(), "the local cluster's admin token");
    }

    private void ensureAdminToken() {
        if (!Files.exists(adminTokenFile())) {
            ApiToken.install(adminTokenFile(), ApiToken.generate());
        }
    }

    /** What {@link #installToken} did. */
    public enum TokenInstall { INSTALLED, REPLACED, KEPT, LEFT_ALONE }

    /**
     * Makes {@code target} (where the CLI looks for its token) hold a token this cluster accepts: the
     * cluster's admin token is copied there when the file is missing or its token is refused. A
     * token the cluster accepts is kept, and a file the CLI would refuse to read is left alone.
     */
    public TokenInstall installToken(Path target, List<String> heads) {
        if (!Files.exists(target)) {
            ApiToken.install(target, adminToken().value());
            return TokenInstall.INSTALLED;
        }
        ApiToken current;
        try {
            current = ApiToken.read(target, "the token file");
        } catch (HpcException unusable) {
            return TokenInstall.LEFT_ALONE;
        }
        try {
            new HeadClient(heads, current, HeadTransport.Settings.defaults().withMaxWait(Duration.ofSeconds(5)))
                    .whoami();
            return TokenInstall.KEPT;
        } catch (dev.hpc.api.HpcApiException e) {
            if (e.status() != 401) {
                throw e;
            }
            ApiToken.install(target, adminToken().value());
            return TokenInstall.REPLACED;
        }
    }

    /**
     * The secret the local heads and workers prove to each other (docs/security.md): made once, private
     * to its owner, in the cluster's directory, and kept for later starts of the same directory.
     */
    Path clusterSecret() {
        Path file = dir.resolve(CLUSTER_SECRET);
        if (Files.exists(file)) {
            ClusterSecret.read(file);
        } else {
            ClusterSecret.generate(file);
        }
        return file;
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

    /**
     * Head {@code name}'s voters: its own address (a head always reaches itself), the other heads' and the
     * arbiter's, each as {@code spec.routes()} gives it.
     */
    private static List<String> voters(LocalSpec spec, String name, List<String> heads, int arbiterPort) {
        List<String> out = new ArrayList<>();
        for (int j = 0; j < heads.size(); j++) {
            String other = "head" + (j + 1);
            out.add(other.equals(name) ? heads.get(j)
                    : spec.routes().address(name, other, LocalSpec.Port.API, heads.get(j)));
        }
        out.add(spec.routes().address(name, ARBITER, LocalSpec.Port.API, BIND + ":" + arbiterPort));
        return out;
    }

    static List<String> substitute(List<String> args, String name, int index, int port, List<String> heads) {
        return substitute(args, name, index, port, heads, LocalSpec.Routes.DIRECT);
    }

    static List<String> substitute(List<String> args, String name, int index, int port, List<String> heads,
                                   LocalSpec.Routes routes) {
        List<String> peers = new ArrayList<>();
        for (int j = 0; j < heads.size(); j++) {
            String head = "head" + (j + 1);
            String direct = peerAddress(heads.get(j));
            peers.add(head.equals(name) ? routes.address("", head, LocalSpec.Port.PEER, direct)
                    : routes.address(name, head, LocalSpec.Port.PEER, direct));
        }
        String published = port == 0 ? "" : routes.address("", name, LocalSpec.Port.PEER,
                BIND + ":" + (port + PEER_PORT_OFFSET));
        List<String> out = new ArrayList<>();
        for (String a : args) {
            out.add(a.replace("{name}", name).replace("{index}", String.valueOf(index))
                    .replace("{port}", String.valueOf(port)).replace("{heads}", String.join(",", heads))
                    .replace("{peerPort}", String.valueOf(port + PEER_PORT_OFFSET))
                    .replace("{peerAddress}", published)
                    .replace("{peers}", String.join(",", peers)));
        }
        return out;
    }

    private static String peerAddress(String head) {
        int colon = head.lastIndexOf(':');
        return head.substring(0, colon) + ":" + (Integer.parseInt(head.substring(colon + 1)) + PEER_PORT_OFFSET);
    }

    /**
     * The daemons compile with C1 alone. Their work is I/O, JSON, the store and process starts, for which
     * C1's code was as fast as C2's in the throughput benchmark (and the scheduling cycle at 100,000 jobs
     * was no slower), while C2 kept compiling for minutes after a start and took a fifth of a 2-core
     * machine doing it (docs/performance.md).
     */
    static final List<String> DAEMON_JVM_ARGS = List.of("-XX:TieredStopAtLevel=1");

    private static List<String> javaCommand(LocalSpec spec, List<String> ownJvmArgs, Path jar, List<String> args) {
        List<String> c = new ArrayList<>();
        setsid().ifPresent(c::add);
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.addAll(DAEMON_JVM_ARGS);
        c.addAll(ownJvmArgs);
        c.addAll(spec.jvmArgs());
        c.add("-jar");
        c.add(jar.toString());
        c.addAll(args);
        return c;
    }

    /**
     * {@code setsid} puts a daemon in a session of its own, so that neither Ctrl-C in the terminal
     * that ran {@code hpc local up} nor closing it reaches the daemon. A process started from Java is
     * no process-group leader, so setsid runs the program in place and the pid stays the daemon's.
     */
    /** Whether this process runs as root (uid 0, from /proc/self/status). */
    static boolean runsAsRoot() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).trim().split("\\s+")[0].equals("0");
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    private static Optional<String> setsid() {
        for (String p : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(p))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Starts {@code d}'s command, its output appended to its log; the returned record has the new pid. */
    private Daemon launch(Daemon d) {
        try {
            Files.writeString(d.log(), "=== " + Instant.now() + " starting " + d.name() + ": "
                    + String.join(" ", d.command()) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(d.command())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(d.log().toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p = pb.start();
            children.put(d.name(), p);
            return d.withProcess(p.pid(), p.info().startInstant().orElse(Processes.startOf(p.pid())));
        } catch (IOException e) {
            throw new HpcException("cannot start " + d.name() + " (" + String.join(" ", d.command()) + "): "
                    + e.getMessage(), e);
        }
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

    /** Polls the API until it answers and {@code workers} of our workers are not DOWN. */
    private void awaitReady(LocalClusterInfo info, int workers, Duration timeout) {
        HeadClient client = new HeadClient(info.heads(), adminToken(),
                HeadTransport.Settings.defaults().withMaxWait(Duration.ZERO).withRequestTimeout(Duration.ofSeconds(5)));
        Set<String> ours = new HashSet<>();
        info.daemons(Daemon.Role.WORKER).forEach(d -> ours.add(d.name()));
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (true) {
            for (Daemon d : info.daemons()) {
                if (!isAlive(d)) {
                    throw new HpcException(d.name() + " exited while the cluster was starting" + exitStatus(d)
                            + "; see " + d.log() + tail(d.log()));
                }
            }
            try {
                client.cluster();
                long up = 0;
                for (NodeInfo n : client.nodes()) {
                    if (ours.contains(n.name()) && n.state() != NodeState.DOWN) {
                        up++;
                    }
                }
                if (up >= workers) {
                    return;
                }
                last = up + " of " + workers + " workers up";
            } catch (HpcException e) {
                last = e.getMessage();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new HpcException("the local cluster was not ready within " + timeout.toSeconds() + " s ("
                        + last + "); see the logs in " + dir);
            }
            pause(POLL);
        }
    }

    /**
     * The exit status of a daemon this instance started and that has ended since; empty while it runs, or when
     * another process started it (a fault suite tells a head's fail-stop, status 70, from a crash by it).
     */
    public Optional<Integer> exitStatus(String name) {
        Process p = children.get(name);
        Daemon d = daemon(name);
        return p != null && p.pid() == d.pid() && !p.isAlive() ? Optional.of(p.exitValue()) : Optional.empty();
    }

    private String exitStatus(Daemon d) {
        Process p = children.get(d.name());
        return p != null && !p.isAlive() ? " with status " + p.exitValue() : "";
    }

    /** The last lines of a log, indented, to show with an error. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            List<String> last = lines.subList(Math.max(0, lines.size() - 10), lines.size());
            StringJoiner j = new StringJoiner("\n  ", ":\n  ", "");
            last.forEach(j::add);
            return last.isEmpty() ? "" : j.toString();
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
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
        Process p = children.get(d.name());
        if (p != null && p.pid() == d.pid()) {
            return p.isAlive();
        }
        return d.pid() > 0 && Processes.alive(d.pid(), d.started());
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
            signal(d, true);
            if (!awaitExit(d, KILL_WAIT)) {
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
        try {
            Process kill = new ProcessBuilder("kill", frozen ? "-STOP" : "-CONT", Long.toString(d.pid()))
                    .redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (kill.waitFor() != 0) {
                throw new HpcException("cannot " + (frozen ? "freeze " : "thaw ") + name + ": " + out);
            }
        } catch (IOException e) {
            throw new HpcException("cannot run kill: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HpcException("interrupted while signalling " + name);
        }
    }

    /** SIGTERM to one daemon (an orderly stop); SIGKILL if it has not gone within {@link #STOP_GRACE}. */
    public void terminate(String name) {
        Daemon d = daemon(name);
        if (isAlive(d)) {
            signal(d, false);
            if (!awaitExit(d, STOP_GRACE)) {
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
        Daemon launched = launch(new Daemon(d.name(), d.role(), d.address(), d.pid(), d.log(), command, d.started()));
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
                signal(d, false);
                outcome.put(d.name(), Outcome.TERMINATED);
            } else {
                outcome.put(d.name(), Outcome.NOT_RUNNING);
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (Daemon d : daemons) {
            if (outcome.get(d.name()) == Outcome.TERMINATED
                    && !awaitExit(d, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                signal(d, true);
                outcome.put(d.name(), Outcome.KILLED);
            }
        }
        for (Daemon d : daemons) {
            if (outcome.get(d.name()) == Outcome.KILLED && !awaitExit(d, KILL_WAIT)) {
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

    private void signal(Daemon d, boolean kill) {
        // a frozen daemon could not act on SIGTERM; SIGCONT first (harmless to a running one)
        ProcessHandle.of(d.pid()).filter(h -> h.isAlive()).ifPresent(h -> {
            try {
                new ProcessBuilder("kill", "-CONT", Long.toString(d.pid())).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            } catch (IOException e) {
                // no kill command: a frozen daemon stays frozen until SIGKILL, which needs no thaw
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Process p = children.get(d.name());
        if (p != null && p.pid() == d.pid()) {
            if (kill) {
                p.destroyForcibly();
            } else {
                p.destroy();
            }
            return;
        }
        ProcessHandle.of(d.pid()).ifPresent(h -> {
            if (kill) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
        });
    }

    private boolean awaitExit(Daemon d, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Process p = children.get(d.name());
        if (p != null && p.pid() == d.pid()) {
            try {
                return p.waitFor(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HpcException("interrupted while waiting for " + d.name() + " to exit");
            }
        }
        while (isAlive(d)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            pause(Duration.ofMillis(50));
        }
        return true;
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HpcException("interrupted");
        }
    }
}
