package dev.hpc.head.store;

import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 5: the fair-share usage the store derives from ended attempts, once each, decayed when loaded. */
class UsageStoreTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    @TempDir
    Path dir;

    private static Job aFinishedJob(long number, String owner, int cores, Duration ran) {
        JobSpec spec = new JobSpec("job", owner, "login", "#!/bin/bash\ntrue\n", "/home/" + owner, "/home/" + owner,
                Map.of(), "batch", Resources.DEFAULT, Optional.empty(), List.of(), false, 0, true, "", "",
                JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
        Attempt a = new Attempt(number * 10, List.of(new NodeSlot("n1", cores, 0)), T0, T0.plus(ran),
                JobState.COMPLETED, EndReason.EXITED, 0);
        Task t = new Task(-1, JobState.COMPLETED, List.of(a), 0, EndReason.EXITED, "", T0.plus(ran));
        return new Job(new JobId(number, "c", false), spec, JobState.COMPLETED, T0, List.of(t), "", 2);
    }

    private static Map<String, Double> load(JobStore store, Instant now, Duration halfLife) {
        Map<String, Double> out = new TreeMap<>();
        store.loadUsage(now, halfLife, (user, coreSeconds, asOf) -> out.put(user, coreSeconds));
        return out;
    }

    @Test
    void eachEndedAttemptIsChargedOnceAndDecays() {
        Instant end = T0.plusSeconds(100);
        try (JobStore store = JobStore.open(dir)) {
            store.write(List.of(aFinishedJob(1, "alice", 2, Duration.ofSeconds(100))), List.of()).join();
            store.write(List.of(aFinishedJob(1, "alice", 2, Duration.ofSeconds(100))), List.of()).join();
            store.write(List.of(aFinishedJob(2, "bob", 1, Duration.ofSeconds(100))), List.of()).join();
            assertEquals(Map.of("alice", 200.0, "bob", 100.0), load(store, end, Duration.ofHours(1)));
        }
        try (JobStore store = JobStore.open(dir)) {
            store.write(List.of(aFinishedJob(1, "alice", 2, Duration.ofSeconds(100))), List.of()).join();
            Map<String, Double> anHourLater = load(store, end.plus(Duration.ofHours(1)), Duration.ofHours(1));
            assertEquals(100.0, anHourLater.get("alice"), 1e-6, "a rewrite after a restart adds nothing; it halves");
            assertEquals(50.0, anHourLater.get("bob"), 1e-6);
        }
    }
}
