package dev.hpc.examples;

import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.Task;
import dev.hpc.api.json.JsonFields;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19 item 3: an advance reservation on a real cluster of two heads and two workers of two cores. A job
 * of its queue waits for the window and runs in it on the reserved node; an ordinary job that would still run
 * at the window's start keeps off the reserved cores; the reservation survives a SIGKILL of the active head; at
 * the window's end its job is killed and its queue goes; a reservation made later survives a restart of both
 * heads and numbers go on. Then (issue 19) a queue with a user list refuses another user's qsub and qmove, and
 * pbs_ralter moves a reservation's end but not for another user; a takeover keeps both.
 */
class ReservationIT {
    private static final Duration WAIT = Poll.TIMEOUT;
    /** Time for the steps before the window: four commands, each a JVM. */
    private static final Duration LEAD = Duration.ofSeconds(35);
    /** Long enough for a takeover inside the window: about 10 s of steps from its start, three times over. */
    private static final Duration WINDOW = Duration.ofSeconds(30);

    @TempDir
    Path work;

    @Test
    void aReservationHoldsItsCoresForItsJobsInItsWindowThroughATakeover() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        Path script = submitDir.resolve("job.sh");
        Files.writeString(script, "#!/bin/sh\nsleep 600\n");
        Path slurm = submitDir.resolve("slurm.sh");
        Files.writeString(slurm, "#!/bin/sh\n#SBATCH --reservation=demo\n#SBATCH -t 5\nsleep 600\n");
        StandbyCluster cluster = StandbyCluster.start(work.resolve("c"), 2, 2);
        System.out.println("ReservationIT: " + cluster);
        try {
            Cli cli = cluster.cli();
            StandbyCluster.Active first = cluster.awaitRoles("one head ACTIVE", WAIT);
            Instant start = Instant.now().plus(LEAD).truncatedTo(ChronoUnit.SECONDS);
            Cli.Result made = ok(cli.run("pbs_rsub", "-R", start.toString(), "-D", String.valueOf(WINDOW.toSeconds()),
                    "-l", "select=1:ncpus=2", "-N", "demo"));
            assertTrue(made.line().matches("R1\\.\\S+ CONFIRMED"), made.describe());
            String id = made.line().split(" ")[0];
            JsonFields r = cluster.client().reservations().list().get(0);
            String reserved = r.strings("nodes").get(0);
            Cli.Result refused = cli.run("pbs_rsub", "-R", start.toString(), "-D", "60", "-l", "select=2:ncpus=2");
            assertNotEquals(0, refused.exitCode(), refused.describe());
            assertTrue(refused.err().contains("cannot confirm the reservation"), refused.describe());
            Cli.Result stat = ok(cli.run("pbs_rstat"));
            assertTrue(stat.out().contains(id) && stat.out().contains(" CO "), stat.describe());
            assertTrue(ok(cli.run("qstat", "-Q")).out().contains("R1"), "the reservation's queue is listed");

            String inside = ok(cli.qsubIn(submitDir, "-q", "R1", "-l", "walltime=00:10:00", "-l", "nodes=1:ppn=2",
                    script.toString())).line();
            String other = ok(cli.qsubIn(submitDir, "-l", "walltime=00:10:00", "-l", "nodes=1:ppn=2",
                    script.toString())).line();
            String waits = ok(cli.qsubIn(submitDir, "-l", "walltime=00:10:00", "-l", "nodes=1:ppn=2",
                    script.toString())).line();
            Poll.until("the reservation's job waits for the window and job " + waits + " for the reserved cores", WAIT,
                    () -> comment(cluster, inside).startsWith("waiting for reservation R1")
                            && comment(cluster, waits).contains("reserved for reservation R1"), cluster::describe);
            assertTrue(Instant.now().isBefore(start), "observed before the window (LEAD too short for this machine)");
            Poll.until("the ordinary job runs", WAIT, () -> cluster.client().job(other).state() == JobState.RUNNING,
                    cluster::describe);
            assertNotEquals(reserved, node(cluster, other), "an ordinary job does not take the reserved node");

            Poll.until("the reservation's job starts in the window", WAIT.plus(LEAD),
                    () -> cluster.client().job(inside).state() == JobState.RUNNING, cluster::describe);
            Attempt run = attempt(cluster, inside);
            assertFalse(run.start().isBefore(start), "started " + run.start() + ", the window begins " + start);
            assertEquals(reserved, run.nodes().get(0).node());
            assertEquals(JobState.QUEUED, cluster.client().job(waits).state(), "the reserved cores stay reserved");
            String slurmJob = ok(cli.qsubIn(submitDir, slurm.toString())).line();
            assertEquals("R1", cluster.client().job(slurmJob).spec().queue(), "--reservation=demo names R1");

            StandbyCluster.Active second = cluster.killAndAwaitTakeover(first, Duration.ofSeconds(30));
            Cli.Result afterTakeover = ok(cli.run("pbs_rstat", "-f", id));
            assertTrue(afterTakeover.out().contains("reserve_state = RESV_RUNNING")
                    && afterTakeover.out().contains("resv_nodes = (" + reserved + ":ncpus=2)"),
                    afterTakeover.describe());
            assertTrue(Instant.now().isBefore(start.plus(WINDOW)), "the takeover came inside the window");

            Poll.until("the window ends and the reservation's jobs are deleted", WAIT.plus(WINDOW),
                    () -> cluster.client().job(inside).state().isTerminal()
                            && cluster.client().job(slurmJob).state().isTerminal(), cluster::describe);
            assertEquals(JobState.CANCELLED, cluster.client().job(inside).state());
            assertEquals(EndReason.CANCELLED, cluster.client().job(inside).reason());
            assertTrue(cluster.client().reservations().list().isEmpty(), "the reservation went");
            assertFalse(ok(cli.run("qstat", "-Q")).out().contains("R1"), "its queue went");
            Poll.until("job " + waits + " takes the freed cores", WAIT,
                    () -> cluster.client().job(waits).state() == JobState.RUNNING, cluster::describe);

            // a later reservation: kept by both heads' stores through a restart of both
            Instant later = Instant.now().plus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
            ok(cli.run("pbs_rsub", "-R", later.toString(), "-D", "3600", "-l", "select=2:ncpus=1"));
            cluster.restart(first.head());
            cluster.awaitRoles("the killed head is back as standby", WAIT);
            cluster.kill(second.head());
            cluster.kill(first.head());
            cluster.restart(second.head());
            cluster.restart(first.head());
            StandbyCluster.Active third = cluster.awaitRoles("one head ACTIVE after both restarted", WAIT);
            List<JsonFields> kept = cluster.client().reservations().list();
            assertEquals(1, kept.size(), kept.toString());
            assertEquals("R2", kept.get(0).string("queue"));
            Cli.Result next = ok(cli.run("pbs_rsub", "-R", later.plus(Duration.ofHours(2)).toString(), "-D", "60"));
            assertTrue(next.line().startsWith("R3."), "numbers are not given twice: " + next.describe());
            ok(cli.run("pbs_rdel", "R2"));
            assertEquals(List.of("R3"), cluster.client().reservations().list().stream().map(x -> x.string("queue")).toList());

            // an administrator's maintenance reservation of a whole node, made whatever runs there
            Cli.Result maintenance = ok(cli.run("pbs_rsub", "--hosts", "node1", "-R",
                    later.plus(Duration.ofHours(4)).toString(), "-D", "3600", "-N", "firmware"));
            assertTrue(maintenance.line().matches("R4\\.\\S+ CONFIRMED"), maintenance.describe());
            Cli.Result shown = ok(cli.run("pbs_rstat", "-f", "firmware"));
            assertTrue(shown.out().contains("maintenance = True") && shown.out().contains("resv_nodes = (node1:ncpus=2)"),
                    shown.describe());

            // a standing reservation: three daily windows, each confirmed now
            ok(cli.run("pbs_rsub", "-r", "FREQ=DAILY;COUNT=3", "-R", later.plus(Duration.ofHours(6)).toString(),
                    "-D", "600", "-N", "daily"));
            Cli.Result daily = ok(cli.run("pbs_rstat", "-f", "daily"));
            assertTrue(daily.out().contains("reserve_rrule = FREQ=DAILY;COUNT=3") && daily.out().contains(
                    "reserve_count = 3") && daily.out().contains("reserve_index = 1"), daily.describe());

            // issue 19: a queue kept to its user list, and pbs_ralter; both seen by the head that takes over
            Path carolToken = work.resolve("carol.token");
            dev.hpc.api.client.ApiToken.install(carolToken, cluster.client().createToken("carol", "user").token());
            Cli asCarol = new Cli(String.join(",", cluster.servers()), RealCluster.repositoryRoot(), cluster.config(),
                    carolToken);
            ok(cli.run("qmgr", "-c", "create queue high Priority = 100, acl_user_enable = true, acl_users = alice"));
            ok(cli.run("qmgr", "-c", "set queue high acl_users += bob"));
            Cli.Result outsider = asCarol.qsubIn(submitDir, "-q", "high", "-h", script.toString());
            assertNotEquals(0, outsider.exitCode(), outsider.describe());
            assertTrue(outsider.err().contains("ask an administrator to add you to acl_users of queue high"),
                    outsider.describe());
            String carols = ok(asCarol.qsubIn(submitDir, "-h", script.toString())).line();
            Instant end = Instant.parse(cluster.client().reservations().list().stream().filter(x -> x.string("queue")
                    .equals("R3")).findFirst().orElseThrow().string("start")).plus(Duration.ofMinutes(20));
            ok(cli.run("pbs_ralter", "-E", end.toString(), "R3"));
            Cli.Result notHers = asCarol.run("pbs_ralter", "-D", "60", "R3");
            assertNotEquals(0, notHers.exitCode(), notHers.describe());
            assertTrue(notHers.err().contains("only its owner or an administrator may change it"), notHers.describe());

            cluster.killAndAwaitTakeover(third, Duration.ofSeconds(30));
            Cli.Result queues = ok(cli.run("qstat", "-Qf"));
            assertTrue(queues.out().contains("Queue: high\n") && queues.out().contains("    acl_user_enable = True\n")
                    && queues.out().contains("    acl_users = alice,bob\n"), queues.describe());
            Cli.Result moved = asCarol.run("qmove", "high", carols);
            assertNotEquals(0, moved.exitCode(), moved.describe());
            assertTrue(moved.err().contains("acl_users of queue high"), moved.describe());
            assertEquals("batch", cluster.client().job(carols).spec().queue(), "the refused move left it");
            assertEquals(end.toString(), cluster.client().reservations().list().stream().filter(x -> x.string("queue")
                    .equals("R3")).findFirst().orElseThrow().string("end"), "the new window outlived the takeover");
        } catch (Exception | AssertionError e) {
            cluster.printLogs("the test failed: " + e);
            throw e;
        } finally {
            cluster.close();
        }
    }

    private static String comment(StandbyCluster cluster, String job) {
        return cluster.client().job(job).task(Task.NO_INDEX).map(Task::comment).orElse("");
    }

    private static Attempt attempt(StandbyCluster cluster, String job) {
        Task t = cluster.client().job(job).task(Task.NO_INDEX).orElseThrow();
        return t.attempts().get(t.attempts().size() - 1);
    }

    private static String node(StandbyCluster cluster, String job) {
        return attempt(cluster, job).nodes().get(0).node();
    }

    private static Cli.Result ok(Cli.Result r) {
        assertEquals(0, r.exitCode(), r.describe());
        return r;
    }
}
