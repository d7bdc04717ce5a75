package dev.hpc.cli.bench;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How the benchmarks find the first of their jobs still unfinished, one job per request. */
@org.junit.jupiter.api.Timeout(30) // a walk that stops advancing would loop for ever
class AwaitDoneTest {
    private static Job job(long number) {
        JobSpec spec = new JobSpec("bench", "alice", "login", "true\n", "/tmp", "/tmp", Map.of(), "batch",
                Resources.DEFAULT, Optional.empty(), List.of(), false, 0, true, "/tmp/o", "/tmp/e", JoinMode.NONE, "",
                List.of(), "", Instant.EPOCH);
        Task t = new Task(-1, JobState.RUNNING, List.of(), 0, EndReason.NONE, "", Instant.EPOCH);
        return new Job(new JobId(number, "c", false), spec, JobState.RUNNING, Instant.EPOCH, List.of(t), "", 1);
    }

    /** The head's answer to "the first queued or running job numbered after N", over these unfinished ones. */
    private static Function<Long, Optional<Job>> head(Long... unfinished) {
        TreeSet<Long> live = new TreeSet<>(List.of(unfinished));
        return after -> Optional.ofNullable(live.higher(after)).map(AwaitDoneTest::job);
    }

    private static Optional<Long> firstUnfinished(Function<Long, Optional<Job>> head, Set<Long> ours) {
        return LoadBench.firstUnfinished(head, ours, ours.stream().min(Long::compare).orElseThrow(),
                ours.stream().max(Long::compare).orElseThrow()).map(j -> j.id().number());
    }

    @Test
    void othersJobsAmongOursAndAfterOursAreSteppedOver() {
        Set<Long> ours = Set.of(5L, 7L, 9L);
        assertEquals(Optional.of(7L), firstUnfinished(head(6L, 7L, 8L), ours), "6 is someone else's");
        assertEquals(Optional.empty(), firstUnfinished(head(4L, 6L, 8L, 10L), ours), "none of ours is left");
        assertEquals(Optional.of(5L), firstUnfinished(head(5L), ours));
        assertEquals(Optional.empty(), firstUnfinished(head(), ours));
    }

    @Test
    void jobNumbersAreReadFromEveryFormOfId() {
        assertEquals(42, LoadBench.number("42.c"));
        assertEquals(42, LoadBench.number("42[].c"));
    }
}
