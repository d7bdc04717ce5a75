package dev.hpc.examples;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.client.JobQuery;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.pbs.SubmitRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3, the hot standby head, on real processes: two heads (the second a standby) and two workers
 * of two cores started from the built jars, and heads killed with SIGKILL. Each test has a cluster
 * of its own, always stopped afterwards; a failed wait prints what both heads say and their logs.
 *
 * <ul>
 *   <li>500 submissions through {@link HeadClient} while the active head is killed at a random
 *       moment: every acknowledged job runs exactly once, none is lost, and the submissions during
 *       the takeover wait a little and are accepted (DESIGN.md invariants 1 and 4);</li>
 *   <li>a job running when the active head is killed keeps its process and completes (invariant 3);</li>
 *   <li>the killed head, started again, rejoins as standby with the new epoch, and takes the role back
 *       when the new active head is killed in turn, with nothing lost (invariants 1 and 2);</li>
 *   <li>a restarted standby does not lead from half a copy of the maps when the active head is lost before
 *       every partition has moved to it: it waits for that head, which leads again with every job;</li>
 *   <li>both heads killed and started again: the queued jobs run and the history is intact
 *       (invariant 1).</li>
 * </ul>
 *
 * <p>The moment of the kill in the first test comes from a seeded random: the seed is printed, and
 * {@code -Dfailover.seed=N} repeats a run.
 */
class FailoverIT {
    private static final Duration WAIT = Poll.TIMEOUT;
    private static final Duration TAKEOVER = Duration.ofSeconds(30);
    private static final String USER = System.getProperty("user.name", "");

    @TempDir
    Path work;

    /** Runs {@code body} on a new cluster; prints the heads' logs if it fails; always stops the cluster. */
    private void withCluster(ClusterTest body) throws Exception {
        StandbyCluster cluster = StandbyCluster.start(work.resolve("c"), 2, 2);
        System.out.println("FailoverIT: " + cluster);
        try {
            body.run(cluster);
        } catch (Exception | AssertionError e) {
            cluster.printLogs("the test failed: " + e);
            throw e;
        } finally {
            cluster.close();
        }
    }

    private interface ClusterTest {
        void run(StandbyCluster cluster) throws Exception;
    }

    // ------------------------------------------------------------------ 500 submissions through a kill

