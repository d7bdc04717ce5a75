package dev.hpc.worker.sim;

import dev.hpc.api.HpcException;
import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.NodeTraits;
import dev.hpc.api.wire.ClusterSecret;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code hpc worker --simulate N}: plays N nodes in one process against real heads, for scale
 * measurements. Prints a line of counts every 10 seconds.
 */
@Command(name = "hpc-worker-simulator", mixinStandardHelpOptions = true,
        description = "Simulate many worker nodes in one process (tasks are timers, not processes).")
public final class SimulatorMain implements Callable<Integer> {
    @Option(names = "--nodes", required = true, description = "how many nodes to simulate")
    int nodes;
    @Option(names = "--heads", required = true, split = ",", description = "head addresses host:port")
    List<String> heads;
    @Option(names = "--cores", defaultValue = "16", description = "cores per simulated node (default 16)")
    int cores;
    @Option(names = "--memory-gb", defaultValue = "64", description = "memory per simulated node in GiB (default 64)")
    int memoryGb;
    @Option(names = "--prefix", defaultValue = "sim", description = "node names are PREFIX1..PREFIXN (default sim)")
    String prefix;
    @Option(names = "--task-seconds", defaultValue = "1",
            description = "mean run time of a task without walltime, in seconds (default 1)")
    double taskSeconds;
    @Option(names = "--heartbeat-ms", defaultValue = "1000", description = "heartbeat interval (default 1000)")
    int heartbeatMs;
    @Option(names = "--ramp-per-second", defaultValue = "2000",
            description = "how many nodes connect per second at start (default 2000)")
    int rampPerSecond;

    @Option(names = "--properties", description = "node properties of every simulated node, e.g. ib,bigmem")
    List<String> properties = new ArrayList<>();
    @Option(names = "--resource", description = "a host resource of every simulated node, e.g. gpu_model=v100 "
            + "(repeatable)")
    List<String> resources = new ArrayList<>();

    @Option(names = "--cluster-secret-file", description = "the cluster's secret, proved on every link "
            + "(default: none, for heads started with --insecure-no-secret)")
    Path clusterSecretFile;

    public static void main(String[] args) {
        int code = new CommandLine(new SimulatorMain()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() {
        if (nodes < 1 || cores < 1 || memoryGb < 1 || taskSeconds <= 0 || heartbeatMs < 100 || rampPerSecond < 1) {
            System.err.println("hpc-worker-simulator: --nodes, --cores, --memory-gb, --ramp-per-second must be "
                    + "positive, --task-seconds > 0, --heartbeat-ms >= 100");
            return 2;
        }
        Optional<ClusterSecret> secret;
        try {
            secret = Optional.ofNullable(clusterSecretFile).map(ClusterSecret::read);
        } catch (HpcException e) {
            System.err.println("hpc-worker-simulator: " + e.getMessage());
            return 2;
        }
        NodeTraits traits;
        try {
            traits = NodeTraits.parse(String.join(",", properties), resources, "--properties",
                    "--resource");
        } catch (InvalidRequestException e) {
            System.err.println("hpc-worker-simulator: " + e.getMessage());
            return 2;
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxConnections(nodes * heads.size() + 16).setMaxMessageSize(64 * 1024 * 1024));
        SimulatorSettings settings = new SimulatorSettings(Duration.ofMillis(heartbeatMs),
                Duration.ofMillis((long) (taskSeconds * 1000)), traits);
        SimulatorStats stats = new SimulatorStats();
        long memory = (long) memoryGb << 30;
        long pause = Math.max(1, 1000L * 100 / rampPerSecond);
        int[] next = {1};
        vertx.setPeriodic(1, pause, id -> {
            for (int k = 0; k < 100 && next[0] <= nodes; k++, next[0]++) {
                int i = next[0];
                new SimulatedNode(vertx, client, prefix + i, cores, memory, heads, settings, i, stats, secret).start();
            }
            if (next[0] > nodes) {
                vertx.cancelTimer(id);
                System.out.println("all " + nodes + " simulated nodes started");
            }
        });
        vertx.setPeriodic(10_000, id -> System.out.println("simulated tasks started " + stats.startedCount()
                + ", finished " + stats.finishedCount()));
        System.out.println("simulating " + nodes + " nodes of " + cores + " cores against " + heads);
        return 0;
    }
}
