package dev.hpc.cli.bench.chaos;

import dev.hpc.cli.UsageException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What one run of the fault suite does.
 *
 * @param hpcHome       the repository root: the daemons' jars and {@code bin/qsub}
 * @param dir           where the cluster, the marker files and the job outputs go
 * @param port          the first head's HTTP port (the second head, the arbiter and the head cluster take
 *                      P+1, P+2, P+100 and P+101); 0 picks free ones
 * @param workers       workers started
 * @param cores         cores each worker offers
 * @param jobs          jobs submitted (probes submitted while a takeover is measured come on top)
 * @param jobDuration   how long each job body sleeps between its start line and its end line
 * @param submitters    submissions in flight at once
 * @param qsubEvery     every K-th submission goes through {@code bin/qsub}; 0 sends all through the REST client
 * @param headKills     SIGKILLs of a head (about two of three the active one, the rest the standby)
 * @param workerKills   crashes of a worker (SIGKILL of the agent and of every process of its tasks)
 * @param freezes       SIGSTOPs of a head for {@code freezeFor}, then SIGCONT (the active one for half)
 * @param cuts          network cuts, spread over the kinds of {@link FaultKind#cuts()}; with any, the cluster's
 *                      links between daemons run through {@link Forwarder}s (clients still reach the heads
 *                      directly)
 * @param interval      the mean pause between one fault's recovery and the next fault
 * @param freezeFor     how long a frozen head stays frozen
 * @param cutFor        the mean time a cut lasts before it heals (each is drawn from half to one and a half)
 * @param restartAfter  how long a killed daemon stays dead before it is started again
 * @param seed          the seed of the fault schedule
 * @param stepTimeout   how long to wait for the cluster to recover from a fault
 * @param drainTimeout  how long to wait, after the last submission and fault, for every job to end
 * @param daemonJvmArgs extra JVM options of every daemon
 */
public record ChaosSettings(Path hpcHome, Path dir, int port, int workers, int cores, int jobs, Duration jobDuration,
                            int submitters, int qsubEvery, int headKills, int workerKills, int freezes, int cuts,
                            Duration interval, Duration freezeFor, Duration cutFor, Duration restartAfter, long seed,
                            Duration stepTimeout, Duration drainTimeout, List<String> daemonJvmArgs) {
    /** The forwarders of the cuts listen from the base port plus this on (see {@link ChaosNetwork}). */
    public static final int LINK_PORT_OFFSET = 200;

    public ChaosSettings {
        daemonJvmArgs = List.copyOf(daemonJvmArgs);
        int top = cuts > 0 ? LINK_PORT_OFFSET + ChaosNetwork.links(workers) - 1 : 101;
        if (port != 0 && (port < 1024 || port + top > 65535)) {
            throw new UsageException("--port must be from 1024 to " + (65535 - top) + " (the heads use P to P+2 and "
                    + "P+100, P+101" + (cuts > 0 ? ", the links of the cuts P+" + LINK_PORT_OFFSET + " to P+" + top
                    : "") + "), got " + port);
        }
        if (workers < 1 || cores < 1 || jobs < 1 || submitters < 1) {
            throw new UsageException("--workers, --cores, --jobs and --submitters must be at least 1");
        }
        if (qsubEvery < 0 || headKills < 0 || workerKills < 0 || freezes < 0 || cuts < 0) {
            throw new UsageException("--qsub-every, --head-kills, --worker-kills, --freezes and --cuts must not be "
                    + "negative");
        }
        for (Duration d : List.of(jobDuration, interval, freezeFor, cutFor, restartAfter)) {
            if (d.isNegative()) {
                throw new UsageException("--duration, --interval, --freeze-for, --cut-for and --restart-after must "
                        + "not be negative");
            }
        }
        if (stepTimeout.compareTo(Duration.ofSeconds(1)) < 0 || drainTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new UsageException("--timeout and --drain-timeout must be at least 1 s");
        }
    }

    /** Without cuts. */
    public ChaosSettings(Path hpcHome, Path dir, int port, int workers, int cores, int jobs, Duration jobDuration,
                         int submitters, int qsubEvery, int headKills, int workerKills, int freezes,
                         Duration interval, Duration freezeFor, Duration restartAfter, long seed,
                         Duration stepTimeout, Duration drainTimeout, List<String> daemonJvmArgs) {
        this(hpcHome, dir, port, workers, cores, jobs, jobDuration, submitters, qsubEvery, headKills, workerKills,
                freezes, 0, interval, freezeFor, Duration.ZERO, restartAfter, seed, stepTimeout, drainTimeout,
                daemonJvmArgs);
    }

    public int faults() {
        return headKills + workerKills + freezes + cuts;
    }

    public ChaosSettings withDir(Path d) {
        return new ChaosSettings(hpcHome, d, port, workers, cores, jobs, jobDuration, submitters, qsubEvery,
                headKills, workerKills, freezes, cuts, interval, freezeFor, cutFor, restartAfter, seed, stepTimeout,
                drainTimeout, daemonJvmArgs);
    }
}
