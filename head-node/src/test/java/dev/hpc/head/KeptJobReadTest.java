package dev.hpc.head;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.head.access.Caller;
import dev.hpc.head.access.Role;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.state.JobFilter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21: a read of one job that was read before and has not changed since is answered without the state
 * thread, yet shows every change a command made as soon as that command is answered, and nothing of a state this
 * head no longer holds.
 */
class KeptJobReadTest {
    private static final Caller ALICE = new Caller("alice", Role.USER);

    @TempDir
    Path dir;

    private static JobSpec aJob() {
        return new JobSpec("job", "alice", "login", "#!/bin/bash\ntrue\n", "/tmp", "/tmp", Map.of(), "batch",
                Resources.DEFAULT, Optional.empty(), List.of(), false, 0, true, "", "", JoinMode.NONE, "", List.of(),
                "", Instant.EPOCH);
    }

    private static Job read(HeadService head, long number) throws Exception {
        return head.reads().job(number).get(10, TimeUnit.SECONDS).orElseThrow();
    }

    @Test
    void aJobReadAgainIsAnsweredWhileTheStateThreadIsBusyAndShowsEachChangeOnceItIsAnswered() throws Exception {
        try (HeadService head = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            head.submit(aJob()).get(10, TimeUnit.SECONDS);
            Job queued = read(head, 1);
            assertEquals(JobState.QUEUED, queued.state());
            try (HeldStateThread busy = new HeldStateThread(head)) {
                CompletableFuture<Optional<Job>> again = head.reads().job(1);
                assertTrue(again.isDone(), "answered on the caller's thread, not queued behind the state thread");
                assertEquals(Optional.of(queued), again.get());
            }

            Job held = head.jobCommands().hold(JobId.parse("1"), ALICE, "u").get(10, TimeUnit.SECONDS);
            assertEquals(JobState.HELD, read(head, 1).state(), "the hold is shown once it is answered");
            assertEquals(held.version(), read(head, 1).version());
            head.jobCommands().release(JobId.parse("1"), ALICE, "u").get(10, TimeUnit.SECONDS);
            assertEquals(JobState.QUEUED, read(head, 1).state());
        }
    }

    @Test
    void aHeadThatStepsDownAnswersNoReadAndANewTermKeepsNoRecordOfTheOldOne() throws Exception {
        try (HeadService head = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            head.submit(aJob()).get(10, TimeUnit.SECONDS);
            read(head, 1);
            read(head, 1);

            head.term().deactivate();
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> head.reads().job(1).get(10, TimeUnit.SECONDS));
            assertInstanceOf(RequestRejected.class, refused.getCause());
            assertEquals(503, ((RequestRejected) refused.getCause()).status(), "a standby answers no read itself");

            head.activateFromStore();
            CompletableFuture<Optional<Job>> first;
            try (HeldStateThread busy = new HeldStateThread(head)) {
                first = head.reads().job(1);
                assertFalse(first.isDone(), "the new term reads its own state: nothing kept from the term before");
            }
            assertEquals(JobState.QUEUED, first.get(10, TimeUnit.SECONDS).orElseThrow().state());
        }
    }

    @Test
    void aChangeIsShownToNoReaderBeforeItIsDurableAndReplicated() throws Exception {
        try (HeadService head = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            head.submit(aJob()).get(10, TimeUnit.SECONDS);
            read(head, 1);
            try (HeldReplica standby = new HeldReplica(head.store(), jobs -> !jobs.isEmpty())) {
                CompletableFuture<Job> hold = head.jobCommands().hold(JobId.parse("1"), ALICE, "u");
                assertTrue(standby.reached(), "the hold reached the replica");
                CompletableFuture<Optional<Job>> kept = head.reads().job(1);
                CompletableFuture<Optional<Job>> fromState = head.reads().job(1);
                CompletableFuture<ClusterState.Page> listed = head.reads().jobs(JobFilter.ALL, 0, 10);
                passedTheStateThread(head);
                // the reads wait for the commit, not answered with the hold the state already holds
                assertFalse(kept.isDone() || fromState.isDone() || listed.isDone(),
                        "a read answered before the hold was committed");
                standby.release();
                assertEquals(JobState.HELD, hold.get(10, TimeUnit.SECONDS).state());
                assertEquals(JobState.HELD, kept.get(10, TimeUnit.SECONDS).orElseThrow().state());
                assertEquals(JobState.HELD, fromState.get(10, TimeUnit.SECONDS).orElseThrow().state());
                assertEquals(JobState.HELD, listed.get(10, TimeUnit.SECONDS).jobs().get(0).state());
            }
        }
    }

    @Test
    void aReadOfOneJobWaitsForTheCommitsOfThatJobAloneAndAListForAll() throws Exception {
        try (HeadService head = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            head.submit(aJob()).get(10, TimeUnit.SECONDS);
            head.submit(aJob()).get(10, TimeUnit.SECONDS);
            read(head, 1);
            try (HeldReplica standby = new HeldReplica(head.store(), jobs -> jobs.containsKey(2L))) {
                CompletableFuture<Job> hold = head.jobCommands().hold(JobId.parse("2"), ALICE, "u");
                assertTrue(standby.reached(), "job 2's hold reached the replica");
                CompletableFuture<ClusterState.Page> listed = head.reads().jobs(JobFilter.ALL, 0, 10);
                assertEquals(JobState.QUEUED, read(head, 1).state(), "job 1 read while job 2's commit is in flight");
                passedTheStateThread(head);
                assertFalse(listed.isDone(), "a list, which shows job 2, was answered before its hold was committed");
                standby.release();
                assertEquals(JobState.HELD, hold.get(10, TimeUnit.SECONDS).state());
                assertEquals(List.of(JobState.QUEUED, JobState.HELD),
                        listed.get(10, TimeUnit.SECONDS).jobs().stream().map(Job::state).toList());
            }
        }
    }

    /** Returns once everything queued on the state thread before it has run there (reads then wait on commits). */
    private static void passedTheStateThread(HeadService head) throws Exception {
        head.reads().figures().get(10, TimeUnit.SECONDS);
    }
}
