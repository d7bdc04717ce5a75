package dev.hpc.head.accounting;

import dev.hpc.api.InvalidRequestException;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 20: what {@code hpc report} charges, from job records alone. */
class UsageReportTest {
    private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");
    private static final Instant END = Instant.parse("2026-12-02T00:00:00Z");
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    private static JobSpec spec(String owner, String account, String project, String queue) {
        return new JobSpec("job", owner, "login", "#!/bin/sh\n", "/home/" + owner, "/home/" + owner, Map.of(), queue,
                Resources.DEFAULT, Optional.empty(), List.of(), false, 0, true, "", "", JoinMode.NONE, "", List.of(),
                account, Instant.EPOCH, "", project.isEmpty() ? Map.of() : Map.of("project", project));
    }

    private static Attempt run(long id, Instant start, Instant end, int... coresPerNode) {
        List<NodeSlot> nodes = new java.util.ArrayList<>();
        for (int i = 0; i < coresPerNode.length; i++) {
            nodes.add(new NodeSlot("n" + i, coresPerNode[i], 0));
        }
        boolean open = end.equals(Instant.EPOCH);
        return new Attempt(id, nodes, start, end, open ? JobState.RUNNING : JobState.COMPLETED,
                open ? EndReason.NONE : EndReason.EXITED, 0);
    }

    private static Job job(long number, JobSpec spec, JobState state, Instant submitted, Attempt... attempts) {
        Instant end = state.isTerminal() ? attempts[attempts.length - 1].end() : Instant.EPOCH;
        Task t = new Task(Task.NO_INDEX, state, List.of(attempts), 0, state.isTerminal() ? EndReason.EXITED
                : EndReason.NONE, "", end, "", Instant.EPOCH);
        return new Job(new JobId(number, "c", false), spec, state, submitted, List.of(t), "", 1);
    }

    private static UsageReport report(UsageReport.Filter filter, Job... jobs) {
        UsageReport r = new UsageReport(START, END, NOW, filter);
        for (Job j : jobs) {
            r.add(j);
        }
        return r;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> row(Map<String, Object> report, String by, String name) {
        return ((List<Map<String, Object>>) report.get(by)).stream().filter(r -> r.get("name").equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + by + " row " + name + " in " + report));
    }

    @Test
    void runsAreCutToThePeriodAndChargedForTheCoresOfAllTheirNodes() {
        Instant before = START.minus(Duration.ofHours(2));
        // 2 nodes of 4 cores from 2 h before the start to 1 h after it: 1 h of 8 cores in the period
        Job across = job(1, spec("alice", "climate", "ice", "batch"), JobState.COMPLETED, before,
                run(11, before, START.plus(Duration.ofHours(1)), 4, 4));
        // still running since 10:00, counted up to now (12:00): 2 h of 1 core
        Job open = job(2, spec("alice", "", "", "batch"), JobState.RUNNING, START.plus(Duration.ofHours(9)),
                run(12, START.plus(Duration.ofHours(10)), Instant.EPOCH, 1));
        // after the period: nothing
        Job later = job(3, spec("alice", "", "", "batch"), JobState.COMPLETED, END,
                run(13, END, END.plus(Duration.ofHours(1)), 1));
        Map<String, Object> m = report(UsageReport.Filter.NONE, across, open, later).toMap("c");

        Map<String, Object> alice = row(m, "users", "alice");
        assertEquals(10.0, alice.get("coreHours"));
        assertEquals(3.0, alice.get("wallHours"));
        assertEquals(2L, alice.get("attempts"));
        assertEquals(1L, alice.get("jobs"), "job 1 ended in the period; job 2 runs");
        assertEquals(1L, alice.get("completed"));
        assertEquals(1L, alice.get("submitted"), "only job 2 was submitted in the period");
        assertEquals(8.0, row(m, "accounts", "climate").get("coreHours"));
        assertEquals(8.0, row(m, "projects", "ice").get("coreHours"));
        assertEquals(2.0, row(m, "accounts", UsageReport.NONE).get("coreHours"));
        assertEquals(10.0, row(m, "queues", "batch").get("coreHours"));
        assertEquals(alice, withoutName(row(m, "queues", "batch")), "one user, one queue: the same figures");
        assertEquals(2, ((List<?>) m.get("accounts")).size());
    }

