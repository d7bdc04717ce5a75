package dev.hpc.examples;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.job.Job;
import dev.hpc.cli.local.LocalSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A real cluster of one head and N workers for a test, on a free port; how it starts and that
 * {@link #close()} leaves nothing behind is {@link ClusterFixture}'s.
 */
final class RealCluster extends ClusterFixture {
    static final String HEAD = "head1";
    private static final Duration READY = Duration.ofSeconds(60);

    private final HeadClient client;
    private final Cli cli;

    private RealCluster(Parts parts) {
        super(parts);
        this.client = new HeadClient(List.of(server()), local().adminToken(),
                HeadTransport.Settings.defaults().withMaxWait(Duration.ZERO).withRequestTimeout(Duration.ofSeconds(10)));
        this.cli = new Cli(server(), hpcHome(), config(), local().adminTokenFile());
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
    static RealCluster start(Path dir, int workers, int coresPerWorker, UnaryOperator<LocalSpec> custom) {
        return start(dir, "it", workers, coresPerWorker, RealCluster::freePort, READY, custom, RealCluster::new);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port: " + e.getMessage(), e);
        }
    }

    // ---- what tests use

    /** {@code 127.0.0.1:PORT} of the head. */
    String server() {
        return "127.0.0.1:" + port();
    }

    /** The base URL of the REST API. */
    String apiUrl() {
        return "http://" + server() + "/api/v1";
    }

    /** The commands against this cluster. */
    Cli cli() {
        return cli;
    }

    /** The commands as the user whose token is in {@code tokenFile}. */
    Cli cliWithToken(Path tokenFile) {
        return new Cli(server(), hpcHome(), config(), tokenFile);
    }

    @Override
    HeadClient client() {
        return client;
    }

    /** A REST client, as {@link #client()}, for the user of the token. */
    HeadClient clientFor(String token) {
        return new HeadClient(List.of(server()), dev.hpc.api.client.ApiToken.of(token), client.settings());
    }

    /** The job as the head has it now. */
    Job job(String id) {
        return client().job(id);
    }

    /** How many jobs the head holds, by the counts of {@code GET /api/v1/cluster}. */
    long jobCount() {
        Object jobs = client().cluster().get("jobs");
        if (!(jobs instanceof Map<?, ?> counts)) {
            throw new AssertionError("GET /api/v1/cluster has no jobs counts: " + client().cluster());
        }
        long total = 0;
        for (Object n : counts.values()) {
            total += ((Number) n).longValue();
        }
        return total;
    }

    /** SIGKILL to the head: a crash. */
    void killHead() {
        local().kill(HEAD);
    }

    /** Starts the head again with its recorded command, after {@link #killHead()}. */
    void restartHead() {
        local().startDaemon(HEAD);
    }

    boolean headAlive() {
        return local().isAlive(HEAD);
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
        return "cluster " + name() + " at " + server() + " in " + local().dir() + " (" + info().daemons().size()
                + " daemons)";
    }
}
