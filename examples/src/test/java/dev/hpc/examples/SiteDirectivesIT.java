package dev.hpc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, end to end on real processes: a Torque-style and a Slurm-style script, each with
 * directives this cluster used to refuse, are accepted unchanged by qsub, run, and leave what their
 * directives ask for: {@code -F} arguments reach the script, Slurm's {@code %x}/{@code %j} name the
 * output file, and {@code qstat -f} shows what is recorded under the Torque/OpenPBS names.
 */
class SiteDirectivesIT {

    @TempDir
    Path work;

    @Test
    void torqueAndSlurmScriptsRunUnchanged() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        try (RealCluster cluster = RealCluster.start(work.resolve("c"), 1, 2)) {
            Cli cli = cluster.cli();
            Path torque = Files.writeString(submitDir.resolve("torque.pbs"), """
                    #!/bin/bash
                    #PBS -N torque_style
                    #PBS -l procs=2,walltime=10:00:60,vmem=1g,cput=1:00:00
                    #PBS -P climate
                    #PBS -W umask=022
                    #PBS -k oe
                    echo "args=$#:$1:$2"
                    """);
            Path slurm = Files.writeString(submitDir.resolve("slurm.sbatch"), """
                    #!/bin/bash
                    #SBATCH -J slurm_style
                    #SBATCH -t 0-0:5
                    #SBATCH -o logs-%x-%j.out
                    #SBATCH --qos=debug
                    #SBATCH --constraint=skylake
                    echo "ran as $SLURM_JOB_NAME$PBS_JOBNAME"
                    """);
            Cli.Result t = cli.qsubIn(submitDir, "-F", "first 'second word'", torque.toString());
            assertEquals(0, t.exitCode(), t.describe());
            Cli.Result s = cli.qsubIn(submitDir, slurm.toString());
            assertEquals(0, s.exitCode(), s.describe());
            String torqueId = t.line();
            String slurmId = s.line();

            Poll.until("both jobs complete", Poll.TIMEOUT, () -> {
                Map<String, Map<String, String>> shown = QstatFull.parse(cli.run("qstat", "-f", "-x", torqueId,
                        slurmId).out());
                // with -x a finished job shows OpenPBS's F
                return shown.size() == 2 && shown.values().stream().allMatch(a -> "F".equals(a.get("job_state")));
            }, () -> cli.run("qstat", "-f", "-x", torqueId, slurmId).describe());
            Map<String, Map<String, String>> shown = QstatFull.parse(cli.run("qstat", "-f", "-1", "-x", torqueId,
                    slurmId).out());

            Map<String, String> a = shown.get(torqueId);
            assertEquals("0", a.get("exit_status"), a.toString());
            String number = torqueId.substring(0, torqueId.indexOf('.'));
            assertEquals("args=2:first:second word\n",
                    Files.readString(submitDir.resolve("torque_style.o" + number)));
            assertEquals("10:01:00", a.get("Resource_List.walltime"), a.toString());
            assertEquals("1:ppn=2", a.get("Resource_List.nodes"), a.toString());
            assertEquals("2", a.get("Resource_List.procs"), a.toString());
            assertEquals("1gb", a.get("Resource_List.vmem"), a.toString());
            assertEquals("01:00:00", a.get("Resource_List.cput"), a.toString());
            assertEquals("climate", a.get("project"), a.toString());
            assertEquals("022", a.get("umask"), a.toString());
            assertEquals("first 'second word'", a.get("job_arguments"), a.toString());

            Map<String, String> b = shown.get(slurmId);
            assertEquals("0", b.get("exit_status"), b.toString());
            String slurmNumber = slurmId.substring(0, slurmId.indexOf('.'));
            Path log = submitDir.resolve("logs-slurm_style-" + slurmNumber + ".out");
            assertTrue(Files.readString(log).startsWith("ran as slurm_style"), Files.readString(log));
            assertTrue(b.get("Output_Path").endsWith(":" + log), b.toString());
            assertEquals("00:05:00", b.get("Resource_List.walltime"), b.toString());
            assertEquals("debug", b.get("sbatch.qos"), b.toString());
            assertEquals("skylake", b.get("sbatch.constraint"), b.toString());
            assertEquals("logs-%x-%j.out", b.get("sbatch.output"), b.toString());
        }
    }
}
