package dev.hpc.examples;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 16: a running MPI job survives a takeover, as single-node jobs already do. Real Open MPI ranks on two
 * workers, started through the workers (hpc-rsh, no ssh), linger after their ring while the active head is
 * killed; their MPI daemons' launch agents follow them through the new active head, the ranks meet in a barrier
 * after the takeover, and the job completes once, with every rank's greeting. Before, the agents lost their
 * head, MPI gave up the job, and its spawn tokens meant nothing to the new head.
 */
class MpiFailoverIT {
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(180);

    @TempDir
    Path dir;

    private static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void anOpenMpiJobRunningThroughATakeoverCompletesOnceWithEveryRank() throws Exception {
        assumeTrue(onPath("mpicc") && onPath("mpirun"), "mpicc or mpirun is not installed (Debian: apt-get install "
                + "openmpi-bin libopenmpi-dev); the MPI tests need them");
        Path work = Files.createDirectories(dir.resolve("work"));
        Path examples = RealCluster.repositoryRoot().resolve("examples").resolve("mpi");
        for (String f : List.of("hello.c", "hello.pbs")) {
            Files.copy(examples.resolve(f), work.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        try (StandbyCluster cluster = StandbyCluster.start(dir.resolve("c"), 2, 2)) {
            String program = "hello-" + cluster.marker();
            Process cc = new ProcessBuilder("mpicc", "-O2", "-o", work.resolve(program).toString(),
                    work.resolve("hello.c").toString()).redirectErrorStream(true).start();
            String ccLog = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(cc.waitFor(120, TimeUnit.SECONDS) && cc.exitValue() == 0, "mpicc: " + ccLog);

            StandbyCluster.Active active = cluster.awaitRoles("one head ACTIVE", Poll.TIMEOUT);
            Cli.Result r = cluster.cli().qsubIn(work, "-l", "nodes=2:ppn=2", "-v", "PROGRAM=" + program + ",LINGER=20",
                    work.resolve("hello.pbs").toString());
            assertEquals(0, r.exitCode(), r.describe());
            String id = r.line();
            Poll.until("four ranks of job " + id + " run", JOB_TIMEOUT, () -> ranks(cluster.marker()) >= 4,
                    cluster::describe);

            cluster.killAndAwaitTakeover(active, Duration.ofSeconds(60));

            Job job = Poll.value("job " + id + " ends", JOB_TIMEOUT, () -> {
                Job j = cluster.client().job(id);
                return j.state().isTerminal() ? Optional.of(j) : Optional.empty();
            }, cluster::describe);
            Path out = work.resolve("mpi-hello.o" + job.id().number());
            List<String> lines = Files.exists(out) ? Files.readAllLines(out, StandardCharsets.UTF_8) : List.of();
            assertEquals(JobState.COMPLETED, job.state(), "job " + id + " through the takeover: " + job + "\n"
                    + String.join("\n", lines));
            assertEquals(0, job.exitStatus());
            assertEquals(1, job.tasks().get(0).attempts().size(), "one attempt: the job was not run again");
            List<String> hellos = new ArrayList<>();
            for (String l : lines) {
                if (l.startsWith("hello from rank ")) {
                    hellos.add(l);
                }
            }
            assertEquals(4, hellos.size(), String.join("\n", lines));
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("ring of 4 ranks") && l.endsWith(": ok")),
                    String.join("\n", lines));
            assertTrue(lines.stream().anyMatch(l -> l.contains("following it through the active head")),
                    "the launch agents lost the killed head and followed their daemons through the new one:\n"
                            + String.join("\n", lines));
        }
    }

    /** The live ranks of the compiled program (its name carries the cluster's marker). */
    private static long ranks(String marker) {
        return ProcessHandle.allProcesses().filter(h -> h.info().command().orElse("").endsWith("-" + marker))
                .filter(ProcessHandle::isAlive).count();
    }
}
