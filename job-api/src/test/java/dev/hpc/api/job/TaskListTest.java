package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15: an array's tasks as the few listed one by one and the unstarted ones alike. */
class TaskListTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

    private static Task ended(int index, int status) {
        Attempt a = new Attempt(100 + index, List.of(new NodeSlot("n1", 1, 0)), T0, T0.plusSeconds(index),
                status == 0 ? JobState.COMPLETED : JobState.FAILED, EndReason.EXITED, status);
        return new Task(index, status == 0 ? JobState.COMPLETED : JobState.FAILED, List.of(a), status,
                EndReason.EXITED, "", T0.plusSeconds(index));
    }

    private static UnstartedTasks queued(String indices) {
        return new UnstartedTasks(IndexSet.parse(indices), JobState.QUEUED, "", "waiting for resources", 0,
                EndReason.NONE, Instant.EPOCH, Instant.EPOCH);
    }

    @Test
    void itListsEveryTaskInIndexOrderByPositionAndByIteration() {
        TaskList tasks = TaskList.of(List.of(ended(0, 0), ended(3, 2), ended(9, 0)), queued("1-2,4-8,10-12"));
        assertEquals(13, tasks.size());
        List<Integer> iterated = new ArrayList<>();
        for (Task t : tasks) {
            iterated.add(t.index());
        }
        List<Integer> byPosition = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            byPosition.add(tasks.get(i).index());
        }
        List<Integer> all = java.util.stream.IntStream.rangeClosed(0, 12).boxed().toList();
        assertEquals(all, iterated);
        assertEquals(all, byPosition);
        assertEquals(all, tasks.stream().map(Task::index).toList());
        assertEquals(JobState.FAILED, tasks.get(3).state());
        assertEquals(JobState.QUEUED, tasks.get(4).state());
        assertEquals("waiting for resources", tasks.get(12).comment());
        assertTrue(tasks.get(12).attempts().isEmpty());
    }

    @Test
    void aTaskIsFoundByItsIndex() {
        TaskList tasks = TaskList.of(List.of(ended(5, 0)), queued("0-4,6-999999"));
        assertEquals(JobState.COMPLETED, tasks.byIndex(5).orElseThrow().state());
        assertEquals(JobState.QUEUED, tasks.byIndex(999_999).orElseThrow().state());
        assertEquals(Optional.empty(), tasks.byIndex(1_000_000));
        assertEquals(1_000_000, tasks.size());
    }

    @Test
    void theFormsStandForTheUnstartedTasksOnceAtTheirFirstIndex() {
        TaskList tasks = TaskList.of(List.of(ended(0, 0), ended(7, 3)), queued("1-6,8-20"));
        List<Integer> forms = TaskList.forms(tasks).stream().map(Task::index).toList();
        assertEquals(List.of(0, 1, 7), forms);
        Job job = new Job(new JobId(4, "c", true), Specs.spec(), JobState.QUEUED, T0, tasks, "", 2);
        assertEquals(3, job.exitStatus());
        assertEquals(T0, job.started());
        assertEquals(List.of(0, 7), job.listedTasks().stream().map(Task::index).toList());
        assertEquals(19, job.unstartedTasks().count());
    }

    @Test
    void aListedTaskMayNotBeAmongTheUnstartedOnesNorOutOfOrder() {
        assertThrows(InvalidRequestException.class, () -> TaskList.of(List.of(ended(3, 0)), queued("1-5")));
        assertThrows(InvalidRequestException.class, () -> TaskList.of(List.of(ended(3, 0), ended(1, 0)),
                queued("7")));
    }

    /** A minimal spec for jobs built by hand in these tests. */
    static final class Specs {
        static JobSpec spec() {
            return new JobSpec("sweep", "alice", "login", "#!/bin/sh\n", "/home/alice", "/home/alice",
                    java.util.Map.of(), "batch", Resources.DEFAULT,
                    Optional.of(new ArraySpec("0-20", IndexSet.parse("0-20"), 0)), List.of(), false, 0, true, "", "",
                    JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
        }
    }

    @Test
    void sealedSegmentsInterleaveWithTheListedAndUnstartedTasksInIndexOrder() {
        TaskSegment first = new TaskSegment(7, 0, 1, List.of(ended(0, 0), ended(2, 0), ended(6, 5)));
        TaskSegment second = new TaskSegment(7, 1, 2, List.of(ended(1, 0), ended(5, 0), ended(11, 4)));
        TaskList tasks = TaskList.checked(List.of(ended(3, 0)), queued("4,7-10,12"), List.of(first, second));
        List<Integer> all = java.util.stream.IntStream.rangeClosed(0, 12).boxed().toList();
        assertEquals(13, tasks.size());
        assertEquals(all, tasks.stream().map(Task::index).toList());
        List<Integer> byPosition = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            byPosition.add(tasks.get(i).index());
        }
        assertEquals(all, byPosition);
        assertEquals(5, tasks.byIndex(6).orElseThrow().exitStatus());
        assertEquals(JobState.QUEUED, tasks.byIndex(8).orElseThrow().state());
        assertEquals(Optional.empty(), tasks.byIndex(13));
        List<Integer> oneByOne = new ArrayList<>();
        TaskList.oneByOne(tasks).forEach(t -> oneByOne.add(t.index()));
        assertEquals(List.of(0, 1, 2, 3, 5, 6, 11), oneByOne, "all but the unstarted");
    }

    @Test
    void aListingCountsSealedTasksAndReadsBackWithTheSameFigures() {
        List<Task> many = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add(ended(i, i == 321 ? 9 : 0));
        }
        TaskSegment big = new TaskSegment(7, 0, 1, many);
        TaskList sealed = TaskList.of(List.of(ended(600, 2)), queued("500-599,601-999"), List.of(big));
        Job job = new Job(new JobId(7, "c", true), Specs.spec(), JobState.RUNNING, T0, sealed, "", 3);
        java.util.Map<String, Object> listing = Codec.toListingMap(job);
        @SuppressWarnings("unchecked")
        List<Object> shown = (List<Object>) listing.get("tasks");
        assertTrue(shown.size() < 10, "the deciding sealed tasks and the listed one, not 500: " + shown.size());
        assertEquals(java.util.Map.of("count", 500, "byState", java.util.Map.of("COMPLETED", 499, "FAILED", 1)),
                listing.get("sealedTasks"));
        Job read = Codec.readJob(Json.readObject(Json.write(listing)));
        assertEquals(job.state(), read.state());
        assertEquals(job.started(), read.started());
        assertEquals(job.exitStatus(), read.exitStatus(), "task 321's status, the first non-zero by index");
        assertEquals(job.reason(), read.reason());
        Job plain = new Job(new JobId(8, "c", false), Specs.spec(), JobState.COMPLETED, T0, List.of(ended(0, 0)), "",
                3);
        assertEquals(Codec.toMap(plain, false), Codec.toListingMap(plain), "nothing sealed: the whole job");
    }

    @Test
    void aJobsFiguresOverSealedTasksAreThoseOverEveryTask() {
        TaskSegment first = new TaskSegment(7, 0, 1, List.of(ended(0, 0), ended(2, 0), ended(6, 5)));
        TaskSegment second = new TaskSegment(7, 1, 2, List.of(ended(1, 0), ended(5, 3), ended(11, 4)));
        TaskList sealed = TaskList.of(List.of(ended(3, 0)), UnstartedTasks.NONE, List.of(first, second));
        JobSpec spec = Specs.spec();
        Job withSegments = new Job(new JobId(7, "c", true), spec, JobState.FAILED, T0, sealed, "", 3);
        Job oneByOne = new Job(new JobId(7, "c", true), spec, JobState.FAILED, T0, List.copyOf(sealed), "", 3);
        assertEquals(3, withSegments.exitStatus(), "task 5's, the first non-zero by index, not task 6's");
        assertEquals(oneByOne.exitStatus(), withSegments.exitStatus());
        assertEquals(T0.plusSeconds(11), withSegments.ended());
        assertEquals(oneByOne.ended(), withSegments.ended());
        assertEquals(oneByOne.started(), withSegments.started());
        assertEquals(oneByOne.reason(), withSegments.reason());
    }

    @Test
    void anIndexHeldTwiceOrASegmentOutOfOrderIsRefusedWhenRead() {
        TaskSegment first = new TaskSegment(7, 0, 1, List.of(ended(0, 0), ended(2, 0)));
        InvalidRequestException twice = assertThrows(InvalidRequestException.class,
                () -> TaskList.checked(List.of(ended(2, 0)), UnstartedTasks.NONE, List.of(first)));
        assertTrue(twice.getMessage().contains("task index 2 is held twice"), twice.getMessage());
        assertThrows(InvalidRequestException.class,
                () -> TaskList.checked(List.of(), queued("0-1"), List.of(first)));
        TaskSegment misplaced = new TaskSegment(7, 1, 1, List.of(ended(4, 0)));
        InvalidRequestException order = assertThrows(InvalidRequestException.class,
                () -> TaskList.of(List.of(), UnstartedTasks.NONE, List.of(misplaced)));
        assertTrue(order.getMessage().contains("numbered 0, 1, 2"), order.getMessage());
        assertThrows(InvalidRequestException.class, () -> new TaskSegment(7, 0, 1, List.of(ended(3, 0), ended(1, 0))));
    }
}