    @Test
    void everyAcknowledgedSubmissionRunsExactlyOnceWhenTheActiveHeadIsKilledDuringTheSubmissions() throws Exception {
        long seed = Long.getLong("failover.seed", System.nanoTime());
        Random random = new Random(seed);
        int total = 500;
        int killAfter = 50 + random.nextInt(total - 150);
        long jitterNanos = random.nextInt(20_000_000);
        System.out.println("FailoverIT 500 submissions: seed " + seed + " (repeat with -Dfailover.seed=" + seed
                + "): the active head is killed " + jitterNanos / 1000 + " us after at least " + killAfter
                + " submissions are acknowledged");
        Path markers = Files.createDirectories(work.resolve("markers"));
        Path submitDir = Files.createDirectories(work.resolve("submit"));

        withCluster(cluster -> {
            StandbyCluster.Active first = cluster.awaitRoles("one head ACTIVE", WAIT);
            HeadClient submitter = cluster.client(HeadTransport.Settings.defaults().withMaxWait(Duration.ofSeconds(60)));
            ConcurrentMap<Integer, String> acknowledged = new ConcurrentHashMap<>();
            ConcurrentMap<Integer, String> failed = new ConcurrentHashMap<>();
            long[] started = new long[total];
            long[] took = new long[total];
            AtomicInteger acks = new AtomicInteger();
            Thread thread = new Thread(() -> {
                for (int i = 0; i < total; i++) {
                    SubmitRequest r = new SubmitRequest("#!/bin/sh\necho \"$PBS_JOBID\" >> " + markers.resolve(i
                            + ".txt") + "\n", List.of("-N", "fo" + i, "-j", "oe"), USER, "localhost",
                            submitDir.toString(), Map.of());
                    started[i] = System.nanoTime();
                    try {
                        acknowledged.put(i, submitter.submit(r).id().toString());
                        acks.incrementAndGet();
                    } catch (HpcException e) {
                        failed.put(i, e.getMessage());
                    } finally {
                        took[i] = System.nanoTime() - started[i];
                    }
                }
            }, "submitter");
            thread.start();
            try {
                Poll.until(killAfter + " submissions are acknowledged", WAIT,
                        () -> acks.get() >= killAfter || !thread.isAlive(), () -> acks.get() + " acknowledged, "
                                + failed.size() + " failed: " + failed);
                LockSupport.parkNanos(jitterNanos);
                long killedAt = System.nanoTime();
                int ackedBeforeKill = acks.get();
                cluster.kill(first.head());
                StandbyCluster.Active second = cluster.awaitTakeover(first, TAKEOVER);
                System.out.println("FailoverIT 500 submissions: killed " + first.head() + " after " + ackedBeforeKill
                        + " acknowledgements; " + second.head() + " active with epoch " + second.epoch() + " "
                        + (System.nanoTime() - killedAt) / 1_000_000 + " ms after the kill");
                thread.join(Duration.ofSeconds(180).toMillis());
                assertTrue(!thread.isAlive(), "the submitter has not finished within 180 s: " + acks.get()
                        + " acknowledged");

                // what the submitter saw: how long the submissions around the takeover waited
                long slow = 0;
                long longest = 0;
                int longestAt = -1;
                int firstAfterKill = -1;
                for (int i = 0; i < total; i++) {
                    if (took[i] > 1_000_000_000L) {
                        slow++;
                    }
                    if (took[i] > longest) {
                        longest = took[i];
                        longestAt = i;
                    }
                    if (firstAfterKill < 0 && started[i] >= killedAt && acknowledged.containsKey(i)) {
                        firstAfterKill = i;
                    }
                }
                System.out.println("FailoverIT 500 submissions: " + acknowledged.size() + " acknowledged, "
                        + failed.size() + " failed " + failed + "; " + slow + " took more than 1 s; the longest, #"
                        + longestAt + ", took " + longest / 1_000_000 + " ms");
                assertEquals(total, acknowledged.size() + failed.size());
                assertTrue(failed.size() <= 1, "only the submission in flight when the head died may fail (its "
                        + "client cannot tell whether it arrived); failed: " + failed);
                assertTrue(firstAfterKill >= 0, "no submission started after the kill was acknowledged");
                assertTrue(longest < Duration.ofSeconds(20).toNanos(), "a submission waited "
                        + longest / 1_000_000 + " ms");
                Set<String> distinct = new HashSet<>(acknowledged.values());
                assertEquals(acknowledged.size(), distinct.size(), "two submissions got the same job id: "
                        + acknowledged);

                // every acknowledged job ran exactly once; no job (acknowledged or not) ran twice
                Poll.until("every acknowledged job has written its marker", Duration.ofSeconds(180),
                        () -> acknowledged.keySet().stream().allMatch(i -> Files.exists(markers.resolve(i + ".txt"))),
                        () -> acknowledged.keySet().stream().filter(i -> !Files.exists(markers.resolve(i + ".txt")))
                                .count() + " markers missing, e.g. " + acknowledged.entrySet().stream()
                                .filter(e -> !Files.exists(markers.resolve(e.getKey() + ".txt"))).limit(5)
                                .map(e -> e.getValue() + " " + jobState(cluster, e.getValue())).toList() + "; "
                                + cluster.describe());
                Map<String, Job> jobs = Poll.value("every acknowledged job is COMPLETED", WAIT, () -> {
                    Map<String, Job> byId = byId(cluster.client().allJobs(JobQuery.all()));
                    return acknowledged.values().stream().allMatch(id -> byId.containsKey(id)
                            && byId.get(id).state().isTerminal()) ? Optional.of(byId) : Optional.empty();
                });
                List<String> problems = new ArrayList<>();
                for (int i = 0; i < total; i++) {
                    List<String> lines = RealCluster.lines(markers.resolve(i + ".txt"));
                    String id = acknowledged.get(i);
                    if (id == null) {
                        if (lines.size() > 1) {
                            problems.add("submission " + i + " (not acknowledged) ran " + lines.size() + " times: "
                                    + lines);
                        } else if (lines.size() == 1) {
                            System.out.println("FailoverIT 500 submissions: submission " + i + " was not "
                                    + "acknowledged but accepted as " + lines.get(0) + " (allowed)");
                        }
                        continue;
                    }
                    Job j = jobs.get(id);
                    if (!lines.equals(List.of(id))) {
                        problems.add(id + " wrote " + lines + " instead of its id once");
                    }
                    if (j.state() != JobState.COMPLETED || j.exitStatus() != 0) {
                        problems.add(id + " is " + j.state() + " with exit status " + j.exitStatus());
                    }
                    if (j.tasks().get(0).attempts().size() != 1) {
                        // allowed: an attempt the killed head recorded but never got to the worker is
                        // requeued by the new head; the marker above shows the script ran once
                        System.out.println("FailoverIT 500 submissions: " + id + " has " + j.tasks().get(0).attempts()
                                .size() + " attempts (ran once: " + lines + "); the logs say:\n"
                                + cluster.logLinesWith("(" + id + ")") + cluster.logLinesWith(" " + id + ":"));
                    }
                }
                assertTrue(problems.isEmpty(), problems.size() + " problems: " + problems);
                Set<String> inHistory = new HashSet<>(RealCluster.ids(cluster.client().allJobs(
                        JobQuery.all().withHistory(true))));
                List<String> missing = acknowledged.values().stream().filter(id -> !inHistory.contains(id)).sorted()
                        .toList();
                assertTrue(missing.isEmpty(), "acknowledged jobs missing from the history: " + missing);
            } finally {
                thread.interrupt();
                thread.join(10_000);
            }
        });
    }

