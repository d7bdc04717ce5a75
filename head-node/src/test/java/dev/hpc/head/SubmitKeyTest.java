package dev.hpc.head;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.head.state.ClusterState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression (issue 16): a client that resent a submission through a takeover (or after a 503 that came
 * once the job was durable) made a second job. A submission's idempotency key now finds the first one.
 */
class SubmitKeyTest {
    @TempDir
    Path dir;

    private static JobSpec aJob(String owner, String key) {
        return new JobSpec("job", owner, "login", "#!/bin/bash\ntrue\n", "/tmp", "/tmp", Map.of(), "batch",
                Resources.DEFAULT, Optional.empty(), List.of(), false, 0, true, "", "", JoinMode.NONE, "", List.of(),
                "", Instant.EPOCH, key);
    }

    @Test
    void aResentSubmissionIsAnsweredWithTheFirstJobEvenWhileTheFirstIsStillBeingCommitted() throws Exception {
        try (HeadService head = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            List<CompletableFuture<Job>> sends = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                sends.add(head.submit(aJob("alice", "key-1")));
            }
            long first = sends.get(0).get(10, TimeUnit.SECONDS).id().number();
            for (CompletableFuture<Job> s : sends) {
                assertEquals(first, s.get(10, TimeUnit.SECONDS).id().number(), "one job for one key");
            }
            assertEquals(first, head.submit(aJob("alice", "key-1")).get(10, TimeUnit.SECONDS).id().number());
            long other = head.submit(aJob("alice", "key-2")).get(10, TimeUnit.SECONDS).id().number();
            assertNotEquals(first, other, "another key is another job");
            long bobs = head.submit(aJob("bob", "key-1")).get(10, TimeUnit.SECONDS).id().number();
            assertNotEquals(first, bobs, "a key is its owner's own: bob never gets alice's job");
            long unkeyed1 = head.submit(aJob("alice", "")).get(10, TimeUnit.SECONDS).id().number();
            long unkeyed2 = head.submit(aJob("alice", "")).get(10, TimeUnit.SECONDS).id().number();
            assertNotEquals(unkeyed1, unkeyed2, "without a key every submission is a job");
        }
    }

    @Test
    void aHeadThatTakesOverKnowsTheKeysOfTheJobsItRestores() throws Exception {
        Job job;
        try (HeadService head = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            job = head.submit(aJob("alice", "key-1")).get(10, TimeUnit.SECONDS);
        }
        ClusterState restored = new ClusterState("c", 2, 1, 3);
        restored.restore(job);
        assertEquals(job.id(), restored.jobBySubmitKey("alice", "key-1").orElseThrow().id());
        assertTrue(restored.jobBySubmitKey("bob", "key-1").isEmpty());
    }
}
