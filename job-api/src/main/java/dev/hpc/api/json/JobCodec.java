package dev.hpc.api.json;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Task;
import dev.hpc.api.job.TaskList;
import dev.hpc.api.job.TaskSegment;
import dev.hpc.api.job.UnstartedTasks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.hpc.api.json.Codec.instant;

/**
 * The JSON form of jobs as they run ({@link Codec} for the whole of it): node slots, attempts, tasks, unstarted
 * and sealed tasks, and the job itself in its three forms (whole, listed, stored).
 */
public final class JobCodec {
    private JobCodec() {
    }

    static Map<String, Object> toMap(NodeSlot s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", s.node());
        m.put("cores", s.cores());
        m.put("memory", s.memory());
        if (!s.gpus().isEmpty()) {
            m.put("gpus", s.gpus());
        }
        return m;
    }

    static NodeSlot readSlot(JsonFields f) {
        List<Integer> gpus = new ArrayList<>();
        if (f.has("gpus")) {
            for (long g : f.longs("gpus")) {
                gpus.add((int) g);
            }
        }
        return new NodeSlot(f.string("node"), f.intValue("cores"), f.longValue("memory", 0), gpus);
    }

    public static List<Object> slots(List<NodeSlot> slots) {
        List<Object> out = new ArrayList<>();
        for (NodeSlot s : slots) {
            out.add(toMap(s));
        }
        return out;
    }

    public static List<NodeSlot> readSlots(JsonFields f, String field) {
        List<NodeSlot> out = new ArrayList<>();
        for (JsonFields s : f.objects(field)) {
            out.add(readSlot(s));
        }
        return out;
    }

    static Map<String, Object> toMap(Attempt a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("nodes", slots(a.nodes()));
        m.put("start", instant(a.start()));
        m.put("end", instant(a.end()));
        m.put("outcome", a.outcome().name());
        m.put("reason", a.reason().name());
        m.put("exitStatus", a.exitStatus());
        return m;
    }

    static Attempt readAttempt(JsonFields f) {
        return new Attempt(f.longValue("id"), readSlots(f, "nodes"), instant(f, "start"), instant(f, "end"),
                f.enumValue("outcome", JobState.class), f.enumValue("reason", EndReason.class), f.intValue("exitStatus"));
    }

    static Map<String, Object> toMap(Task t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", t.index());
        m.put("state", t.state().name());
        List<Object> attempts = new ArrayList<>();
        for (Attempt a : t.attempts()) {
            attempts.add(toMap(a));
        }
        m.put("attempts", attempts);
        m.put("exitStatus", t.exitStatus());
        m.put("reason", t.reason().name());
        m.put("comment", t.comment());
        m.put("end", instant(t.end()));
        m.put("holds", t.holds());
        m.put("estimatedStart", instant(t.estimatedStart()));
        return m;
    }

    static Task readTask(JsonFields f) {
        List<Attempt> attempts = new ArrayList<>();
        for (JsonFields a : f.objects("attempts")) {
            attempts.add(readAttempt(a));
        }
        JobState state = f.enumValue("state", JobState.class);
        return new Task(f.intValue("index"), state, attempts, f.intValue("exitStatus"),
                f.enumValue("reason", EndReason.class), f.string("comment", ""), instant(f, "end"),
                f.string("holds", state == JobState.HELD ? "u" : ""),
                f.has("estimatedStart") ? instant(f, "estimatedStart") : Instant.EPOCH);
    }

    /** A job with all its tasks; {@code includeScript} false leaves the script text out of listings. */
    static Map<String, Object> toMap(Job j, boolean includeScript) {
        return toMap(j, includeScript, false);
    }

    /** A job in a listing that asked for summaries: see {@link Codec#toListingMap}. */
    static Map<String, Object> toListingMap(Job j) {
        Map<String, Object> m = toMap(j, false, false);
        List<TaskSegment> segments = TaskList.segments(j.tasks());
        if (segments.isEmpty()) {
            return m;
        }
        List<Task> shown = new ArrayList<>(j.listedTasks());
        shown.addAll(TaskList.sealedDeciding(j.tasks()));
        shown.sort((a, b) -> Integer.compare(a.index(), b.index()));
        List<Object> tasks = new ArrayList<>(shown.size());
        for (Task t : shown) {
            tasks.add(toMap(t));
        }
        m.put("tasks", tasks);
        Map<String, Integer> byState = new TreeMap<>();
        int count = 0;
        for (TaskSegment s : segments) {
            for (Task t : s.tasks()) {
                byState.merge(t.state().name(), 1, Integer::sum);
            }
            count += s.size();
        }
        Map<String, Object> sealed = new LinkedHashMap<>();
        sealed.put("count", count);
        sealed.put("byState", byState);
        m.put("sealedTasks", sealed);
        return m;
    }

    /** A job as the head stores and replicates it: see {@link Codec#toStoredMap}. */
    static Map<String, Object> toStoredMap(Job j) {
        return toMap(j, true, true);
    }

