package dev.hpc.head.state;

import dev.hpc.api.job.ArraySpec;
import dev.hpc.api.job.Dependency;
import dev.hpc.api.job.DependencyType;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.IndexSet;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.head.RequestRejected;
import dev.hpc.head.sched.PendingTask;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.Scheduler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15: an array job holds what differs between its tasks. Its unstarted tasks are one record that moves
 * as one; a task is kept apart once it starts or is acted on alone; the scheduler takes indices in order; the
 * job's body reads back as the same job on a standby.
 */
class ArrayJobTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    private ClusterState state;

    static JobSpec anArray(String indices, int throttle, List<Dependency> after) {
        return new JobSpec("sweep", "alice", "login", "#!/bin/sh\ntrue\n", "/home/alice", "/home/alice", Map.of(),
                "batch", Resources.DEFAULT, Optional.of(new ArraySpec(indices, IndexSet.parse(indices), throttle)),
                after, false, 0, true, "", "", JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
    }

    private Job submit(JobSpec spec) {
        return state.apply(new Command.Admit(state.prepareSubmit(spec, T0))).answer().orElseThrow();
    }

    private Plan plan() {
        return Scheduler.plan(state.snapshot(), Policy.DEFAULT, T0);
    }

    private Outcome cycle() {
        Plan plan = plan();
        Outcome out = state.apply(new Command.Start(plan.placements(), T0));
        state.apply(new Command.Explain(plan.waiting(), plan.estimates()));
        return out;
    }

    private Job job(long n) {
        return state.job(n).orElseThrow();
    }

    private static List<Integer> indices(List<Task> tasks) {
        return tasks.stream().map(Task::index).toList();
    }

    private void finish(long job, int index, int status) {
        long attempt = job(job).task(index).orElseThrow().currentAttemptId();
        state.apply(new Command.Finish("n1", new TaskResult(attempt, job + "[" + index + "].c", status,
                EndReason.EXITED, T0)));
    }

    @BeforeEach
    void aClusterOfFourCores() {
        state = new ClusterState("c", 1, 1, 3);
        for (String n : List.of("n1", "n2")) {
            state.apply(new Command.RegisterNode(new Register(n, n, 2, 8L << 30, Map.of(), "", List.of(), List.of()),
                    T0));
        }
    }

    @Test
    void aMillionTaskArrayIsOneRecordUntilItsTasksStart() {
        Job job = submit(anArray("0-999999", 0, List.of()));
        assertEquals(List.of(), job.listedTasks());
        assertEquals(1_000_000, job.unstartedTasks().count());
        assertEquals("waiting for the scheduler", job.unstartedTasks().comment());
        assertEquals(1_000_000, job.tasks().size());
        assertEquals(1_000_000, state.waitingTasks("alice"));
        assertEquals(1, state.waitingJobs("alice"));
        assertTrue(Json.write(Codec.toMap(job, true)).length() < 2_000, "the body holds no task one by one");
    }

    @Test
    void theSchedulerStartsIndicesInOrderAndKeepsOnlyThoseApart() {
        submit(anArray("0-999999", 0, List.of()));
        Outcome started = cycle();
        assertEquals(4, started.effects().size());
        Job job = job(1);
        assertEquals(List.of(0, 1, 2, 3), indices(job.listedTasks()));
        assertTrue(job.listedTasks().stream().allMatch(t -> t.state() == JobState.RUNNING));
        assertEquals("4-999999", job.unstartedTasks().indices().toString());
        assertEquals(JobState.RUNNING, job.state());
        assertEquals(999_996, state.waitingTasks("alice"));
        finish(1, 2, 0);
        cycle();
        assertEquals(List.of(0, 1, 2, 3, 4), indices(job(1).listedTasks()));
        assertEquals(JobState.COMPLETED, job(1).task(2).orElseThrow().state());
        assertEquals(JobState.RUNNING, job(1).task(4).orElseThrow().state());
    }

    @Test
    void aListingShowsEveryTaskWithItsStateAndTheReasonItWaits() {
        submit(anArray("1-20", 0, List.of()));
        cycle();
        List<Task> tasks = job(1).tasks();
        assertEquals(java.util.stream.IntStream.rangeClosed(1, 20).boxed().toList(), indices(tasks));
        assertEquals(JobState.RUNNING, tasks.get(3).state());
        assertEquals(JobState.QUEUED, tasks.get(4).state());
        assertTrue(tasks.get(19).comment().startsWith("waiting for resources"), tasks.get(19).comment());
    }

    @Test
    void holdReleaseAndCancelOfTheWholeArrayMoveTheUnstartedTasksTogether() {
        submit(anArray("0-99999", 0, List.of()));
        Outcome held = state.apply(new Command.Hold(JobId.parse("1"), "alice", "u"));
        assertEquals(1, held.changedJobs().size());
        assertEquals(JobState.HELD, job(1).state());
        assertEquals("u", job(1).task(99_999).orElseThrow().holds());
        assertEquals(List.of(), job(1).listedTasks());
        assertTrue(plan().placements().isEmpty(), "nothing held is started");
        assertEquals(100_000, state.waitingTasks("alice"), "held tasks wait too");

        state.apply(new Command.Release(JobId.parse("1"), "alice", "u"));
        assertEquals(JobState.QUEUED, job(1).state());
        assertEquals(4, plan().placements().size());

        Job cancelled = state.apply(new Command.Cancel(JobId.parse("1"), "alice", T0.plusSeconds(5))).answer()
                .orElseThrow();
        assertEquals(JobState.CANCELLED, cancelled.state());
        assertEquals(256 + 15, cancelled.exitStatus());
        assertEquals(T0.plusSeconds(5), cancelled.ended());
        assertEquals("cancelled by alice before it started", cancelled.task(5).orElseThrow().comment());
        assertEquals(0, state.waitingTasks("alice"));
        assertEquals(0, state.waitingJobs("alice"));
        assertTrue(plan().placements().isEmpty());
        Rejection again = assertThrows(Rejection.class,
                () -> state.apply(new Command.Cancel(JobId.parse("1"), "alice", T0)));
        assertTrue(again.getMessage().contains("has already finished"), again.getMessage());
    }

    @Test
    void actingOnOneIndexKeepsOnlyThatTaskApartAndTheSchedulerStillGoesInOrder() {
        submit(anArray("0-19", 0, List.of()));
        state.apply(new Command.Cancel(JobId.parse("1[1]"), "alice", T0));
        state.apply(new Command.Hold(JobId.parse("1[2]"), "alice", "u"));
        Job job = job(1);
        assertEquals(List.of(1, 2), indices(job.listedTasks()));
        assertEquals("0,3-19", job.unstartedTasks().indices().toString());
        assertEquals(JobState.CANCELLED, job.task(1).orElseThrow().state());
        assertEquals(JobState.HELD, job.task(2).orElseThrow().state());

        cycle();
        assertEquals(List.of(0, 3, 4, 5), runningIndices(job(1)));
        state.apply(new Command.Release(JobId.parse("1[2]"), "alice", "u"));
        List<PendingTask> queue = new ArrayList<>();
        state.snapshot().queue().forEach(queue::add);
        assertEquals(List.of(2, 6, 7), queue.subList(0, 3).stream().map(t -> t.key().index()).toList(),
                "a released task takes its place by index among the unstarted ones");
        Rejection noSuch = assertThrows(Rejection.class,
                () -> state.apply(new Command.Hold(JobId.parse("1[20]"), "alice", "u")));
        assertEquals(404, RequestRejected.from(noSuch).status());
    }

    private static List<Integer> runningIndices(Job job) {
        return job.listedTasks().stream().filter(t -> t.state() == JobState.RUNNING).map(Task::index).toList();
    }

    @Test
    void aStandbyRebuildsTheSameJobFromItsBodyAndGoesOnFromTheNextIndex() {
        submit(anArray("0-999", 3, List.of()));
        cycle();
        finish(1, 1, 0);
        state.apply(new Command.Hold(JobId.parse("1[500]"), "alice", "u"));
        Job before = job(1);

        ClusterState standby = new ClusterState("c", 2, 1, 3);
        standby.restore(Codec.readJob(Json.readObject(Json.write(Codec.toMap(before, true)))));
        assertEquals(before, standby.job(1).orElseThrow());
        assertEquals(997, standby.waitingTasks("alice"));
        for (String n : List.of("n1", "n2")) {
            standby.apply(new Command.RegisterNode(new Register(n, n, 2, 8L << 30, Map.of(), "", List.of(),
                    List.of()), T0));
        }
        Plan plan = Scheduler.plan(standby.snapshot(), Policy.DEFAULT, T0);
        assertEquals(List.of(3), plan.placements().stream().map(p -> p.task().index()).toList(),
                "the throttle of 3 counts the two tasks still running");
    }

    @Test
    void anArrayWhoseDependencyCanNeverBeMetIsCancelledWhole() {
        submit(anArray("0-9", 0, List.of()));
        cycle();
        for (int i = 0; i < 4; i++) {
            finish(1, i, i == 0 ? 1 : 0);
        }
        submit(anArray("0-99999", 0, List.of(new Dependency(DependencyType.AFTEROK, List.of(1L)))));
        Plan waiting = plan();
        assertTrue(waiting.waiting().keySet().stream().anyMatch(k -> k.jobNumber() == 2));
        state.apply(new Command.Cancel(JobId.parse("1"), "alice", T0));
        Plan never = plan();
        assertEquals(List.of(2L), never.unsatisfiable());
        state.apply(new Command.DependencyNeverMet(never.unsatisfiable(), T0));
        Job job = job(2);
        assertEquals(JobState.CANCELLED, job.state());
        assertEquals(EndReason.DEPENDENCY_NEVER_MET, job.task(99_999).orElseThrow().reason());
        assertEquals(List.of(), job.listedTasks());
    }

    @Test
    void anArrayWaitsForTheArrayItDependsOnAndStartsWhenAllOfItsTasksSucceeded() {
        submit(anArray("0-3", 0, List.of()));
        submit(anArray("0-9", 0, List.of(new Dependency(DependencyType.AFTEROK, List.of(1L)))));
        cycle();
        assertEquals(List.of(), job(2).listedTasks());
        assertTrue(job(2).task(0).orElseThrow().holds().contains("s"), "shown as a system hold while it waits");
        for (int i = 0; i < 4; i++) {
            finish(1, i, 0);
        }
        cycle();
        assertEquals(List.of(0, 1, 2, 3), runningIndices(job(2)));
    }

    @Test
    void theUnstartedTasksShareTheReasonOfTheFirstTheSchedulerLookedAt() {
        submit(anArray("0-99", 2, List.of()));
        cycle();
        Job job = job(1);
        assertEquals(List.of(0, 1), runningIndices(job));
        assertEquals("array throttle: 2 of at most 2 tasks running", job.task(50).orElseThrow().comment());
        assertEquals(List.of(0, 1), indices(job.listedTasks()), "a reason alone takes no task apart");
    }

    @Test
    void qalterMovesAWaitingArrayAndIsRefusedOnceATaskRan() {
        submit(anArray("0-99", 0, List.of()));
        state.apply(new Command.Hold(JobId.parse("1"), "alice", "u"));
        Job altered = state.apply(new Command.Alter(JobId.parse("1"), s -> s.withQueue("batch").withResources(
                new Resources(1, 2, 0, java.time.Duration.ZERO, 1, Map.of())), "alice", T0)).answer().orElseThrow();
        assertEquals(2, altered.spec().resources().coresPerNode());
        state.apply(new Command.Release(JobId.parse("1"), "alice", "u"));
        assertEquals(2, plan().placements().size(), "two-core tasks on two two-core nodes");
        cycle();
        Rejection ran = assertThrows(Rejection.class, () -> state.apply(new Command.Alter(
                JobId.parse("1"), s -> s, "alice", T0)));
        assertEquals("job 1[].c has a task that is RUNNING; only a job whose tasks are all queued or held can be "
                + "altered", ran.getMessage());
    }

    @Test
    void anArrayCancelledBeforeItStartedExpiresByTheTimeItWasCancelled() {
        submit(anArray("0-99", 0, List.of()));
        state.apply(new Command.Cancel(JobId.parse("1"), "alice", T0));
        assertTrue(state.apply(new Command.Expire(T0)).expiredJobs().isEmpty(), "not older than the cutoff");
        assertEquals(List.of(1L), state.apply(new Command.Expire(T0.plusSeconds(1))).expiredJobs());
    }
}
