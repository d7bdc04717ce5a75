package dev.hpc.head.replication;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.head.HeadConfig;
import dev.hpc.head.HeadService;
import dev.hpc.head.store.JobStore;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The standby's own store gathers job changes for a moment and writes each job once, in its newest
 * version, also when the mirror is closed (a takeover) before the moment is over. One Hazelcast
 * member in this JVM, on 127.0.0.1.
 */
class StandbyMirrorTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    @TempDir
    Path dir;

    private static Job version(long number, JobState state, long version) {
        JobSpec spec = new JobSpec("job", "alice", "login", "echo hi\n", "/tmp", "/tmp", Map.of(), "batch",
                Resources.DEFAULT, Optional.empty(), List.of(), false, 0, true, "/tmp/o", "/tmp/e", JoinMode.NONE, "",
                List.of(), "", Instant.EPOCH);
        Task t = new Task(-1, state, List.of(), 0, EndReason.NONE, "", state.isTerminal() ? T0 : Instant.EPOCH);
        return new Job(new JobId(number, "c", false), spec, state, T0, List.of(t), "", version);
    }

    private static String body(Job j) {
        return Json.write(Codec.toMap(j, true));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(20);
        }
    }

    private static long storedVersion(JobStore store, long number) {
        return store.job(number).map(Job::version).orElse(0L);
    }

    @Test
    void aJobChangedSeveralTimesIsStoredInItsNewestVersion() throws Exception {
        withMirror(StandbyMirror.JOB_DELAY, (cluster, store, mirror) -> {
            JobState[] path = {JobState.QUEUED, JobState.RUNNING, JobState.COMPLETED};
            for (int v = 1; v <= 3; v++) {
                cluster.jobs().put(1L, body(version(1, path[v - 1], v)));
            }
            await("job 1 is stored in its last version", () -> storedVersion(store, 1) == 3);
            assertEquals(JobState.COMPLETED, store.job(1).orElseThrow().state());
        });
    }

    @Test
    void closingWritesWhatIsGatheredBeforeItsTime() throws Exception {
        withMirror(Duration.ofHours(1), (cluster, store, mirror) -> {
            for (int v = 1; v <= 5; v++) {
                cluster.jobs().put(2L, body(version(2, JobState.QUEUED, v)));
            }
            await("the mirror has gathered job 2's last version", () -> mirror.gathered(2)
                    .map(b -> Codec.readJob(Json.readObject(b)).version() == 5).orElse(false));
            assertTrue(store.job(2).isEmpty(), "nothing is written before the gathering time is over");
            mirror.close();
            await("close wrote job 2's last version", () -> storedVersion(store, 2) == 5);
        });
    }

    private static Task ended(int index) {
        dev.hpc.api.job.Attempt ran = new dev.hpc.api.job.Attempt(100 + index, List.of(new dev.hpc.api.job.NodeSlot("n1", 1, 0)),
                T0, T0.plusSeconds(1), JobState.COMPLETED, EndReason.EXITED, 0);
        return new Task(index, JobState.COMPLETED, List.of(ran), 0, EndReason.EXITED, "", T0.plusSeconds(1));
    }

    private static Job array(long version, List<dev.hpc.api.job.TaskSegment> segments) {
        Job plain = version(3, JobState.QUEUED, version);
        JobSpec s = plain.spec();
        JobSpec spec = new JobSpec(s.name(), s.owner(), s.submitHost(), s.script(), s.submitDir(), s.workDir(),
                s.environment(), s.queue(), s.resources(), Optional.of(new dev.hpc.api.job.ArraySpec("0-5",
                dev.hpc.api.job.IndexSet.parse("0-5"), 0)), s.dependencies(), s.userHold(), s.priority(), s.rerunnable(),
                s.stdoutPath(), s.stderrPath(), s.join(), s.mailPoints(), s.mailUsers(), s.account(), s.notBefore());
        int sealed = segments.stream().mapToInt(dev.hpc.api.job.TaskSegment::size).sum();
        return new Job(new JobId(3, "c", true), spec, JobState.QUEUED, T0, dev.hpc.api.job.TaskList.of(List.of(),
                dev.hpc.api.job.UnstartedTasks.fresh(dev.hpc.api.job.IndexSet.parse(sealed + "-5"), false), segments), "",
                version);
    }

    /**
     * Issue 15: the mirror writes an array's sealed tasks to its store with the body that names them, and
     * reads each segment from the map once: a later change of the job does not read them again.
     */
    @Test
    void sealedSegmentsAreMirroredWithTheirJobAndReadOnce() throws Exception {
        withMirror(Duration.ofMillis(50), (cluster, store, mirror) -> {
            dev.hpc.api.job.TaskSegment first = new dev.hpc.api.job.TaskSegment(3, 0, 2, List.of(ended(0), ended(1)));
            dev.hpc.api.job.TaskSegment second = new dev.hpc.api.job.TaskSegment(3, 1, 4, List.of(ended(2), ended(3)));
            cluster.segments().set(first.key(), Json.write(Codec.toMap(first)));
            cluster.jobs().set(3L, Json.write(Codec.toStoredMap(array(2, List.of(first)))));
            await("job 3 is stored with one segment", () -> storedVersion(store, 3) == 2);
            assertEquals(array(2, List.of(first)), store.job(3).orElseThrow());

            cluster.segments().delete(first.key()); // read once: the mirror no longer needs it from the map
            cluster.segments().set(second.key(), Json.write(Codec.toMap(second)));
            cluster.jobs().set(3L, Json.write(Codec.toStoredMap(array(4, List.of(first, second)))));
            await("job 3 is stored with two segments", () -> storedVersion(store, 3) == 4);
            Job stored = store.job(3).orElseThrow();
            assertEquals(array(4, List.of(first, second)), stored);
            assertEquals(6, stored.tasks().size());
        });
    }

    private interface MirrorTest {
        void run(HeadCluster cluster, JobStore store, StandbyMirror mirror) throws Exception;
    }

    private void withMirror(Duration delay, MirrorTest test) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        HeadConfig config = HeadConfig.defaults("head2", "c", Files.createDirectories(dir.resolve("head2")));
        try (HeadService head = HeadService.open(config, Clock.systemUTC());
             HeadCluster cluster = HeadCluster.join("c", "head2", "127.0.0.1:9002", new ReplicationConfig(
                     "127.0.0.1", port, List.of("127.0.0.1:" + port), "", Duration.ofSeconds(3)))) {
            StandbyMirror mirror = new StandbyMirror(cluster, head.store(), head.tokens(), delay);
            mirror.start();
            try {
                test.run(cluster, head.store(), mirror);
            } finally {
                mirror.close();
            }
        }
    }
}
