package dev.hpc.cli.local;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.ApiToken;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The end of a {@link LocalCluster}'s start: waiting until its API answers and its workers are up, or failing
 * with the end of the log of a daemon that died on the way.
 */
final class StartupWait {
    private static final Duration POLL = Duration.ofMillis(100);

    private final LocalClusterInfo info;
    private final ApiToken adminToken;
    private final DaemonProcesses processes;

    StartupWait(LocalClusterInfo info, ApiToken adminToken, DaemonProcesses processes) {
        this.info = info;
        this.adminToken = adminToken;
        this.processes = processes;
    }

    /** Polls the API until it answers and {@code workers} of our workers are not DOWN. */
    void await(int workers, Duration timeout) {
        HeadClient client = new HeadClient(info.heads(), adminToken,
                HeadTransport.Settings.defaults().withMaxWait(Duration.ZERO).withRequestTimeout(Duration.ofSeconds(5)));
        Set<String> ours = new HashSet<>();
        info.daemons(Daemon.Role.WORKER).forEach(d -> ours.add(d.name()));
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (true) {
            for (Daemon d : info.daemons()) {
                if (!processes.isAlive(d)) {
                    throw new HpcException(d.name() + " exited while the cluster was starting"
                            + processes.exitStatus(d).map(status -> " with status " + status).orElse("")
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
                        + last + "); see the logs in " + info.dir());
            }
            DaemonProcesses.pause(POLL);
        }
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
}