    private static Map<String, Object> withoutName(Map<String, Object> row) {
        Map<String, Object> m = new java.util.LinkedHashMap<>(row);
        m.put("name", "alice");
        return m;
    }

    @Test
    void aRerunJobIsChargedForEveryRunAndJobsCountByHowTheyEnded() {
        Instant t = START.plus(Duration.ofHours(1));
        Job rerun = job(1, spec("bob", "", "", "long"), JobState.COMPLETED, t,
                run(21, t, t.plus(Duration.ofMinutes(30)), 2), run(22, t.plus(Duration.ofMinutes(30)),
                        t.plus(Duration.ofHours(1)), 2));
        Job failed = job(2, spec("bob", "", "", "long"), JobState.FAILED, t, run(23, t, t.plus(Duration.ofHours(1)), 1));
        Job cancelled = job(3, spec("carol", "", "", "batch"), JobState.CANCELLED, t,
                run(24, t, t.plus(Duration.ofHours(1)), 1));
        Map<String, Object> m = report(UsageReport.Filter.NONE, cancelled, failed, rerun).toMap("c");

        Map<String, Object> bob = row(m, "users", "bob");
        assertEquals(3.0, bob.get("coreHours"));
        assertEquals(3L, bob.get("attempts"));
        assertEquals(2L, bob.get("jobs"));
        assertEquals(1L, bob.get("failed"));
        assertEquals(1L, row(m, "users", "carol").get("cancelled"));
        assertEquals(List.of("bob", "carol"), ((List<Map<String, Object>>) m.get("users")).stream()
                .map(r -> r.get("name")).toList(), "rows in name order, whatever order the jobs came in");
        @SuppressWarnings("unchecked")
        Map<String, Object> total = (Map<String, Object>) m.get("total");
        assertEquals(4.0, total.get("coreHours"));
        assertEquals(3L, total.get("jobs"));
    }

    @Test
    void filtersKeepOnlyMatchingJobs() {
        Instant t = START.plus(Duration.ofHours(1));
        Job a = job(1, spec("alice", "climate", "", "batch"), JobState.COMPLETED, t, run(1, t, t.plusSeconds(3600), 1));
        Job b = job(2, spec("bob", "physics", "", "long"), JobState.COMPLETED, t, run(2, t, t.plusSeconds(3600), 1));
        Map<String, Object> byAccount = report(new UsageReport.Filter("", "physics", ""), a, b).toMap("c");
        assertEquals(1, ((List<?>) byAccount.get("users")).size());
        assertEquals(1.0, row(byAccount, "users", "bob").get("coreHours"));
        Map<String, Object> byQueue = report(new UsageReport.Filter("", "", "batch"), a, b).toMap("c");
        assertEquals(List.of("alice"), ((List<Map<String, Object>>) byQueue.get("users")).stream()
                .map(r -> r.get("name")).toList());
        Map<String, Object> none = report(new UsageReport.Filter("carol", "", ""), a, b).toMap("c");
        assertEquals(List.of(), none.get("users"));
    }

    @Test
    void aPeriodThatEndsBeforeItStartsOrIsTooLongIsRefused() {
        InvalidRequestException backwards = assertThrows(InvalidRequestException.class,
                () -> new UsageReport(END, START, NOW, UsageReport.Filter.NONE));
        assertTrue(backwards.getMessage().contains("give an end after the start"), backwards.getMessage());
        assertThrows(InvalidRequestException.class, () -> new UsageReport(START, START, NOW, UsageReport.Filter.NONE));
        assertThrows(InvalidRequestException.class, () -> new UsageReport(START,
                START.plus(Duration.ofDays(4000)), NOW, UsageReport.Filter.NONE));
    }
}
