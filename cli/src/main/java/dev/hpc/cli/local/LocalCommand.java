package dev.hpc.cli.local;

import dev.hpc.api.client.ApiToken;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.client.UserHome;
import dev.hpc.api.json.Json;
import dev.hpc.cli.ConfigFile;
import dev.hpc.cli.ExitCodes;
import dev.hpc.cli.GroupCommand;
import dev.hpc.cli.HpcMain;
import dev.hpc.cli.Invocation;
import dev.hpc.cli.UsageException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hpc local up|status|down}: a whole cluster on this machine ({@link LocalCluster}). */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = "Run a whole cluster (a head and workers) on this machine.",
        subcommands = {LocalCommand.Up.class, LocalCommand.Status.class, LocalCommand.Down.class,
                LocalCommand.KillHead.class, LocalCommand.StartHead.class})
public final class LocalCommand extends GroupCommand {
    /** {@code ~/.hpc/local}. */
    static Path defaultDir() {
        return UserHome.of(Invocation.current().env()).resolve(".hpc").resolve("local");
    }

    static Path dirOrDefault(Path dir) {
        return dir == null ? defaultDir() : dir;
    }

    /**
     * The repository root holding the daemons' jars: {@code -Dhpc.home} (set by bin/hpc), else the
     * directory three levels above this jar ({@code ROOT/cli/target/hpc-cli.jar}).
     */
    public static Path hpcHome() {
        String prop = System.getProperty("hpc.home", "");
        if (!prop.isBlank()) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        try {
            Path jar = Path.of(HpcMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = jar.getParent() == null || jar.getParent().getParent() == null ? null
                    : jar.getParent().getParent().getParent();
            if (root != null && Files.isDirectory(root.resolve("head-node"))) {
                return root;
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through to the error below
        }
        throw new UsageException("cannot tell where hpc is installed: run it as bin/hpc, or pass "
                + "-Dhpc.home=REPOSITORY_ROOT to java");
    }

    /** {@code hpc local up}. */
    @Command(name = "up", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = {"Start a head and workers on this machine as background processes, wait until they "
                    + "are up, and point the commands at them (server= in ~/.hpc/config, or $HPC_CONFIG).",
                    "Logs and state go to DIR; 'hpc local down' stops everything."})
    public static final class Up implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--workers", paramLabel = "N", defaultValue = "2", description = "workers to start "
                + "(default ${DEFAULT-VALUE})")
        int workers;

        @Option(names = "--dir", paramLabel = "DIR", description = "logs, data and local.json (default ~/.hpc/local)")
        Path dir;

        @Option(names = "--port", paramLabel = "P", defaultValue = "8640", description = "the head's HTTP port "
                + "(default ${DEFAULT-VALUE})")
        int port;

        @Option(names = "--cluster", paramLabel = "NAME", defaultValue = LocalSpec.DEFAULT_CLUSTER,
                description = "the cluster's name, the suffix of job ids (default ${DEFAULT-VALUE})")
        String cluster;

        @Option(names = "--cores", paramLabel = "C", description = "cores per worker (default max(2, processors))")
        Integer cores;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60", description = "how long to wait "
                + "for the cluster to come up (default ${DEFAULT-VALUE})")
        int timeout;

        @Option(names = "--standby", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "start a standby head (head2, on port P+1) that takes over when the active head dies "
                        + "(default); --no-standby starts the active head alone")
        boolean standby;

