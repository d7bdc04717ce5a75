package dev.hpc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, item 5, on real processes: a Slurm script with {@code --signal=USR1@4} and a Torque script with
 * {@code -l signal=USR1@4}, each with a walltime of 6 s, get USR1 from their worker 4 s before the walltime ends;
 * their trap writes a marker and ends the script with 0, so neither is killed for its walltime. qstat -f shows
 * the signal as {@code Resource_List.signal}.
 */
class SignalBeforeWalltimeIT {

    @TempDir
    Path work;

    private static final String BODY = """
            trap 'echo trapped > "$MARKER"; exit 0' USR1
            echo started
            while :; do sleep 0.2; done
            """;

    @Test
    void aTrappedSignalLetsTheJobEndCleanlyBeforeItsWalltime() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        try (RealCluster cluster = RealCluster.start(work.resolve("c"), 1, 2)) {
            Cli cli = cluster.cli();
            Path slurm = Files.writeString(submitDir.resolve("slurm.sbatch"), "#!/bin/bash\n#SBATCH -J slurm_signal\n"
                    + "#SBATCH -t 0:06\n#SBATCH --signal=USR1@4\nMARKER=slurm.marker\n" + BODY);
            Path torque = Files.writeString(submitDir.resolve("torque.pbs"), "#!/bin/bash\n#PBS -N torque_signal\n"
                    + "#PBS -l walltime=00:00:06\n#PBS -l signal=SIGUSR1@4\nMARKER=torque.marker\n" + BODY);
            Cli.Result s = cli.qsubIn(submitDir, slurm.toString());
            assertEquals(0, s.exitCode(), s.describe());
            Cli.Result t = cli.qsubIn(submitDir, torque.toString());
            assertEquals(0, t.exitCode(), t.describe());
            Cli.Result bad = cli.qsubIn(submitDir, "-l", "signal=USR1@70000", torque.toString());
            assertEquals(1, bad.exitCode(), bad.describe());
            assertTrue(bad.err().contains("at most 65535 seconds") && bad.err().contains("[B:]SIGNAL[@SECONDS]"),
                    bad.describe());
            String slurmId = s.line();
            String torqueId = t.line();

            Poll.until("both jobs finished", Poll.TIMEOUT, () -> {
                Map<String, Map<String, String>> shown = QstatFull.parse(cli.run("qstat", "-f", "-x", slurmId,
                        torqueId).out());
                return shown.size() == 2 && shown.values().stream().allMatch(a -> "F".equals(a.get("job_state")));
            }, () -> cli.run("qstat", "-f", "-x", slurmId, torqueId).describe());
            Map<String, Map<String, String>> shown = QstatFull.parse(cli.run("qstat", "-f", "-1", "-x", slurmId,
                    torqueId).out());

            for (String id : new String[] {slurmId, torqueId}) {
                Map<String, String> a = shown.get(id);
                assertEquals("0", a.get("exit_status"), "the trap ended the job, not the walltime kill (256+15): " + a);
                assertEquals("USR1@4", a.get("Resource_List.signal"), a.toString());
                assertEquals("00:00:06", a.get("Resource_List.walltime"), a.toString());
            }
            assertEquals("trapped\n", Files.readString(submitDir.resolve("slurm.marker")));
            assertEquals("trapped\n", Files.readString(submitDir.resolve("torque.marker")));
        }
    }
}
