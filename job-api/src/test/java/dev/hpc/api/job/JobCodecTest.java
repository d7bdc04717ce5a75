package dev.hpc.api.job;

import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15: a job's body holds what differs between its tasks; every body reads back as the job it was. */
class JobCodecTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

    private static Job arrayJob(List<Task> listed, UnstartedTasks unstarted) {
        return new Job(new JobId(4, "c", true), TaskListTest.Specs.spec(), JobState.RUNNING, T0,
                TaskList.of(listed, unstarted), "", 7);
    }

    private static Job roundTrip(Job job) {
        return Codec.readJob(Json.readObject(Json.write(Codec.toMap(job, true))));
    }

    private static Task running(int index) {
        return new Task(index, JobState.RUNNING, List.of(new Attempt(900 + index, List.of(new NodeSlot("n2", 1, 0)),
                T0, Instant.EPOCH, JobState.RUNNING, EndReason.NONE, 0)), 0, EndReason.NONE, "", Instant.EPOCH);
    }

    @Test
    void aMillionTaskArrayIsASmallBodyThatReadsBackWhole() {
        UnstartedTasks rest = new UnstartedTasks(IndexSet.parse("0-2,4-999999"), JobState.HELD, "uo", "held by alice",
                0, EndReason.NONE, Instant.EPOCH, Instant.EPOCH);
        Job job = arrayJob(List.of(running(3)), rest);
        String body = Json.write(Codec.toMap(job, true));
        assertTrue(body.length() < 2_000, body.length() + " characters");
        Job back = roundTrip(job);
        assertEquals(job, back);
        assertEquals(1_000_000, back.tasks().size());
        assertEquals(rest, back.unstartedTasks());
        assertEquals("uo", back.task(999_999).orElseThrow().holds());
        assertEquals(JobState.RUNNING, back.task(3).orElseThrow().state());
        assertEquals(job.spec().array(), back.spec().array());
    }

    @Test
    void unstartedTasksCancelledBeforeTheyStartedKeepTheirEnd() {
        Instant cancelled = T0.plusSeconds(30);
        UnstartedTasks rest = new UnstartedTasks(IndexSet.parse("1-9"), JobState.CANCELLED, "", "cancelled by alice "
                + "before it started", 271, EndReason.CANCELLED, cancelled, Instant.EPOCH);
        Task done = new Task(0, JobState.COMPLETED, List.of(), 0, EndReason.EXITED, "", T0);
        Job job = new Job(new JobId(4, "c", true), TaskListTest.Specs.spec(), JobState.CANCELLED, T0,
                TaskList.of(List.of(done), rest), "alice", 3);
        Job back = roundTrip(job);
        assertEquals(job, back);
        assertEquals(cancelled, back.ended());
        assertEquals(271, back.exitStatus());
        assertEquals(EndReason.CANCELLED, back.reason());
    }

    @Test
    void anArrayWhoseTasksAllStartedListsThemAllAndHasNoUnstartedField() {
        Job job = arrayJob(List.of(running(0), running(1)), UnstartedTasks.NONE);
        Map<String, Object> m = Codec.toMap(job, true);
        assertFalse(m.containsKey("unstarted"));
        assertEquals(job, roundTrip(job));
    }

    /** Bodies written before issue 15 listed every index and every task; they read as the same job. */
    @Test
    void aBodyOfTheEarlierFormReadsWithEveryTaskListed() {
        Job now = arrayJob(List.of(running(0)), new UnstartedTasks(IndexSet.parse("1-3"), JobState.QUEUED, "", "",
                0, EndReason.NONE, Instant.EPOCH, Instant.EPOCH));
        Map<String, Object> m = new LinkedHashMap<>(Codec.toMap(now, true));
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = new LinkedHashMap<>((Map<String, Object>) m.get("spec"));
        @SuppressWarnings("unchecked")
        Map<String, Object> array = new LinkedHashMap<>((Map<String, Object>) spec.get("array"));
        array.put("indices", List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20));
        spec.put("array", array);
        m.put("spec", spec);
        List<Object> every = new java.util.ArrayList<>();
        for (Task t : now.tasks()) {
            every.add(Codec.toMap(t));
        }
        m.put("tasks", every);
        m.remove("unstarted");
        Job old = Codec.readJob(Json.readObject(Json.write(m)));
        assertEquals(now.tasks(), old.tasks());
        assertEquals(4, old.listedTasks().size());
        assertEquals(now.spec().array(), old.spec().array());
    }
}
