package dev.hpc.head.accounting;

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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 20: PBS accounting records (Q, S, R, D, E) from a job's record. */
class PbsRecordsTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");
    private static final long E = T.getEpochSecond();

    private static JobSpec spec(String account) {
        return new JobSpec("hello", "alice", "login", "#!/bin/sh\n", "/home/alice", "/home/alice", Map.of(), "batch",
                Resources.DEFAULT.withNodes(2).withCoresPerNode(4).withWalltime(Duration.ofHours(1)),
                Optional.empty(), List.of(), false, 0, true, "", "", JoinMode.NONE, "", List.of(), account,
                Instant.EPOCH, "", Map.of("project", "ice"));
    }

    private static final List<NodeSlot> TWO_NODES = List.of(new NodeSlot("n1", 4, 0), new NodeSlot("n2", 4, 0));

    @Test
    void aRerunJobHasItsQueueingEachStartItsRerunAndItsEnd() {
        Attempt first = new Attempt(1, TWO_NODES, T.plusSeconds(10), T.plusSeconds(70), JobState.QUEUED,
                EndReason.CANCELLED, 271);
        Attempt second = new Attempt(2, TWO_NODES, T.plusSeconds(80), T.plusSeconds(3680), JobState.COMPLETED,
                EndReason.EXITED, 0);
        Task t = new Task(Task.NO_INDEX, JobState.COMPLETED, List.of(first, second), 0, EndReason.EXITED, "",
                T.plusSeconds(3680), "", Instant.EPOCH);
        Job job = new Job(new JobId(7, "c", false), spec("climate lab"), JobState.COMPLETED, T, List.of(t), "", 5);

        List<PbsRecords.Line> lines = PbsRecords.of(job, T, T.plus(Duration.ofDays(1)));

        assertEquals(List.of('Q', 'S', 'R', 'S', 'E'), lines.stream().map(PbsRecords.Line::type).toList());
        assertEquals("queue=batch", lines.get(0).message());
        String common = "user=alice account=\"climate lab\" project=ice jobname=hello queue=batch ctime=" + E
                + " qtime=" + E + " etime=" + E;
        assertEquals(common + " start=" + (E + 10) + " exec_host=n1/0-3+n2/0-3 Resource_List.ncpus=8 "
                + "Resource_List.nodect=2 Resource_List.walltime=01:00:00", lines.get(1).message());
        assertEquals(common + " start=" + (E + 10) + " end=" + (E + 70) + " exec_host=n1/0-3+n2/0-3 "
                + "resources_used.ncpus=8 resources_used.walltime=00:01:00 run_count=1", lines.get(2).message());
        assertEquals(common + " start=" + (E + 80) + " exec_host=n1/0-3+n2/0-3 Resource_List.ncpus=8 "
                + "Resource_List.nodect=2 Resource_List.walltime=01:00:00 end=" + (E + 3680) + " Exit_status=0 "
                + "resources_used.ncpus=8 resources_used.walltime=01:00:00 run_count=2", lines.get(4).message());
        assertEquals("7.c", lines.get(4).id());
        assertEquals(T.plusSeconds(3680), lines.get(4).time());
    }

    @Test
    void aJobCancelledBeforeItRanHasADeletionAndAnEndWithoutARun() {
        Task t = new Task(Task.NO_INDEX, JobState.CANCELLED, List.of(), 0, EndReason.CANCELLED, "",
                T.plusSeconds(30), "", Instant.EPOCH);
        Job job = new Job(new JobId(8, "c", false), spec(""), JobState.CANCELLED, T, List.of(t), "bob", 3);

        List<PbsRecords.Line> lines = PbsRecords.of(job, T, T.plus(Duration.ofDays(1)));

        assertEquals(List.of('Q', 'D', 'E'), lines.stream().map(PbsRecords.Line::type).toList());
        assertEquals("requestor=bob", lines.get(1).message());
        assertEquals("user=alice project=ice jobname=hello queue=batch ctime=" + E + " qtime=" + E + " etime=" + E
                + " Resource_List.ncpus=8 Resource_List.nodect=2 Resource_List.walltime=01:00:00 end=" + (E + 30)
                + " Exit_status=0 run_count=0", lines.get(2).message());
        assertEquals(List.of('D', 'E'), PbsRecords.of(job, T.plusSeconds(1), T.plusSeconds(31)).stream()
                .map(PbsRecords.Line::type).toList(), "only the records of the period");
    }
}
