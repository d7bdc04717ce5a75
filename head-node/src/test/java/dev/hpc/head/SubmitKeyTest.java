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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    @Test
    void aBatchLargerThanTheReservedNumbersWaitsOnTheHeadForTheReservationItAsksFor() throws Exception {
        try (HeadService head = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            AtomicLong reserved = new AtomicLong(5);
            head.term().numberGuard(reserved::get);
            List<JobSpec> batch = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                batch.add(aJob("alice", "batch/" + i));
            }
            CompletableFuture<List<Job>> sent = head.submitAll(batch, true);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (head.term().numbersWanted() < 10 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(10, head.term().numbersWanted(), "the numbers the batch asks the lease for");
            assertFalse(sent.isDone(), "the batch was answered before its numbers were reserved: " + sent);
            reserved.set(110);
            List<Job> jobs = sent.get(10, TimeUnit.SECONDS);
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L),
                    jobs.stream().map(j -> j.id().number()).toList());
        }
    }

    @Test
    void aSubmissionWhoseNumbersAreNeverReservedIsAnswered503() throws Exception {
        try (HeadService head = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            head.term().numberGuard(() -> 0);
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> head.submit(aJob("alice", "")).get(30, TimeUnit.SECONDS));
            RequestRejected why = assertInstanceOf(RequestRejected.class, refused.getCause());
            assertEquals(503, why.status(), why.getMessage());
            assertTrue(why.getMessage().contains("reserving job numbers"), why.getMessage());
        }
    }
}
