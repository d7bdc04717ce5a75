package dev.hpc.worker;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code hpc-worker}: starts the worker agent. It prints {@code worker NAME ready, heads ...} on
 * standard output once it runs; SIGTERM (or SIGINT) kills the running tasks' process trees and
 * stops it. A SIGKILL leaves the tasks running as orphans, as a crashed node would.
 */
@Command(name = "hpc-worker", mixinStandardHelpOptions = true, version = "hpc-worker 0.1.0",
        description = "The worker agent of the hpc batch scheduler: links to every head, runs the tasks they launch.",
        sortOptions = false)
public final class WorkerMain implements Callable<Integer> {
    /** Time beyond the kill grace for a stop to finish before the JVM gives up waiting. */
    private static final Duration STOP_MARGIN = Duration.ofSeconds(10);
    private static final DateTimeFormatter STAMP = LogLine.STAMP;

    @Option(names = "--name", paramLabel = "NODE", description = "Node name to register under (default: the short host name).")
    private String name;

    @Option(names = "--heads", required = true, split = ",", paramLabel = "HOST:PORT",
            description = "Every head, comma-separated: host:port[,host:port].")
    private List<String> heads;

    @Option(names = "--cores", paramLabel = "N", description = "Cores offered to tasks (default: the processors of this machine).")
    private Integer cores;

    @Option(names = "--memory", paramLabel = "SIZE", description = "Memory offered to tasks: 4gb, 512mb or bytes (default: all of it).")
    private String memory;

    @Option(names = "--generic", paramLabel = "NAME=N[,...]",
            description = "Generic resources offered to tasks, which ask for them with -l (e.g. gpu=2; a size such "
                    + "as scratch=100gb counts bytes).")
    private String generic;

    @Option(names = "--gpus", paramLabel = "ID[,ID...]|none",
            description = "The GPUs offered to tasks, by the ids CUDA_VISIBLE_DEVICES takes (0,1,2,3, or 1,3, or "
                    + "UUIDs); each task sees only its own. Default: those that nvidia-smi -L lists, when it is "
                    + "installed; none to offer none.")
    private String gpus;

    @Option(names = "--container-runtime", paramLabel = "auto|none|podman|apptainer|PATH",
            description = "What runs the scripts of jobs that name an image (-l container=IMAGE): auto (the default) "
                    + "takes the first of podman, apptainer and singularity on PATH; none runs no such job here. The "
                    + "node then has the property podman or apptainer.")
    private String containerRuntime;

    @Option(names = "--properties", paramLabel = "NAME[,NAME...]",
            description = "Node properties (Slurm: features) that jobs may ask for, e.g. ib,bigmem: "
                    + "-l nodes=1:ppn=4:bigmem, -l feature=ib, #SBATCH --constraint=ib&bigmem.")
    private List<String> properties = new ArrayList<>();

    @Option(names = "--resource", paramLabel = "NAME=VALUE",
            description = "A string-valued host resource that jobs may ask for, e.g. gpu_model=v100: "
                    + "-l select=1:ncpus=8:gpu_model=v100 (repeatable).")
    private List<String> resources = new ArrayList<>();

    @Option(names = "--spool-dir", paramLabel = "DIR", description = "Where attempts keep their script and TMPDIR (default: ~/.hpc/spool/NODE).")
    private Path spoolDir;

    @Option(names = "--kill-grace", paramLabel = "DURATION",
            description = "Time between SIGTERM and SIGKILL when a task is killed: 5s, 500ms (default: 5s).")
    private String killGrace;

    @Option(names = "--health-check", paramLabel = "SCRIPT",
            description = "A node-health-check script: exit 0 passes; otherwise the node goes offline with the "
                    + "script's first line of output as the reason, until a run passes again.")
    private Path healthCheck;

    @Option(names = "--health-interval", paramLabel = "DURATION",
            description = "How often the health check runs (default: 30s).")
    private String healthInterval;

    @Option(names = "--health-timeout", paramLabel = "DURATION",
            description = "How long one run may take before it counts as failed (default: 10s).")
    private String healthTimeout;

    @Option(names = "--cluster-secret-file", paramLabel = "FILE",
            description = "The key the heads must prove before this worker obeys them: the same private file "
                    + "(chmod 600, at least 32 bytes) as the heads'.")
    private Path clusterSecretFile;

    @Option(names = "--insecure-no-secret",
            description = "Start without a cluster secret and obey any program that answers at a head's address.")
    private boolean insecureNoSecret;

    @Option(names = "--tls", description = "Link to the heads over TLS (wss://), trusting the JVM's certificates.")
    private boolean tls;

    @Option(names = "--tls-ca", paramLabel = "PEM",
            description = "Link to the heads over TLS, trusting the certificates in this PEM file (implies --tls).")
    private Path tlsCa;

    @Option(names = "--allow-root-jobs",
            description = "Run jobs owned by root. A worker running as root refuses them otherwise; every other "
                    + "job runs as its owner. For personal clusters that run as root (hpc local up does this).")
    private boolean allowRootJobs;

