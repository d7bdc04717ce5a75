package dev.hpc.cli.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link LocalCluster#start} starts.
 *
 * @param hpcHome        the repository root: the daemons' jars are
 *                       {@code head-node/target/hpc-head.jar} and {@code worker-agent/target/hpc-worker.jar}
 * @param configFile     the client config to point at the new cluster ({@code server=}); empty leaves
 *                       every config alone (tests)
 * @param cluster        the cluster's name, the suffix of its job ids
 * @param port           the HTTP port of the first head; head {@code k} listens on {@code port + k - 1}
 * @param heads          how many heads (1 for {@code hpc local up}; more for failover tests, whose
 *                       heads then need {@code headArgs} naming their peers)
 * @param workers        how many workers
 * @param coresPerWorker the cores each worker offers
 * @param readyTimeout   how long to wait for the API to answer and every worker to be up
 * @param jvmArgs        extra JVM options of every daemon
 * @param headArgs       extra arguments of every head; {@code {name}}, {@code {port}}, {@code {index}}
 *                       (1-based) and {@code {heads}} (every head's address, comma-separated) are replaced
 *                       ({@code {peerPort}} and {@code {peers}} are the same for the head cluster's
 *                       ports, which are the HTTP ports plus {@link LocalCluster#PEER_PORT_OFFSET};
 *                       {@code {peers}} goes through {@code routes}, and {@code {peerAddress}} is the
 *                       address the head is published at in the head cluster)
 * @param workerArgs     extra arguments of every worker, with {@code {name}}, {@code {index}} and
 *                       {@code {heads}} replaced
 * @param routes         the address each daemon is given for another: the direct one, or a forwarder's in
 *                       between that a fault suite can cut ({@code hpc bench chaos}); see {@link Routes}
 */
public record LocalSpec(Path hpcHome, Optional<Path> configFile, String cluster, int port, int heads, int workers,
                        int coresPerWorker, Duration readyTimeout, List<String> jvmArgs, List<String> headArgs,
                        List<String> workerArgs, Routes routes) {
    /** Which port of a daemon a route leads to. */
    public enum Port {
        /** The HTTP port: a head's API, lease voter and worker link, or the arbiter's voter. */
        API,
        /** A head's port in the head cluster ({@code {peerPort}}). */
        PEER
    }

    /**
     * The address daemon {@code from} is given to reach {@code port} of daemon {@code to}, whose own address is
     * {@code direct}. Used for a head's voters ({@code --voters}: the other heads and the arbiter), a worker's
     * heads ({@code --heads}), and the head cluster ({@code {peers}}, and {@code {peerAddress}}, the address a
     * head is published at, asked with {@code from} empty: one address for every other head). A head always
     * reaches itself directly.
     */
    @FunctionalInterface
    public interface Routes {
        /** Every daemon reaches every other at its own address. */
        Routes DIRECT = (from, to, port, direct) -> direct;

        String address(String from, String to, Port port, String direct);
    }

    public static final int DEFAULT_PORT = 8640;
    public static final String DEFAULT_CLUSTER = "local";

    public LocalSpec {
        jvmArgs = List.copyOf(jvmArgs);
        headArgs = List.copyOf(headArgs);
        workerArgs = List.copyOf(workerArgs);
        Objects.requireNonNull(routes, "routes");
        if (port < 1 || port + heads - 1 > 65535) {
            throw new IllegalArgumentException("port must be from 1 to 65535, got " + port);
        }
        if (heads < 1 || workers < 0 || coresPerWorker < 1) {
            throw new IllegalArgumentException("need at least one head, no negative worker count and at least "
                    + "one core per worker; got heads=" + heads + " workers=" + workers + " cores="
                    + coresPerWorker);
        }
        if (!cluster.matches("[A-Za-z0-9][A-Za-z0-9.-]*")) {
            throw new IllegalArgumentException("cluster name '" + cluster + "' must be letters, digits, '.' and "
                    + "'-', starting with a letter or digit");
        }
    }

    /** One head on 8640, two workers of max(2, processors) cores, cluster "local", 60 s to get ready. */
    public static LocalSpec defaults(Path hpcHome) {
        return new LocalSpec(hpcHome, Optional.empty(), DEFAULT_CLUSTER, DEFAULT_PORT, 1, 2,
                Math.max(2, Runtime.getRuntime().availableProcessors()), Duration.ofSeconds(60), List.of(),
                List.of(), List.of(), Routes.DIRECT);
    }

    public LocalSpec withConfigFile(Path p) {
        return new LocalSpec(hpcHome, Optional.of(p), cluster, port, heads, workers, coresPerWorker, readyTimeout,
                jvmArgs, headArgs, workerArgs, routes);
    }

    public LocalSpec withCluster(String c) {
        return new LocalSpec(hpcHome, configFile, c, port, heads, workers, coresPerWorker, readyTimeout, jvmArgs,
                headArgs, workerArgs, routes);
    }

    public LocalSpec withPort(int p) {
        return new LocalSpec(hpcHome, configFile, cluster, p, heads, workers, coresPerWorker, readyTimeout, jvmArgs,
                headArgs, workerArgs, routes);
    }

    public LocalSpec withHeads(int h) {
        return new LocalSpec(hpcHome, configFile, cluster, port, h, workers, coresPerWorker, readyTimeout, jvmArgs,
                headArgs, workerArgs, routes);
    }

    public LocalSpec withWorkers(int w) {
        return new LocalSpec(hpcHome, configFile, cluster, port, heads, w, coresPerWorker, readyTimeout, jvmArgs,
                headArgs, workerArgs, routes);
    }

    public LocalSpec withCoresPerWorker(int c) {
        return new LocalSpec(hpcHome, configFile, cluster, port, heads, workers, c, readyTimeout, jvmArgs, headArgs,
                workerArgs, routes);
    }

    public LocalSpec withReadyTimeout(Duration d) {
        return new LocalSpec(hpcHome, configFile, cluster, port, heads, workers, coresPerWorker, d, jvmArgs,
                headArgs, workerArgs, routes);
    }

    public LocalSpec withJvmArgs(List<String> a) {
        return new LocalSpec(hpcHome, configFile, cluster, port, heads, workers, coresPerWorker, readyTimeout, a,
                headArgs, workerArgs, routes);
    }

    public LocalSpec withHeadArgs(List<String> a) {
        return new LocalSpec(hpcHome, configFile, cluster, port, heads, workers, coresPerWorker, readyTimeout,
                jvmArgs, a, workerArgs, routes);
    }

    public LocalSpec withWorkerArgs(List<String> a) {
        return new LocalSpec(hpcHome, configFile, cluster, port, heads, workers, coresPerWorker, readyTimeout,
                jvmArgs, headArgs, a, routes);
    }

    public LocalSpec withRoutes(Routes r) {
        return new LocalSpec(hpcHome, configFile, cluster, port, heads, workers, coresPerWorker, readyTimeout,
                jvmArgs, headArgs, workerArgs, r);
    }

    public Path headJar() {
        return hpcHome.resolve("head-node").resolve("target").resolve("hpc-head.jar");
    }

    public Path workerJar() {
        return hpcHome.resolve("worker-agent").resolve("target").resolve("hpc-worker.jar");
    }
}