    private static Map<String, Object> toMap(Job j, boolean includeScript, boolean stored) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", j.id().toString());
        m.put("number", j.id().number());
        m.put("cluster", j.id().cluster());
        m.put("state", j.state().name());
        m.put("submitted", instant(j.submitted()));
        m.put("started", instant(j.started()));
        m.put("ended", instant(j.ended()));
        m.put("exitStatus", j.exitStatus());
        m.put("reason", j.reason().name());
        m.put("cancelledBy", j.cancelledBy());
        m.put("version", j.version());
        if (j.reordered()) {
            m.put("queueRank", j.queueRank());
            m.put("queueSince", instant(j.queueSince()));
        }
        Map<String, Object> spec = SpecCodec.toMap(j.spec());
        if (!includeScript) {
            spec.remove("script");
            spec.remove("environment");
        }
        m.put("spec", spec);
        List<Object> tasks = new ArrayList<>();
        for (Task t : stored ? j.listedTasks() : TaskList.oneByOne(j.tasks())) {
            tasks.add(toMap(t));
        }
        m.put("tasks", tasks);
        UnstartedTasks u = j.unstartedTasks();
        if (!u.isEmpty()) {
            m.put("unstarted", toMap(u));
        }
        int segments = TaskList.segments(j.tasks()).size();
        if (stored && segments > 0) {
            m.put("segments", segments);
        }
        return m;
    }

    /** A segment of sealed tasks as the head stores and replicates it. */
    static Map<String, Object> toMap(TaskSegment s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", s.job());
        m.put("number", s.number());
        m.put("version", s.version());
        List<Object> tasks = new ArrayList<>(s.size());
        for (Task t : s.tasks()) {
            tasks.add(toMap(t));
        }
        m.put("tasks", tasks);
        return m;
    }

    static TaskSegment readSegment(JsonFields f) {
        List<Task> tasks = new ArrayList<>();
        for (JsonFields t : f.objects("tasks")) {
            tasks.add(readTask(t));
        }
        return new TaskSegment(f.longValue("job"), f.intValue("number"), f.longValue("version", 0), tasks);
    }

    /** An array's unstarted tasks: their indices in text form, how many, and the form they share. */
    static Map<String, Object> toMap(UnstartedTasks u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("indices", u.indices().toString());
        m.put("count", u.count());
        m.put("state", u.state().name());
        m.put("holds", u.holds());
        m.put("comment", u.comment());
        m.put("exitStatus", u.exitStatus());
        m.put("reason", u.reason().name());
        m.put("end", instant(u.end()));
        m.put("estimatedStart", instant(u.estimatedStart()));
        return m;
    }

    static UnstartedTasks readUnstarted(JsonFields f) {
        return new UnstartedTasks(SpecCodec.readIndices(f, "indices"), f.enumValue("state", JobState.class),
                f.string("holds", ""), f.string("comment", ""), f.intValue("exitStatus", 0),
                f.enumValue("reason", EndReason.class), instant(f, "end"),
                f.has("estimatedStart") ? instant(f, "estimatedStart") : Instant.EPOCH);
    }

    /** A job as the REST API gives it; a stored body whose tasks are sealed apart needs its segments. */
    static Job readJob(JsonFields f) {
        return readJob(f, (job, count) -> {
            throw new InvalidRequestException("job " + job + " has " + count + " segments of sealed tasks stored apart "
                    + "from its body; read it with its segments");
        });
    }

    /** A job as the REST API gives it or as the head stores it, its sealed tasks read from {@code segments}. */
    static Job readJob(JsonFields f, Codec.SegmentSource segments) {
        JobId id = new JobId(f.longValue("number"), f.string("cluster"), f.string("id").contains("[]"));
        JsonFields specFields = f.object("spec");
        List<Task> tasks = new ArrayList<>();
        for (JsonFields t : f.objects("tasks")) {
            tasks.add(readTask(t));
        }
        int sealed = f.intValue("segments", 0);
        UnstartedTasks unstarted = f.has("unstarted") ? readUnstarted(f.object("unstarted")) : UnstartedTasks.NONE;
        List<Task> all = sealed > 0 ? TaskList.checked(tasks, unstarted, segments.segments(id.number(), sealed))
                : f.has("unstarted") ? TaskList.of(tasks, unstarted) : tasks;
        Instant submitted = instant(f, "submitted");
        return new Job(id, readSpecLenient(specFields), f.enumValue("state", JobState.class),
                submitted, all, f.string("cancelledBy", ""), f.longValue("version", 0),
                f.longValue("queueRank", id.number()), f.has("queueSince") ? instant(f, "queueSince") : submitted);
    }

    /**
     * Listings leave out the script and environment, and another user's job shows only its public
     * attributes (docs/security.md): a job read from either has what is left out empty.
     */
    private static JobSpec readSpecLenient(JsonFields f) {
        if (f.has("script") && f.has("submitDir") && f.has("workDir")) {
            return SpecCodec.readSpec(f);
        }
        Map<String, Object> copy = new LinkedHashMap<>();
        f.raw().forEach((k, v) -> copy.put(String.valueOf(k), v));
        for (String withheld : List.of("script", "submitDir", "workDir")) {
            copy.putIfAbsent(withheld, "");
        }
        return SpecCodec.readSpec(JsonFields.of(copy));
    }
}
