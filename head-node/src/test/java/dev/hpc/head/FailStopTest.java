package dev.hpc.head;

import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression (issue 16): a commit that failed left the head active with changes in memory that its store
 * lacked; a later command could build on them and be acknowledged. A head whose commit fails stops being
 * active instead (fail-stop), so that its standby takes over from what was replicated.
 */
class FailStopTest {
    @TempDir
    Path dir;

    private static JobSpec aJobOf(String owner) {
        return new JobSpec("job", owner, "login", "#!/bin/bash\ntrue\n", "/tmp", "/tmp", Map.of(), "batch",
                Resources.DEFAULT, Optional.empty(), List.of(), false, 0, true, "", "", JoinMode.NONE, "", List.of(),
                "", Instant.EPOCH);
    }

    @Test
    void aFailedCommitStopsTheHeadAndNothingAfterItIsAcknowledged() throws Exception {
        try (HeadService head = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            CompletableFuture<String> stoppedBecause = new CompletableFuture<>();
            head.term().onFailStop(stoppedBecause::complete);
            assertEquals(1, head.submit(aJobOf("alice")).get(10, TimeUnit.SECONDS).id().number());

            // the database's owner column holds 256 characters: this commit fails in H2
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> head.submit(aJobOf("b".repeat(300))).get(10, TimeUnit.SECONDS));
            String why = stoppedBecause.get(10, TimeUnit.SECONDS);
            assertTrue(why.contains("commit of submission of job 2"), why);
            assertTrue(head.term().failStopped());

            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> head.submit(aJobOf("alice")).get(10, TimeUnit.SECONDS));
            assertTrue(refused.getCause() instanceof RequestRejected r && r.status() == 503,
                    "refused as unavailable, not acknowledged: " + refused.getCause() + " after " + failed.getCause());
            assertFalse(head.reads().job(1).handle((j, e) -> e == null).get(10, TimeUnit.SECONDS),
                    "a stopped head answers no query from memory");
        }
        try (HeadService again = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            assertTrue(again.reads().job(1).get(10, TimeUnit.SECONDS).isPresent(), "what was acknowledged is durable");
            assertTrue(again.reads().job(2).get(10, TimeUnit.SECONDS).isEmpty(), "the failed submission is not");
        }
    }

    /** Issue 17: a worker that obeys a newer epoch tells the head it met, and that head stops acting. */
    @Test
    void aHeadToldOfANewerEpochByAWorkerStops() throws Exception {
        try (HeadService head = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            CompletableFuture<String> stoppedBecause = new CompletableFuture<>();
            head.term().onFailStop(stoppedBecause::complete);
            head.workerEvents().newerEpochSeen("node1", head.epoch());
            assertFalse(head.term().failStopped(), "the same epoch is no news");
            head.workerEvents().newerEpochSeen("node1", head.epoch() + 1);
            assertTrue(stoppedBecause.get(10, TimeUnit.SECONDS).contains("worker node1 obeys epoch"));
            assertTrue(head.term().failStopped());
        }
    }
}