    public static void main(String[] args) {
        configureLogging();
        chooseLaunchMechanism(System.getProperties(), Runtime.version().feature());
        int code = new CommandLine(new WorkerMain()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
        // on success the Vert.x threads keep the JVM alive until a signal runs the shutdown hook
    }

    @Override
    public Integer call() {
        WorkerConfig config;
        try {
            config = config();
        } catch (WorkerConfigException e) {
            System.err.println("hpc-worker: " + e.getMessage());
            return 2;
        }
        Vertx vertx = Vertx.vertx();
        try {
            vertx.deployVerticle(new WorkerVerticle(config).onShutdown(WorkerMain::exitAsked)).await();
        } catch (RuntimeException e) {
            System.err.println("hpc-worker: cannot start: " + e.getMessage());
            vertx.close().await();
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(vertx, config), "hpc-worker-stop"));
        System.out.println("worker " + config.nodeName() + " ready, heads "
                + config.heads().stream().map(HeadAddress::toString).collect(Collectors.joining(","))
                + config.containerRuntime().map(r -> "; container jobs run with " + r.executable()).orElse(""));
        System.out.flush();
        return 0;
    }

    /** A --generic list that already declares GPUs by count, so nvidia-smi is not asked. */
    private static final Pattern DECLARES_GPU = Pattern.compile(
            "(^|,)\\s*n?gpus?\\s*=", Pattern.CASE_INSENSITIVE);

    WorkerConfig config() {
        WorkerConfig.Builder b = WorkerConfig.builder().heads(heads).allowRootJobs(allowRootJobs);
        if (clusterSecretFile == null && !insecureNoSecret) {
            throw new WorkerConfigException("no cluster secret: give --cluster-secret-file FILE (the same private file "
                    + "as the heads'), or --insecure-no-secret to obey any program that answers at a head's address");
        }
        if (clusterSecretFile != null) {
            b.clusterSecretFile(clusterSecretFile);
        }
        if (tlsCa != null) {
            b.tlsCa(tlsCa);
        } else if (tls) {
            b.tls();
        }
        if (name != null) {
            b.nodeName(name);
        }
        if (cores != null) {
            b.cores(cores);
        }
        if (memory != null) {
            b.memory(memory);
        }
        if (spoolDir != null) {
            b.spoolDir(spoolDir);
        }
        if (generic != null) {
            b.generic(generic);
        }
        if (gpus != null) {
            b.gpus(gpus);
        } else if (generic == null || !DECLARES_GPU.matcher(generic).find()) {
            GpuDevices.detect(System.getenv("PATH")).ifPresent(found -> {
                System.out.println("worker: nvidia-smi lists " + found.ids().size() + " GPUs (" + String.join(", ",
                        found.names()) + "); offering them (--gpus none offers none; --resource gpu_model=NAME "
                        + "lets jobs ask for their kind)");
                b.gpus(String.join(",", found.ids()));
            });
        }
        b.containerRuntime(containerRuntime == null ? "auto" : containerRuntime);
        properties.forEach(b::properties);
        resources.forEach(b::resource);
        if (killGrace != null) {
            b.killGrace(killGrace);
        }
        if (healthCheck != null) {
            b.healthCheck(healthCheck);
        }
        if (healthInterval != null) {
            b.healthInterval(healthInterval);
        }
        if (healthTimeout != null) {
            b.healthTimeout(healthTimeout);
        }
        return b.build();
    }

    /** The head told this worker to stop: exit 0 from another thread; the shutdown hook stops the agent. */
    private static void exitAsked() {
        Thread t = new Thread(() -> System.exit(0), "hpc-worker-exit");
        t.setDaemon(false);
        t.start();
    }

    private static void stop(Vertx vertx, WorkerConfig config) {
        // java.util.logging shuts itself down in a shutdown hook of its own: write to stderr directly
        stderr("worker " + config.nodeName() + " stopping: killing its tasks");
        long limit = config.killGrace().plus(STOP_MARGIN).toMillis();
        try {
            // closing Vert.x undeploys the worker, whose stop kills the tasks; chaining on the undeploy
            // future instead would wait for a callback on an event loop that the close has ended
            vertx.close().toCompletionStage().toCompletableFuture().get(limit, TimeUnit.MILLISECONDS);
            stderr("worker " + config.nodeName() + " stopped");
        } catch (Exception e) {
            stderr("worker " + config.nodeName() + " did not stop cleanly: " + e);
        }
    }

    private static void stderr(String line) {
        System.err.println(LocalDateTime.now().format(STAMP) + " INFO [" + WorkerMain.class.getName() + "] " + line);
        System.err.flush();
    }

    static final String LAUNCH_MECHANISM = "jdk.lang.Process.launchMechanism";

    /**
     * Tasks start by vfork on JDK 17 to 19 unless the user chose otherwise. The JDK's default there,
     * posix_spawn, runs its {@code jspawnhelper} between the worker and the task: one more program to
     * load per task, about a quarter of the CPU that starting a task costs on the benchmark machine
     * ({@code docs/performance.md}), and the task starts the same way (with the signal mask of the
     * worker's thread, as under posix_spawn on those JDKs). From JDK 20 on, posix_spawn clears that mask
     * and vfork does not (JDK-8234262), and JDK 25 deprecates vfork: there the default stays.
     */
    static void chooseLaunchMechanism(Properties properties, int jdkFeature) {
        if (properties.getProperty(LAUNCH_MECHANISM) == null && jdkFeature < 20
                && "Linux".equals(properties.getProperty("os.name"))) {
            properties.setProperty(LAUNCH_MECHANISM, "VFORK");
        }
    }

    /** One line per record with a timestamp ({@link LogLine}), unless the user configured logging. */
    private static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") == null
                && System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            for (Handler h : Logger.getLogger("").getHandlers()) {
                h.setFormatter(new LogLine());
            }
        }
    }
}
