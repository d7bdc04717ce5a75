package dev.hpc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19: on a worker that declares two GPUs, two jobs that ask for one GPU each run at the same time and
 * each sees its own (CUDA_VISIBLE_DEVICES), and a job that asks for none sees none. The worker's GPUs are 1 and 3
 * (`--gpus 1,3`, as on a node whose GPUs 0 and 2 are kept for something else): the jobs see those ids, not
 * the positions the head counts them by.
 */
class GpuBindingIT {
    @TempDir
    Path work;

    @Test
    void eachJobSeesTheGpusItWasGiven() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        Path both = submitDir.resolve("running.txt");
        try (RealCluster cluster = RealCluster.start(work.resolve("c"), 1, 4,
                spec -> spec.withWorkerArgs(List.of("--gpus", "1,3")))) {
            Cli cli = cluster.cli();
            // each waits until both run, so that the two held their GPUs at the same time
            Path gpuJob = Files.writeString(submitDir.resolve("gpu.pbs"), "#!/bin/bash\n#PBS -l select=1:ncpus=1:ngpus=1\n"
                    + "echo \"$CUDA_VISIBLE_DEVICES\" > " + submitDir + "/gpu-$PBS_JOBID.txt\necho x >> " + both + "\n"
                    + "for i in $(seq 600); do [ $(wc -l < " + both + ") -ge 2 ] && exit 0; sleep 0.1; done\nexit 1\n");
            Path cpuJob = Files.writeString(submitDir.resolve("cpu.pbs"), "#!/bin/bash\n"
                    + "echo \"[${CUDA_VISIBLE_DEVICES-unset}]\" > " + submitDir + "/cpu.txt\n");
            String a = ok(cli.qsubIn(submitDir, gpuJob.toString()));
            String b = ok(cli.qsubIn(submitDir, gpuJob.toString()));
            String c = ok(cli.qsubIn(submitDir, cpuJob.toString()));
            Poll.until("the three jobs end", Poll.TIMEOUT, () -> List.of(a, b, c).stream()
                    .allMatch(id -> cluster.client().job(id).state().isTerminal()), () -> cli.run("qstat").out());
            for (String id : List.of(a, b)) {
                assertEquals(0, cluster.client().job(id).exitStatus(), id + " saw the other one run beside it");
            }
            Set<String> seen = new TreeSet<>();
            for (String id : List.of(a, b)) {
                seen.add(Files.readString(submitDir.resolve("gpu-" + id + ".txt")).strip());
            }
            assertEquals(Set.of("1", "3"), seen, "one GPU each, not the same one, not both, by the node's ids");
            assertEquals("[]", Files.readString(submitDir.resolve("cpu.txt")).strip(), "no GPU asked, none seen");
        }
    }

    private static String ok(Cli.Result r) {
        assertEquals(0, r.exitCode(), r.describe());
        return r.line();
    }
}
