package dev.hpc.head.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpc.api.Codec;
import dev.hpc.api.EndReason;
import dev.hpc.api.Job;
import dev.hpc.api.JobId;
import dev.hpc.api.JobSpec;
import dev.hpc.api.JobState;
import dev.hpc.api.JoinMode;
import dev.hpc.api.Json;
import dev.hpc.api.Resources;
import dev.hpc.api.Task;
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
