package dev.hpc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, item 6, on real processes: a job of queue low fills the only core; a Slurm script with
 * {@code --qos=high} goes to queue high, which qmgr made preempt low. The low job gets SIGTERM (its trap writes a
 * marker and goes on), SIGKILL after the queue's grace, and is requeued, not failed; the high job runs and completes; then the low job runs again and
 * completes. qstat -f says who preempted whom, in the attributes and in the victim's comment while it waits.
 */
class PreemptionIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path work;

    @Test
    void aHigherQueueTakesTheCoreAndTheVictimIsRequeuedAndRunsAgain() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        // the first run notes SIGTERM and goes on, so that only SIGKILL after the grace ends it; the second run,
        // seeing that the first ran, ends at once
        Path low = Files.writeString(submitDir.resolve("low.pbs"), """
                #!/bin/bash
                #PBS -N low
                #PBS -q low
                cd "$PBS_O_WORKDIR"
                if [ -e low.ran ]; then echo again >> low.marker; exit 0; fi
                touch low.ran
                trap 'echo term >> low.marker' TERM
                while :; do sleep 0.2; done
                """);
        // it waits for the test's go-ahead, so that the victim is seen waiting in the queue meanwhile
        Path high = Files.writeString(submitDir.resolve("high.sbatch"), """
                #!/bin/bash
                #SBATCH -J high
                #SBATCH --qos=high
                while [ ! -e go ]; do sleep 0.2; done
                echo done > high.marker
                """);
        try (RealCluster cluster = RealCluster.start(work.resolve("c"), 1, 1)) {
            Cli cli = cluster.cli();
            ok(cli.run("qmgr", "-c", "create queue low preempt_grace = 2"));
            ok(cli.run("qmgr", "-c", "create queue high Priority = 100, preempt_targets = low"));
            Cli.Result listed = ok(cli.run("qmgr", "-c", "list queue high"));
            assertTrue(listed.out().contains("preempt_targets = low"), listed.describe());

            String lowId = ok(cli.qsubIn(submitDir, low.toString())).line();
            Poll.until("the low job runs", WAIT, () -> Files.exists(submitDir.resolve("low.ran")),
                    () -> cli.run("qstat", "-f", lowId).describe());
            String highId = ok(cli.qsubIn(submitDir, high.toString())).line();
            assertEquals("high", cluster.job(highId).spec().queue(), "--qos=high names queue high");

            Poll.until("the low job is preempted and waits again", WAIT, () -> {
                Map<String, String> a = attributes(cli, lowId);
                return "Q".equals(a.get("job_state"))
                        && a.getOrDefault("comment", "").startsWith("preempted by " + highId + " (queue high), "
                        + "requeued");
            }, () -> cli.run("qstat", "-f", lowId, highId).describe());
            assertEquals("term\n", Files.readString(submitDir.resolve("low.marker")), "SIGTERM came first");
            // its trap does not exit: only the SIGKILL after the grace can have ended the first run
            Poll.until("the high job runs", WAIT, () -> "R".equals(attributes(cli, highId).get("job_state")),
                    () -> cli.run("qstat", "-f", highId).describe());

            Files.writeString(submitDir.resolve("go"), "");
            Poll.until("both jobs finished", WAIT, () -> "F".equals(attributes(cli, highId).get("job_state"))
                    && "F".equals(attributes(cli, lowId).get("job_state")),
                    () -> cli.run("qstat", "-f", "-x", lowId, highId).describe());
            Map<String, String> victim = attributes(cli, lowId);
            Map<String, String> preemptor = attributes(cli, highId);
            assertEquals("0", victim.get("exit_status"), victim.toString());
            assertEquals("2", victim.get("run_count"), "one preempted attempt, one complete: " + victim);
            assertEquals(highId, victim.get("preempted_by"), victim.toString());
            assertTrue(victim.getOrDefault("exec_host_history", "").contains("preempted, requeued"), victim.toString());
            assertEquals(lowId, preemptor.get("preempted"), preemptor.toString());
            assertEquals("0", preemptor.get("exit_status"), preemptor.toString());
            assertEquals("term\nagain\n", Files.readString(submitDir.resolve("low.marker")));
            assertEquals("done\n", Files.readString(submitDir.resolve("high.marker")));
        }
    }

    private static Map<String, String> attributes(Cli cli, String id) {
        return QstatFull.parse(cli.run("qstat", "-f", "-1", "-x", id).out()).getOrDefault(id, Map.of());
    }

    private static Cli.Result ok(Cli.Result r) {
        assertEquals(0, r.exitCode(), r.describe());
        return r;
    }
}