        @Override
        public Integer call() {
            if (workers < 0 || port < 1 || port > 65535 || timeout < 1 || (cores != null && cores < 1)) {
                throw new UsageException("--workers must be 0 or more, --port 1 to 65535, --timeout and --cores "
                        + "at least 1");
            }
            if (!cluster.matches("[A-Za-z0-9][A-Za-z0-9.-]*")) {
                throw new UsageException("--cluster " + cluster + ": use letters, digits, '.' and '-'");
            }
            Map<String, String> env = Invocation.current().env();
            Path config = ConfigFile.path(env, UserHome.of(env));
            LocalSpec ls = LocalSpec.defaults(hpcHome()).withWorkers(workers).withPort(port).withCluster(cluster)
                    .withReadyTimeout(Duration.ofSeconds(timeout)).withConfigFile(config);
            if (cores != null) {
                ls = ls.withCoresPerWorker(cores);
            }
            if (standby) {
                ls = ls.withHeads(2).withHeadArgs(List.of("--peers", "{peers}", "--peer-port", "{peerPort}"));
            }
            LocalCluster lc = new LocalCluster(dirOrDefault(dir));
            LocalClusterInfo info = lc.start(ls);
            PrintWriter out = spec.commandLine().getOut();
            String head = info.heads().get(0);
            out.println("cluster " + info.cluster() + " is up: head http://" + head + "/ (API " + info.apiUrl()
                    + "), " + workers + " worker" + (workers == 1 ? "" : "s")
                    + (standby ? ", standby head http://" + info.heads().get(1) + "/" : ""));
            out.println(tokenNote(lc, info));
            out.println("try: echo 'hostname' | bin/qsub && bin/qstat; stop it with: hpc local down (logs in "
                    + lc.dir() + ", server=" + String.join(",", info.heads()) + " written to " + config + ")");
            out.flush();
            return ExitCodes.OK;
        }
    }

    /**
     * Puts the cluster's admin token where the CLI will look for it (HPC_TOKEN_FILE, else ~/.hpc/token),
     * unless HPC_TOKEN names one, or the file there already holds a token the cluster accepts.
     */
    static String tokenNote(LocalCluster lc, LocalClusterInfo info) {
        Map<String, String> env = Invocation.current().env();
        if (!env.getOrDefault(ApiToken.ENV, "").isBlank()) {
            return "HPC_TOKEN is set, so the commands send it; the cluster's admin token is in " + lc.adminTokenFile();
        }
        String named = env.getOrDefault(ApiToken.FILE_ENV, "").strip();
        Path target = !named.isEmpty() ? Path.of(named)
                : ApiToken.defaultFile(UserHome.of(env));
        return switch (lc.installToken(target, info.heads())) {
            case INSTALLED -> "the cluster's admin token is installed in " + target + " (mode 0600)";
            case REPLACED -> "the token in " + target + " was not valid for this cluster: replaced by the cluster's "
                    + "admin token";
            case KEPT -> "the token in " + target + " is valid for this cluster: kept";
            case LEFT_ALONE -> "the token file " + target + " may be read by others, so the commands refuse it: "
                    + "chmod 600 " + target + ", or copy " + lc.adminTokenFile() + " there";
        };
    }

    /** {@code hpc local status}. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"List the daemons of the local cluster and whether each is alive.",
                    "Exit code 0 when every recorded daemon is alive, 1 otherwise."})
    public static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", paramLabel = "DIR", description = "where the cluster was started (default "
                + "~/.hpc/local)")
        Path dir;

        @Option(names = "--json", description = "as JSON")
        boolean json;

        @Override
        public Integer call() {
            LocalCluster lc = new LocalCluster(dirOrDefault(dir));
            PrintWriter out = spec.commandLine().getOut();
            var info = lc.info();
            List<DaemonStatus> all = lc.status();
            if (json) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("dir", lc.dir().toString());
                info.ifPresent(i -> {
                    doc.put("cluster", i.cluster());
                    doc.put("heads", i.heads());
                });
                List<Object> daemons = new ArrayList<>();
                for (DaemonStatus s : all) {
                    Map<String, Object> m = LocalStateFile.toMap(s.daemon());
                    m.put("alive", s.alive());
                    daemons.add(m);
                }
                doc.put("daemons", daemons);
                out.println(Json.writePretty(doc));
            } else if (info.isEmpty()) {
                out.println("no local cluster is recorded in " + lc.dir() + " (start one with 'hpc local up')");
            } else {
                out.println("cluster " + info.get().cluster() + " in " + lc.dir());
                out.println(String.format(Locale.ROOT, "%-10s %-7s %-21s %-8s %-6s %s", "NAME", "ROLE", "ADDRESS",
                        "PID", "STATE", "LOG"));
                for (DaemonStatus s : all) {
                    Daemon d = s.daemon();
                    out.println(String.format(Locale.ROOT, "%-10s %-7s %-21s %-8d %-6s %s", d.name(),
                            d.role().label(), d.address().isEmpty() ? "-" : d.address(), d.pid(),
                            s.alive() ? "alive" : "dead", d.log()));
                }
            }
            out.flush();
            boolean allAlive = !all.isEmpty() && all.stream().allMatch(DaemonStatus::alive);
            return allAlive ? ExitCodes.OK : ExitCodes.ERROR;
        }
    }

    /** {@code hpc local down}. */
    @Command(name = "down", mixinStandardHelpOptions = true,
            description = "Stop every daemon of the local cluster: SIGTERM, then SIGKILL after 15 s.")
    public static final class Down implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", paramLabel = "DIR", description = "where the cluster was started (default "
                + "~/.hpc/local)")
        Path dir;

        @Override
        public Integer call() {
            LocalCluster lc = new LocalCluster(dirOrDefault(dir));
            PrintWriter out = spec.commandLine().getOut();
            var info = lc.info();
            if (info.isEmpty()) {
                out.println("no local cluster is recorded in " + lc.dir() + "; nothing to stop");
                out.flush();
                return ExitCodes.OK;
            }
            boolean survivors = false;
            for (LocalCluster.Stopped s : lc.stop()) {
                Daemon d = s.daemon();
                String how = switch (s.outcome()) {
                    case NOT_RUNNING -> "was not running";
                    case TERMINATED -> "stopped";
                    case KILLED -> "killed after " + LocalCluster.STOP_GRACE.toSeconds() + " s";
                    case SURVIVED -> "STILL RUNNING after SIGKILL";
                };
                survivors |= s.outcome() == LocalCluster.Outcome.SURVIVED;
                out.println(d.name() + " (pid " + d.pid() + "): " + how);
            }
            out.println(survivors ? "cluster " + info.get().cluster() + " is not fully down; " + lc.stateFile()
                    + " is kept" : "cluster " + info.get().cluster() + " is down");
            out.flush();
            return survivors ? ExitCodes.ERROR : ExitCodes.OK;
        }
    }

    /** {@code hpc local kill-head}: SIGKILL of the active head, to watch a takeover. */
    @Command(name = "kill-head", mixinStandardHelpOptions = true,
            description = {"Kill the active head (or the named one) with SIGKILL, as a crash would; with a "
                    + "standby (hpc local up --standby) it takes over. Bring the head back with 'hpc local start-head'."})
    public static final class KillHead implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", paramLabel = "DIR", description = "where the cluster was started (default "
                + "~/.hpc/local)")
        Path dir;

        @Parameters(arity = "0..1", paramLabel = "HEAD", description = "the head to kill (default: the active one)")
        String name;

        @Override
        public Integer call() {
            LocalCluster lc = new LocalCluster(dirOrDefault(dir));
            String target = name != null ? name : activeHead(lc);
            if (name == null) {
                awaitCompleteStandby(lc);
            }
            long pid = info(lc).daemons().stream().filter(d -> d.name().equals(target)).map(Daemon::pid).findFirst()
                    .orElseThrow(() -> new UsageException("no head named " + target + " in " + lc.dir()));
            lc.kill(target);
            spec.commandLine().getOut().println("killed " + target + " (pid " + pid + ") with SIGKILL");
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }

        /**
         * A standby that has just joined takes over only once it holds a complete copy of the replicated state
         * (docs/failover.md, "A standby's copy"), about a second after it joined: the crash waits for that, so
         * that it shows a takeover rather than a standby waiting for the killed head.
         */
        private void awaitCompleteStandby(LocalCluster lc) {
            HeadClient client = client(lc);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            boolean told = false;
            while (true) {
                List<String> incomplete = headsWhere(client, "copies", "INCOMPLETE");
                if (incomplete.isEmpty()) {
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    spec.commandLine().getErr().println("warning: " + String.join(", ", incomplete) + " still does "
                            + "not hold a complete copy of the replicated state after 30 s: no head may lead until the "
                            + "killed one is back");
                    return;
                }
                if (!told) {
                    spec.commandLine().getOut().println("waiting until " + String.join(", ", incomplete)
                            + " holds a complete copy of the replicated state, so that it can take over");
                    spec.commandLine().getOut().flush();
                    told = true;
                }
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
        }

        private static String activeHead(LocalCluster lc) {
            return headsWhere(client(lc), "role", "ACTIVE").stream().findFirst()
                    .orElseThrow(() -> new UsageException("no head reports itself active; name the head to kill"));
        }

        private static LocalClusterInfo info(LocalCluster lc) {
            return lc.info().orElseThrow(() -> new UsageException("no local cluster in " + lc.dir()));
        }

        private static HeadClient client(LocalCluster lc) {
            return new HeadClient(info(lc).heads(), lc.adminToken(),
                    HeadTransport.Settings.defaults().withMaxWait(Duration.ofSeconds(5)));
        }

        /** The names of the heads whose entry in the cluster's list of heads has {@code field} {@code value}. */
        private static List<String> headsWhere(HeadClient client, String field, String value) {
            List<String> names = new ArrayList<>();
            if (client.cluster().get("heads") instanceof List<?> l) {
                for (Object o : l) {
                    if (o instanceof Map<?, ?> m && value.equals(m.get(field))) {
                        names.add(String.valueOf(m.get("name")));
                    }
                }
            }
            return names;
        }
    }

    /** {@code hpc local start-head NAME}: starts a killed or stopped head again, with its recorded command. */
    @Command(name = "start-head", mixinStandardHelpOptions = true,
            description = "Start a head of the local cluster again (it joins as standby when another head is active).")
    public static final class StartHead implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", paramLabel = "DIR", description = "where the cluster was started (default "
                + "~/.hpc/local)")
        Path dir;

        @Parameters(arity = "1", paramLabel = "HEAD", description = "the head to start, e.g. head1")
        String name;

        @Option(names = "--force-stale-start", description = "lead from this head's own store although another "
                + "head led last and is lost for good (the jobs only that head had are lost; docs/failover.md); "
                + "for this start only")
        boolean forceStaleStart;

        @Override
        public Integer call() {
            LocalCluster lc = new LocalCluster(dirOrDefault(dir));
            if (lc.isAlive(name)) {
                throw new UsageException(name + " is already running");
            }
            lc.startDaemon(name, forceStaleStart ? List.of("--force-stale-start") : List.of());
            spec.commandLine().getOut().println("started " + name);
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }
}
