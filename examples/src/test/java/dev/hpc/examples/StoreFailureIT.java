package dev.hpc.examples;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.client.JobQuery;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.pbs.SubmitRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, a failing store: the active head's disk fills up under it (each head's data directory is a small
 * tmpfs of its own, which the test fills with a file). The head's next commit fails; it must not go on from
 * state it cannot keep: it stops (status 70) without acknowledging, the standby takes over from what was
 * replicated, and the client's resends (with their idempotency keys) are answered there, once. Every job
 * acknowledged before, during and after is there and runs once. With the disk freed, the stopped head comes
 * back as the standby.
 *
 * <p>Mounting needs root (as the worker tests that run jobs as other users do); elsewhere the test is skipped
 * and says why.
 */
class StoreFailureIT {
    private static final Duration WAIT = Poll.TIMEOUT;
    @TempDir
    Path work;
    private final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void unmount() throws Exception {
        for (Path m : mounts) {
            run("umount", "-l", m.toString());
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().transferTo(OutputStream.nullOutputStream());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /** Mounts a tmpfs of {@code megabytes} on {@code dir}; skips the test where this process may not mount. */
    private void smallDisk(Path dir, int megabytes) throws Exception {
        Files.createDirectories(dir);
        int status = run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m,mode=0700", "tmpfs", dir.toString());
        Assumptions.assumeTrue(status == 0, "cannot mount a tmpfs here (needs root and mount rights): the full "
                + "disk cannot be made");
        mounts.add(dir);
    }

    /** Writes zeros into {@code file} until the file system is full. */
    private static void fill(Path file) {
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            // No space left on device: what the test wants
        }
    }

    /**
     * A job that appends a line to its own file in {@code marks} each time its script runs: how often it ran is
     * what the file holds, not how many attempts the head recorded (an attempt whose start was replicated but
     * whose launch never left the failing head is recorded, and requeued, without having run).
     */
    private static SubmitRequest job(String name, Path marks) {
        return new SubmitRequest("echo ran >> '" + marks.resolve(name) + "'\n", List.of("-N", name), "", "h",
                "/tmp", Map.of());
    }

    @Test
    void aHeadWhoseDiskFillsUpStopsAndTheStandbyTakesOverWithEveryAcknowledgedJob() throws Exception {
        Path clusterDir = work.resolve("c").resolve("cluster");
        smallDisk(clusterDir.resolve(StandbyCluster.HEAD1), 96);
        smallDisk(clusterDir.resolve(StandbyCluster.HEAD2), 96);
        try (StandbyCluster cluster = StandbyCluster.start(work.resolve("c"), 1, 2)) {
            StandbyCluster.Active first = cluster.awaitRoles("one head ACTIVE and its standby in step", WAIT);
            HeadClient client = cluster.client();
            HeadClient patient = new HeadClient(List.of(cluster.server(first.head()), cluster.server(first.other())),
                    cluster.local().adminToken(), HeadTransport.Settings.defaults().withMaxWait(Duration.ofSeconds(60)));
            List<Job> acknowledged = new ArrayList<>();
            Path marks = Files.createDirectories(work.resolve("marks"));
            for (int i = 0; i < 5; i++) {
                acknowledged.add(patient.submit(job("before" + i, marks)));
            }

            fill(clusterDir.resolve(first.head()).resolve("filler"));
            for (int i = 0; i < 10; i++) {
                acknowledged.add(patient.submit(job("full" + i, marks)));
            }
            Poll.until(first.head() + " stops by itself", WAIT, () -> !cluster.alive(first.head()), cluster::describe);
            assertEquals(Optional.of(70), cluster.local().exitStatus(first.head()),
                    "a head whose commit failed ends with the fail-stop status");
            StandbyCluster.Active second = cluster.awaitTakeover(first, WAIT);
            assertTrue(second.epoch() > first.epoch());

            Files.delete(clusterDir.resolve(first.head()).resolve("filler"));
            cluster.restart(first.head());
            cluster.awaitRoles("the stopped head is back as the standby", WAIT);
            for (Job j : acknowledged) {
                Poll.until("job " + j.id() + " completes", WAIT,
                        () -> client.job(j.id().toString()).state() == JobState.COMPLETED, cluster::describe);
                Job now = client.job(j.id().toString());
                assertEquals(j.spec().name(), now.spec().name());
                assertEquals(List.of("ran"), Files.readAllLines(marks.resolve(j.spec().name())),
                        "job " + j.id() + " ran once: " + now);
            }
            JobQuery all = new JobQuery(List.of(), "", "", true, 0, "");
            long named = client.jobs(all).jobs().stream().filter(j -> j.spec().name().startsWith("full")).count();
            assertEquals(10, named, "each submission made one job, resends included");
        }
    }
}
