package dev.hpc.head.state;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import dev.hpc.api.job.TaskSegment;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.Scheduler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15: an array's ended tasks are sealed into segments stored apart from its body, so a change of a big
 * running array costs what changed, not every task that ever ended. Readers see the same job either way.
 */
class SealedTasksTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    private ClusterState state;
    /** Every segment the commits sealed, by key, as the store and the replicated map would hold them. */
    private final Map<String, TaskSegment> stored = new LinkedHashMap<>();
    /** The body of each commit of job 1, as stored. */
    private final List<String> bodies = new ArrayList<>();

    @BeforeEach
    void aClusterOfFourCoresSealingEveryThreeEndedTasks() {
        state = new ClusterState("c", 1, 1, 3);
        state.sealEndedTasksAt(3);
        for (String n : List.of("n1", "n2")) {
            state.apply(new Command.RegisterNode(new Register(n, n, 2, 8L << 30, Map.of(), "", List.of(), List.of()),
                    T0));
        }
    }

    private Outcome apply(Command c) {
        Outcome out = state.apply(c);
        for (TaskSegment s : out.sealedSegments()) {
            assertTrue(stored.putIfAbsent(s.key(), s) == null, "a segment is sealed once: " + s);
        }
        for (Job j : out.changedJobs()) {
            bodies.add(Json.write(Codec.toStoredMap(j)));
        }
        return out;
    }

    private Job job() {
        return state.job(1).orElseThrow();
    }

    /** Runs the array to its end: task 5 and 12 fail with 3 and 4, each task ends a second after its index. */
    private Job runToTheEnd(String indices) {
        apply(new Command.Admit(state.prepareSubmit(ArrayJobTest.anArray(indices, 0, List.of()), T0)));
        for (int guard = 0; guard < 100 && !job().state().isTerminal(); guard++) {
            Plan plan = Scheduler.plan(state.snapshot(), Policy.DEFAULT, T0);
            apply(new Command.Start(plan.placements(), T0));
            List<Command.Finish> results = new ArrayList<>();
            for (Task t : job().listedTasks()) {
                if (t.state() == JobState.RUNNING) {
                    int status = t.index() == 5 ? 3 : t.index() == 12 ? 4 : 0;
                    results.add(new Command.Finish(t.currentNodes().get(0).node(), new TaskResult(
                            t.currentAttemptId(), "1[" + t.index() + "].c", status, EndReason.EXITED,
                            T0.plusSeconds(t.index() + 1))));
                }
            }
            apply(new Command.FinishAll(results));
        }
        return job();
    }

    private List<TaskSegment> segments(long job, int count) {
        List<TaskSegment> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            TaskSegment s = stored.get(TaskSegment.key(job, i));
            if (s == null) {
                throw new AssertionError("segment " + i + " of job " + job + " was never committed");
            }
            out.add(s);
        }
        return out;
    }

    @Test
    void endedTasksAreSealedAndTheBodyKeepsOnlyTheRest() {
        Job done = runToTheEnd("0-19");
        assertEquals(20, done.tasks().size());
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19),
                done.tasks().stream().map(Task::index).toList(), "every task once, in index order");
        assertTrue(done.listedTasks().size() < 3, "at most two ended tasks wait outside a segment");
        assertEquals(done.segments().size(), stored.size());
        assertEquals(5, stored.size(), "20 ended tasks, four at a time");
        for (String body : bodies) {
            int listed = Json.readObject(body).objects("tasks").size();
            assertTrue(listed <= 2 + 4, "a body holds the unsealed ended tasks and the running ones, not " + listed);
        }
        assertEquals(JobState.FAILED, done.task(5).orElseThrow().state());
        assertEquals(JobState.COMPLETED, done.task(19).orElseThrow().state());
    }

    @Test
    void theJobsFiguresAreTheSameAsOverEveryTaskOneByOne() {
        Job done = runToTheEnd("0-19");
        Job plain = new Job(done.id(), done.spec(), done.state(), done.submitted(), List.copyOf(done.tasks()),
                done.cancelledBy(), done.version());
        assertEquals(3, done.exitStatus(), "the first non-zero exit status by index: task 5's");
        assertEquals(plain.exitStatus(), done.exitStatus());
        assertEquals(T0.plusSeconds(20), done.ended());
        assertEquals(plain.ended(), done.ended());
        assertEquals(plain.started(), done.started());
        assertEquals(plain.reason(), done.reason());
        assertEquals(JobState.FAILED, done.state());
        @SuppressWarnings("unchecked")
        List<Object> wireTasks = (List<Object>) Codec.toMap(done, false).get("tasks");
        assertEquals(20, wireTasks.size(), "the REST API lists every task, sealed or not");
    }

    @Test
    void theStoredBodyReadsBackWithItsSegmentsAndAStandbyRestoresTheSameJob() {
        Job done = runToTheEnd("0-19");
        String body = Json.write(Codec.toStoredMap(done));
        assertEquals(done.segments().size(), Json.readObject(body).intValue("segments"));
        Job read = Codec.readJob(Json.readObject(body), this::segments);
        assertEquals(done, read);

        ClusterState standby = new ClusterState("c", 2, 1, 3);
        standby.restore(read);
        assertEquals(done, standby.job(1).orElseThrow());
        assertEquals(0, standby.waitingTasks("alice"));

        InvalidRequestException without = assertThrows(InvalidRequestException.class,
                () -> Codec.readJob(Json.readObject(body)));
        assertTrue(without.getMessage().contains("read it with its segments"), without.getMessage());
    }

    @Test
    void aRunningArraySealsAsItGoesAndAStandbyGoesOnFromTheSameTasks() {
        apply(new Command.Admit(state.prepareSubmit(ArrayJobTest.anArray("0-11", 0, List.of()), T0)));
        for (int round = 0; round < 2; round++) {
            Plan plan = Scheduler.plan(state.snapshot(), Policy.DEFAULT, T0);
            apply(new Command.Start(plan.placements(), T0));
            List<Command.Finish> results = new ArrayList<>();
            for (Task t : job().listedTasks()) {
                if (t.state() == JobState.RUNNING) {
                    results.add(new Command.Finish(t.currentNodes().get(0).node(), new TaskResult(
                            t.currentAttemptId(), "1[" + t.index() + "].c", 0, EndReason.EXITED, T0)));
                }
            }
            apply(new Command.FinishAll(results));
        }
        Job midway = job();
        assertEquals(2, midway.segments().size(), "eight ended tasks in two segments of four");
        assertEquals(JobState.QUEUED, midway.state());
        Job read = Codec.readJob(Json.readObject(Json.write(Codec.toStoredMap(midway))), this::segments);
        ClusterState standby = new ClusterState("c", 2, 1, 3);
        standby.sealEndedTasksAt(3);
        standby.restore(read);
        assertEquals(midway, standby.job(1).orElseThrow());
        assertEquals(4, standby.waitingTasks("alice"));
        for (String n : List.of("n1", "n2")) {
            standby.apply(new Command.RegisterNode(new Register(n, n, 2, 8L << 30, Map.of(), "", List.of(),
                    List.of()), T0));
        }
        Plan plan = Scheduler.plan(standby.snapshot(), Policy.DEFAULT, T0);
        assertEquals(List.of(8, 9, 10, 11), plan.placements().stream().map(p -> p.task().index()).toList());
        Outcome started = standby.apply(new Command.Start(plan.placements(), T0));
        assertTrue(started.sealedSegments().isEmpty(), "nothing ended: nothing sealed");
        assertEquals(2, started.changedJobs().get(0).segments().size(), "the segments stay as they were");
    }

    @Test
    void aCommandOnASealedTaskIsRefusedAsOnAnyEndedTask() {
        runToTheEnd("0-19");
        Rejection cancel = assertThrows(Rejection.class,
                () -> state.apply(new Command.Cancel(JobId.parse("1[0]"), "alice", T0)));
        assertTrue(cancel.getMessage().contains("already finished"), cancel.getMessage());
        assertThrows(Rejection.class, () -> state.apply(new Command.Hold(JobId.parse("1[1]"), "alice", "u")));
        Rejection unknown = assertThrows(Rejection.class,
                () -> state.apply(new Command.Cancel(JobId.parse("1[20]"), "alice", T0)));
        assertFalse(unknown.getMessage().contains("already finished"), unknown.getMessage());
    }

    @Test
    void anExpiredArrayTakesItsSegmentsOutOfTheReplicasToo() {
        Job done = runToTheEnd("0-19");
        Outcome out = state.apply(new Command.Expire(T0.plusSeconds(3600)));
        assertEquals(List.of(1L), out.expiredJobs());
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < done.segments().size(); i++) {
            keys.add("1/" + i);
        }
        assertEquals(keys, out.expiredSegments());
    }

    @Test
    void aPlainJobIsNeverSealed() {
        state.sealEndedTasksAt(1);
        JobSpec array = ArrayJobTest.anArray("0", 0, List.of());
        JobSpec plain = new JobSpec("one", "alice", "login", "#!/bin/sh\ntrue\n", "/home/alice", "/home/alice",
                Map.of(), "batch", Resources.DEFAULT, Optional.empty(), List.of(), false, 0, true, "", "", JoinMode.NONE,
                "", List.of(), "", Instant.EPOCH);
        assertEquals(array.owner(), plain.owner());
        apply(new Command.Admit(state.prepareSubmit(plain, T0)));
        Plan plan = Scheduler.plan(state.snapshot(), Policy.DEFAULT, T0);
        apply(new Command.Start(plan.placements(), T0));
        Task t = job().tasks().get(0);
        apply(new Command.Finish(t.currentNodes().get(0).node(), new TaskResult(t.currentAttemptId(), "1.c", 0,
                EndReason.EXITED, T0)));
        assertEquals(JobState.COMPLETED, job().state());
        assertTrue(stored.isEmpty(), "a plain job's one task stays in its body");
        assertEquals(List.of(), job().segments());
    }
}
