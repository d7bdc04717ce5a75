package dev.hpc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpc.cli.local.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, item 5, on real processes: a Slurm script with {@code --signal=USR1@4} and a Torque script with
 * {@code -l signal=USR1@4} get USR1 from their worker 4 s before their walltime ends; their trap writes a marker
 * and ends the script with 0, so neither is killed for its walltime. The active head is killed with SIGKILL while
 * both run: the worker keeps each attempt's deadline (the Torque job's signal is due 8 s after its start, as a
 * rule after the takeover). qstat -f shows the signal as {@code Resource_List.signal}; a bad value is refused by qsub.
 */
class SignalBeforeWalltimeIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path work;

    private static final String BODY = """
            trap 'echo trapped > "$MARKER"; exit 0' USR1
            echo started > "$MARKER.started"
            while :; do sleep 0.2; done
            """;

    @Test
    void aTrappedSignalLetsTheJobEndCleanlyBeforeItsWalltimeAcrossATakeover() throws Exception {
        preload();
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        StandbyCluster cluster = StandbyCluster.start(work.resolve("c"), 1, 2);
        try {
            StandbyCluster.Active active = cluster.awaitRoles("one head ACTIVE and the other STANDBY", WAIT);
            cluster.awaitWorkersUp(WAIT);
            Cli cli = cluster.cli();
            Path slurm = Files.writeString(submitDir.resolve("slurm.sbatch"), "#!/bin/bash\n#SBATCH -J slurm_signal\n"
                    + "#SBATCH -t 0:06\n#SBATCH --signal=USR1@4\nMARKER=slurm.marker\n" + BODY);
            Path torque = Files.writeString(submitDir.resolve("torque.pbs"), "#!/bin/bash\n#PBS -N torque_signal\n"
                    + "#PBS -l walltime=00:00:12\n#PBS -l signal=SIGUSR1@4\nMARKER=torque.marker\n" + BODY);
            Cli.Result bad = cli.qsubIn(submitDir, "-l", "signal=USR1@70000", torque.toString());
            assertEquals(1, bad.exitCode(), bad.describe());
            assertTrue(bad.err().contains("at most 65535 seconds") && bad.err().contains("[B:]SIGNAL[@SECONDS]"),
                    bad.describe());
            Cli.Result s = cli.qsubIn(submitDir, slurm.toString());
            assertEquals(0, s.exitCode(), s.describe());
            Cli.Result t = cli.qsubIn(submitDir, torque.toString());
            assertEquals(0, t.exitCode(), t.describe());
            String slurmId = s.line();
            String torqueId = t.line();
            Poll.until("both jobs started", WAIT, () -> Files.exists(submitDir.resolve("slurm.marker.started"))
                    && Files.exists(submitDir.resolve("torque.marker.started")));

            cluster.killAndAwaitTakeover(active, WAIT);

            Poll.until("both jobs finished", WAIT, () -> {
                Map<String, Map<String, String>> shown = QstatFull.parse(cli.run("qstat", "-f", "-x", slurmId,
                        torqueId).out());
                return shown.size() == 2 && shown.values().stream().allMatch(a -> "F".equals(a.get("job_state")));
            }, () -> cli.run("qstat", "-f", "-x", slurmId, torqueId).describe());
            Map<String, Map<String, String>> shown = QstatFull.parse(cli.run("qstat", "-f", "-1", "-x", slurmId,
                    torqueId).out());
            for (String id : List.of(slurmId, torqueId)) {
                Map<String, String> a = shown.get(id);
                assertEquals("0", a.get("exit_status"), "the trap ended the job, not the walltime kill (256+15): " + a);
                assertEquals("USR1@4", a.get("Resource_List.signal"), a.toString());
            }
            assertEquals("00:00:06", shown.get(slurmId).get("Resource_List.walltime"));
            assertEquals("trapped\n", Files.readString(submitDir.resolve("slurm.marker")));
            assertEquals("trapped\n", Files.readString(submitDir.resolve("torque.marker")));
        } finally {
            cluster.close();
        }
    }

    /** Loads the clean-up's classes now: a build running meanwhile may rewrite the class files. */
    private static void preload() throws ClassNotFoundException {
        for (Class<?> c : List.of(Procs.class, Procs.Proc.class, Poll.class, Cli.class, Cli.Result.class,
                RealCluster.class, ClusterFixture.class, ClusterFixture.Reaper.class, StandbyCluster.class,
                StandbyCluster.Active.class, LocalCluster.Stopped.class, LocalCluster.Outcome.class)) {
            Class.forName(c.getName(), true, c.getClassLoader());
        }
        Procs.all();
    }
}