    // ------------------------------------------------------------------ a running job survives

    @Test
    void aJobRunningWhenTheActiveHeadIsKilledKeepsItsProcessAndCompletes() throws Exception {
        Path pidFile = work.resolve("pid.txt");
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        withCluster(cluster -> {
            StandbyCluster.Active first = cluster.awaitRoles("one head ACTIVE", WAIT);
            HeadClient client = cluster.client();
            String id = client.submit(new SubmitRequest("#!/bin/sh\necho $$ >> " + pidFile + "\nsleep 20\n",
                    List.of("-N", "survivor"), USER, "localhost", submitDir.toString(), Map.of())).id().toString();
            Poll.until(id + " runs and has written its pid", WAIT, () -> client.job(id).state() == JobState.RUNNING
                    && RealCluster.lines(pidFile).size() == 1, cluster::describe);
            long pid = Long.parseLong(RealCluster.lines(pidFile).get(0).strip());
            assertTrue(Procs.alive(pid), "the job's shell " + pid + " is not alive");

            StandbyCluster.Active second = cluster.killAndAwaitTakeover(first, TAKEOVER);
            cluster.awaitWorkersUp(WAIT);
            Job during = client.job(id);
            assertEquals(JobState.RUNNING, during.state(), id + " on " + second.head() + " after the takeover");
            assertEquals(1, during.tasks().get(0).attempts().size(), "attempts of " + id + ": " + during.tasks());
            assertTrue(Procs.alive(pid), "the job's shell " + pid + " died with the head");

            Job done = Poll.value(id + " ends", WAIT, () -> Optional.of(client.job(id))
                    .filter(j -> j.state().isTerminal()), cluster::describe);
            assertEquals(JobState.COMPLETED, done.state());
            assertEquals(0, done.exitStatus());
            assertEquals(1, done.tasks().get(0).attempts().size(), "attempts of " + id + ": " + done.tasks());
            assertEquals(List.of(String.valueOf(pid)), RealCluster.lines(pidFile),
                    "the job's script ran more than once");
            Cli.Result full = cluster.cli().run("qstat", "-f", id);
            assertEquals(0, full.exitCode(), full.describe());
            Map<String, String> attributes = QstatFull.parse(full.out()).values().stream().findFirst()
                    .orElseThrow(() -> new AssertionError("no job in " + full.describe()));
            assertEquals("F", attributes.get("job_state"), full.describe());
            assertEquals("0", attributes.get("exit_status"), full.describe());
        });
    }

