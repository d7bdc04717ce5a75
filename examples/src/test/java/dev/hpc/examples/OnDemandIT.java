package dev.hpc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20: Open OnDemand's PBS Pro adapter, driven as the portal drives it ({@link OnDemandPbsPro}: the same
 * command lines, environment and parsing), against a real head and worker. Each step is what a user does in
 * the portal: submit a job from a template, watch it in Active Jobs, hold, release and delete it.
 */
class OnDemandIT {
    private static final String USER = System.getProperty("user.name", "");

    @TempDir
    Path work;

    @Test
    void theOnDemandPbsProAdapterSubmitsWatchesAndControlsJobs() throws Exception {
        try (RealCluster cluster = RealCluster.start(work.resolve("c"), 1, 2)) {
            Path workdir = Files.createDirectories(work.resolve("ood-workdir"));
            OnDemandPbsPro ood = new OnDemandPbsPro(cluster.server(), cluster.hpcHome(), Map.of(
                    "HPC_TOKEN_FILE", cluster.tokenFile().toString(),
                    "HPC_CONFIG", work.resolve("no-config-of-its-own").toString(),
                    "HPC_NO_SERVER", "1"));

            // a template submitted as the adapter's submit() builds its arguments: name, account, walltime,
            // environment, stdout and stderr joined because no error path is given
            Path started = workdir.resolve("started.txt");
            String running = ood.submitString("#!/bin/bash\necho \"$OOD_A\" > " + started + "\nsleep 120\n",
                    List.of("-N", "ood-sleep", "-A", "proj1", "-l", "walltime=00:10:00", "-v", "OOD_A=from-ood",
                            "-j", "oe", "-l", "select=1:ncpus=2"), workdir);
            assertTrue(running.matches("\\d+\\..+"), "qsub prints the job id alone: [" + running + "]");
            Poll.until("the portal sees the job running", Poll.TIMEOUT,
                    () -> ood.info(running).status().equals("running") && RealCluster.lines(started).size() == 1,
                    () -> ood.getJobs(running).toString());
            assertEquals(List.of("from-ood"), RealCluster.lines(started), "-v reached the job's environment");
            OnDemandPbsPro.Info info = ood.info(running);
            assertEquals(running, info.id());
            assertEquals(USER, info.jobOwner());
            assertNotNull(info.submitHost(), "Job_Owner is user@host");
            assertEquals("ood-sleep", info.jobName());
            assertEquals("proj1", info.accountingId());
            assertEquals("batch", info.queueName());
            assertEquals(600L, info.wallclockLimit());
            assertNotNull(info.wallclockTime(), "resources_used.walltime of a running job");
            assertEquals(1, info.allocatedNodes().size(), "exec_host names the node: " + info.nativeAttributes());
            assertTrue(info.allocatedNodes().get(0).startsWith("node"), info.allocatedNodes().toString());
            assertEquals(2, info.procs(), "the cores of exec_host (node/0*2): " + info.nativeAttributes());
            assertNotNull(info.submissionTime(), "ctime");
            assertNotNull(info.dispatchTime(), "stime");
            assertFalse(info.dispatchTime().isBefore(info.submissionTime().withNano(0)), "stime after ctime");

            // held at submission (-h), released, then deleted
            String held = ood.submitString("#!/bin/bash\ntrue\n", List.of("-h", "-N", "ood-held", "-j", "oe"), workdir);
            OnDemandPbsPro.Info waiting = ood.info(held);
            assertEquals("queued_held", waiting.status());
            assertEquals(List.of(Optional.empty()), waiting.allocatedNodes().stream().map(Optional::ofNullable).toList(),
                    "a job not running: one node (Resource_List.nodect), unnamed");
            assertEquals(1, waiting.procs(), "Resource_List.ncpus");
            ood.releaseJob(held);
            assertTrue(Set.of("queued", "running", "completed").contains(ood.info(held).status()),
                    ood.getJobs(held).toString());

            // a dependency and a start time, as the adapter writes them (-W depend=..., -a %C%y%m%d%H%M.%S)
            String after = ood.submitString("#!/bin/bash\ntrue\n", List.of("-N", "ood-after", "-W", "depend=afterok:"
                    + running, "-j", "oe"), workdir);
            String later = ood.submitString("#!/bin/bash\ntrue\n", List.of("-N", "ood-later", "-a", LocalDateTime.now()
                    .plusHours(1).format(DateTimeFormatter.ofPattern("yyyyMMddHHmm.ss")), "-j", "oe"), workdir);
            assertTrue(Set.of("queued", "queued_held").contains(ood.info(after).status()), ood.getJobs(after).toString());
            assertTrue(Set.of("queued", "queued_held").contains(ood.info(later).status()), ood.getJobs(later).toString());
            ood.holdJob(later);
            assertEquals("queued_held", ood.info(later).status());

            // an array: Active Jobs lists its tasks, not its parent
            String array = ood.submitString("#!/bin/bash\ntrue\n", List.of("-N", "ood-array", "-J", "0-2", "-j", "oe"),
                    workdir);
            String number = array.substring(0, array.indexOf('['));
            Poll.until("the array's tasks are listed", Poll.TIMEOUT, () -> ood.infoAll().stream()
                    .filter(i -> i.id().startsWith(number + "[")).count() == 3, () -> ood.infoAll().toString());
            assertTrue(ood.infoAll().stream().noneMatch(i -> i.id().contains("[]")), "the parent is dropped");

            // Active Jobs of one user: qselect -u USER, then qstat -f -t of each id
            Set<String> mine = Set.copyOf(ood.infoWhereOwner(USER).stream().map(OnDemandPbsPro.Info::id).toList());
            assertTrue(mine.containsAll(List.of(running, after, later)), mine.toString());
            assertTrue(ood.infoAll().stream().allMatch(i -> !i.status().equals("undetermined")),
                    "every state maps: " + ood.infoAll());

            // delete; a finished or unknown job reads as completed, and the adapter's errors say Unknown Job Id
            ood.deleteJob(running);
            Poll.until("the deleted job reads as completed", Poll.TIMEOUT,
                    () -> ood.info(running).status().equals("completed"), () -> ood.getJobs(running).toString());
            String unknown = "987654." + running.substring(running.indexOf('.') + 1);
            assertEquals("completed", ood.info(unknown).status());
            for (Runnable r : List.<Runnable>of(() -> ood.holdJob(unknown), () -> ood.releaseJob(unknown),
                    () -> ood.deleteJob(unknown))) {
                OnDemandPbsPro.Error e = assertThrows(OnDemandPbsPro.Error.class, r::run);
                assertTrue(e.getMessage().contains("Unknown Job Id"), e.getMessage());
            }
            ood.deleteJob(later);
        }
    }
}
