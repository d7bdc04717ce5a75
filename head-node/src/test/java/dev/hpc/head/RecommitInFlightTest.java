package dev.hpc.head;

import dev.hpc.api.job.Job;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression (ChaosIT, seed -4423514813019442095): a recommit that began while a submission was written to the
 * replicas but not yet admitted to the state held neither the job nor a number below it, so the map entry it had
 * just written was taken for a stale one and dropped. The head acknowledged the job; the next head, taking over
 * from the maps, never knew it, and it stayed QUEUED in the old store for good.
 */
class RecommitInFlightTest {
    @TempDir
    Path dir;

    private static JobSpec aJob() {
        return new JobSpec("job", "alice", "login", "#!/bin/bash\ntrue\n", "/tmp", "/tmp", Map.of(), "batch",
                Resources.DEFAULT, Optional.empty(), List.of(), false, 0, true, "", "", JoinMode.NONE, "", List.of(),
                "", Instant.EPOCH, "");
    }

    @Test
    void aSubmissionStillBeingWrittenIsNotStaleForARecommit() throws Exception {
        try (HeadService head = HeadService.start(HeadConfig.defaults("head1", "c", dir).withPort(0),
                Clock.systemUTC())) {
            // a replica slow to take the submission
            try (HeldReplica standby = new HeldReplica(head.store(), jobs -> !jobs.isEmpty())) {
                CompletableFuture<Job> submitted = head.submit(aJob());
                assertTrue(standby.reached(), "the submission reached the replica");
                CompletableFuture<Term.HeldJobs> recommit = head.term().recommitAll();
                standby.release();
                long number = submitted.get(10, TimeUnit.SECONDS).id().number();
                Term.HeldJobs held = recommit.get(10, TimeUnit.SECONDS);
                boolean dropped = number < held.nextNumber() && !held.numbers().contains(number);
                assertFalse(dropped, "job " + number + " would be dropped from the maps as stale: " + held);
            }
        }
    }
}