    /**
     * A batch of 1,000 needs more job numbers than the voters reserve ahead of a head (100): it waits for the
     * reservation it asks for, and a resend of it to the head that took over makes no second jobs.
     */
    @Test
    void aBatchResentThroughATakeoverGetsTheSameJobs() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("batch"));
        withCluster(cluster -> {
            StandbyCluster.Active first = cluster.awaitRoles("one head ACTIVE", WAIT);
            HeadClient client = cluster.client();
            SubmitRequest held = new SubmitRequest("#!/bin/sh\ntrue\n", List.of("-h"), USER, "localhost",
                    submitDir.toString(), Map.of());
            List<SubmitRequest> batch = Collections.nCopies(1000, held);
            List<String> ids = client.submitAll(batch, "batch-through-a-takeover");
            assertEquals(1000, new HashSet<>(ids).size(), "distinct ids");

            StandbyCluster.Active second = cluster.killAndAwaitTakeover(first, TAKEOVER);
            List<String> again = client.submitAll(batch, "batch-through-a-takeover");
            assertEquals(ids, again, "the batch resent to " + second.head() + " made new jobs");
            long heldJobs = client.allJobs(JobQuery.all()).stream().filter(j -> j.state() == JobState.HELD).count();
            assertEquals(1000, heldJobs, "held jobs after the resend");
        });
    }

    // ------------------------------------------------------------------ the old head comes back

    @Test
    void theKilledHeadRejoinsAsStandbyAndTakesTheRoleBackWithNothingLost() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        withCluster(cluster -> {
            HeadClient client = cluster.client();
            StandbyCluster.Active first = cluster.awaitRoles("one head ACTIVE", WAIT);
            List<String> finished = submitTrue(client, submitDir, "before", 3);
            awaitAll(cluster, finished, JobState.COMPLETED);

            StandbyCluster.Active second = cluster.killAndAwaitTakeover(first, TAKEOVER);
            long restartedAt = System.nanoTime();
            cluster.restart(first.head());
            // the head's own status says STANDBY as soon as it listens; its line in the head registry
            // says so once it has joined as standby, and then carries the epoch of the active head
            Poll.until("both heads list " + first.head() + " as STANDBY and " + second.head() + " as ACTIVE with epoch "
                    + second.epoch(), WAIT, () -> StandbyCluster.HEADS.stream().allMatch(seenBy -> {
                        Map<String, String> roles = cluster.rolesSeenBy(seenBy);
                        return ("STANDBY/" + second.epoch()).equals(roles.get(first.head()))
                                && ("ACTIVE/" + second.epoch()).equals(roles.get(second.head()));
                    }), cluster::describe);
            System.out.println("FailoverIT rejoin: " + first.head() + " STANDBY " + (System.nanoTime() - restartedAt)
                    / 1_000_000 + " ms after its restart");
            assertEquals("STANDBY", cluster.ownRole(first.head()));
            assertEquals(second, cluster.awaitRoles("the roles are settled", WAIT),
                    "the restarted head must not take the role back by itself");

            // jobs submitted while the restarted head is standby: finished, running and queued ones
            finished.addAll(submitTrue(client, submitDir, "during", 3));
            awaitAll(cluster, finished, JobState.COMPLETED);
            Map<String, Path> sleepers = startSleepers(cluster, submitDir, 8);
            List<String> queued = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                queued.add(submit(client, submitDir, "true", "queued" + i));
            }
            for (String id : queued) {
                assertEquals(JobState.QUEUED, client.job(id).state(), id + " with every core busy");
            }

            StandbyCluster.Active third = cluster.killAndAwaitTakeover(second, TAKEOVER);
            assertEquals(first.head(), third.head());
            cluster.awaitWorkersUp(WAIT);
            List<String> all = new ArrayList<>(finished);
            all.addAll(sleepers.keySet());
            all.addAll(queued);
            for (String id : all) {
                client.job(id); // every job submitted so far is known to the head that took the role back
            }
            Map<String, Job> done = awaitAll(cluster, all, JobState.COMPLETED);
            for (String id : all) {
                Job j = done.get(id);
                assertEquals(0, j.exitStatus(), id);
                assertEquals(1, j.tasks().get(0).attempts().size(), id + " ran more than once: " + j.tasks());
            }
            assertSleepersRanOnce(sleepers);
            Set<String> history = new HashSet<>(RealCluster.ids(client.allJobs(JobQuery.all()
                    .withHistory(true))));
            assertTrue(history.containsAll(all), "missing from the history: " + all.stream()
                    .filter(id -> !history.contains(id)).toList());
        });
    }

    // ------------------------------------------------------------------ a standby with half a copy

    /**
     * A restarted standby receives the replicated maps partition by partition. If the active head is lost before
     * every partition is on the standby, the standby must not lead from what it has: it waits for the head that
     * led last, which leads again from its own store when it is back, with every job (the fault suite once saw a
     * standby lead from half its maps, and a result acknowledged before its restart lost). The active head is
     * frozen the moment the standby is seen joined but incomplete, so the moving stops there, and then killed.
     * More partitions than Hazelcast's 271 make the moving last a few seconds, so the test sees it.
     */
    @Test
    void aStandbyKilledAndRestartedDoesNotLeadFromAHalfCopyWhenTheActiveHeadIsLostMeanwhile() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        StandbyCluster cluster = StandbyCluster.start(work.resolve("c"), 2, 2, List.of(),
                List.of("-Dhazelcast.partition.count=1009"));
        try {
            HeadClient client = cluster.client();
            StandbyCluster.Active first = cluster.awaitRoles("one head ACTIVE and a complete standby", WAIT);
            List<String> finished = submitTrue(client, submitDir, "ended", 4);
            awaitAll(cluster, finished, JobState.COMPLETED);
            List<String> held = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                held.add(client.submit(new SubmitRequest("#!/bin/sh\ntrue\n", List.of("-N", "held" + i, "-h"), USER,
                        "localhost", submitDir.toString(), Map.of())).id().toString());
            }

            String standby = first.other();
            cluster.local().kill(standby);
            cluster.restart(standby);
            Poll.until(first.head() + " lists " + standby + " as a joined STANDBY still receiving its copy", WAIT,
                    () -> headsSeenBy(cluster, first.head()).getOrDefault(standby, Map.of()).get("copies")
                            instanceof String c && c.equals("INCOMPLETE"), cluster::describe);
            cluster.freeze(first.head(), true);
            cluster.kill(first.head());

            Poll.until(standby + " WAITING for " + first.head(), TAKEOVER, () -> cluster.ownRole(standby)
                    .equals("WAITING"), cluster::describe);
            Object waitingFor = ((Map<?, ?>) cluster.clusterSeenBy(standby).get("head")).get("lease") instanceof Map<?, ?> l
                    ? l.get("waitingFor") : null;
            assertTrue(String.valueOf(waitingFor).startsWith(first.head() + ","), String.valueOf(waitingFor));
            assertEquals("WAITING", cluster.ownRole(standby), standby + " must not lead from half a copy");

            cluster.restart(first.head());
            StandbyCluster.Active back = cluster.awaitRoles("the head that led last leads again", WAIT);
            assertEquals(first.head(), back.head());
            cluster.awaitWorkersUp(WAIT);
            for (String id : finished) {
                Job j = client.job(id);
                assertEquals(JobState.COMPLETED, j.state(), id);
                assertEquals(1, j.tasks().get(0).attempts().size(), id + " ran again: " + j.tasks());
            }
            for (String id : held) {
                assertEquals(JobState.HELD, client.job(id).state(), id);
            }
        } catch (Exception | AssertionError e) {
            cluster.printLogs("the test failed: " + e);
            throw e;
        } finally {
            cluster.close();
        }
    }

    /** The heads' registry entries as {@code head} lists them, by name. */
    private static Map<String, Map<?, ?>> headsSeenBy(StandbyCluster cluster, String head) {
        Map<String, Map<?, ?>> out = new TreeMap<>();
        if (cluster.clusterSeenBy(head).get("heads") instanceof List<?> heads) {
            for (Object o : heads) {
                if (o instanceof Map<?, ?> h) {
                    out.put(String.valueOf(h.get("name")), h);
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ both heads down

    @Test
    void bothHeadsKilledAndStartedAgainRunTheQueuedJobsAndKeepTheHistory() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        withCluster(cluster -> {
            HeadClient client = cluster.client();
            StandbyCluster.Active first = cluster.awaitRoles("one head ACTIVE", WAIT);
            Map<String, Integer> exits = new LinkedHashMap<>();
            for (int i = 0; i < 8; i++) {
                exits.put(submit(client, submitDir, "exit " + (i % 4), "finished" + i), i % 4);
            }
            Poll.until("the first 8 jobs end", WAIT, () -> exits.keySet().stream()
                    .allMatch(id -> client.job(id).state().isTerminal()), cluster::describe);
            Map<String, Path> sleepers = startSleepers(cluster, submitDir, 6);
            List<String> queued = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                queued.add(submit(client, submitDir, "true", "queued" + i));
            }
            for (String id : queued) {
                assertEquals(JobState.QUEUED, client.job(id).state(), id + " with every core busy");
            }

            // the active head first, the standby right after: neither has time to take over
            cluster.kill(first.head());
            cluster.kill(first.other());
            // the former standby first, so that the head holding the mirrored copy of the state comes
            // up alone and the former active head joins it
            long restartedAt = System.nanoTime();
            cluster.restart(first.other());
            cluster.restart(first.head());
            StandbyCluster.Active after = cluster.awaitRoles("one head ACTIVE and the other STANDBY after both "
                    + "restarted", WAIT);
            System.out.println("FailoverIT both heads killed: " + after.head() + " ACTIVE with epoch " + after.epoch()
                    + " and the other STANDBY " + (System.nanoTime() - restartedAt) / 1_000_000
                    + " ms after the restart of both");
            cluster.awaitWorkersUp(WAIT);

            List<String> live = new ArrayList<>(sleepers.keySet());
            live.addAll(queued);
            Map<String, Job> done = awaitAll(cluster, live, JobState.COMPLETED);
            for (String id : live) {
                assertEquals(1, done.get(id).tasks().get(0).attempts().size(), id + " ran more than once: "
                        + done.get(id).tasks());
            }
            assertSleepersRanOnce(sleepers);
            Map<String, Job> history = byId(client.allJobs(JobQuery.all().withHistory(true)));
            for (Map.Entry<String, Integer> e : exits.entrySet()) {
                Job j = history.get(e.getKey());
                assertTrue(j != null, e.getKey() + " is missing from the history: " + history.keySet());
                assertEquals(e.getValue() == 0 ? JobState.COMPLETED : JobState.FAILED, j.state(), e.getKey());
                assertEquals((int) e.getValue(), j.exitStatus(), e.getKey());
            }
            assertTrue(history.keySet().containsAll(live), "missing from the history: " + live.stream()
                    .filter(id -> !history.containsKey(id)).toList());
            Cli.Result x = cluster.cli().run("qstat", "-x");
            assertEquals(0, x.exitCode(), x.describe());
            for (String id : exits.keySet()) {
                assertTrue(x.out().contains(id.substring(0, id.indexOf('.'))), id + " not in " + x.describe());
            }
            // DESIGN.md invariant 2: every takeover raises the epoch, and an epoch is never reused, so
            // that workers can tell the new active head's commands from the old one's
            assertTrue(after.epoch() > first.epoch(), "epoch " + after.epoch() + " after a restart of both heads, "
                    + first.epoch() + " before: the epoch was reused");
        });
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Fills every core with a {@code sleep SECONDS} job and waits until each one's process has started
     * (a job is RUNNING once the head has sent it to a worker; the script's pid file says it started).
     * Returns the job ids and their pid files.
     */
    private static Map<String, Path> startSleepers(StandbyCluster cluster, Path submitDir, int seconds) {
        Map<String, Path> sleepers = new LinkedHashMap<>();
        for (int i = 0; i < cluster.workers() * 2; i++) {
            Path pidFile = submitDir.resolve("sleeper" + i + ".pid");
            sleepers.put(submit(cluster.client(), submitDir, "echo $$ >> " + pidFile + "\nsleep " + seconds,
                    "sleeper" + i), pidFile);
        }
        awaitAll(cluster, new ArrayList<>(sleepers.keySet()), JobState.RUNNING);
        Poll.until("every sleeper's process has started", WAIT, () -> sleepers.values().stream()
                .allMatch(f -> RealCluster.lines(f).size() == 1), cluster::describe);
        return sleepers;
    }

    /** Each sleeper's script ran once: its pid file has one line. */
    private static void assertSleepersRanOnce(Map<String, Path> sleepers) {
        sleepers.forEach((id, pidFile) -> assertEquals(1, RealCluster.lines(pidFile).size(), id
                + "'s script started more than once: " + RealCluster.lines(pidFile)));
    }

    private static String submit(HeadClient client, Path submitDir, String command, String name) {
        return client.submit(new SubmitRequest("#!/bin/sh\n" + command + "\n", List.of("-N", name, "-j", "oe"), USER,
                "localhost", submitDir.toString(), Map.of())).id().toString();
    }

    /** Submits {@code count} jobs that run {@code true}, named {@code prefix0}, {@code prefix1}, ...; their ids. */
    private static List<String> submitTrue(HeadClient client, Path submitDir, String prefix, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(submit(client, submitDir, "true", prefix + i));
        }
        return ids;
    }

    /** Waits until every job of {@code ids} is in {@code state} (or, for RUNNING, beyond it); returns them. */
    private static Map<String, Job> awaitAll(StandbyCluster cluster, List<String> ids, JobState state) {
        return Poll.value(ids.size() + " jobs are " + state, WAIT, () -> {
            Map<String, Job> jobs = new TreeMap<>();
            for (String id : ids) {
                Job j = cluster.client().job(id);
                boolean there = state == JobState.RUNNING ? j.state() == JobState.RUNNING : j.state() == state;
                if (!there) {
                    if (j.state().isTerminal() && j.state() != state) {
                        throw new AssertionError(id + " ended " + j.state() + " (exit " + j.exitStatus()
                                + ", reason " + j.reason() + ") instead of " + state);
                    }
                    return Optional.empty();
                }
                jobs.put(id, j);
            }
            return Optional.of(jobs);
        }, () -> ids.stream().map(id -> {
            try {
                return id + "=" + cluster.client().job(id).state();
            } catch (RuntimeException e) {
                return id + "=?";
            }
        }).collect(Collectors.joining(", ")) + "; " + cluster.describe());
    }

    private static Map<String, Job> byId(List<Job> jobs) {
        Map<String, Job> out = new LinkedHashMap<>();
        jobs.forEach(j -> out.put(j.id().toString(), j));
        return out;
    }

    /** How the active head sees a job, for the message of a failed wait. */
    private static String jobState(StandbyCluster cluster, String id) {
        try {
            Job j = cluster.client().job(id);
            return j.state() + " " + j.tasks().stream().map(t -> t.state() + " attempts=" + t.attempts().size()
                    + " comment=" + t.comment()).toList();
        } catch (RuntimeException e) {
            return "(cannot ask: " + e.getMessage() + ")";
        }
    }
}
