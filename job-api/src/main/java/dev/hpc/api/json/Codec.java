package dev.hpc.api.json;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Alert;
import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.Health;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.job.NodeTraits;
import dev.hpc.api.job.OfflineOrigin;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import dev.hpc.api.job.TaskSegment;
import dev.hpc.api.job.UnstartedTasks;
import dev.hpc.api.pbs.SubmitRequest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The JSON form of every record in this package: {@code toMap} gives maps and lists ready for
 * {@link Json#write}, {@code read*} builds the record back and names the field at fault when the
 * input is wrong. Times are ISO-8601 strings, durations whole seconds, sizes bytes.
 *
 * <p>This class is the one door to all of them; what a job asks for is written by {@link SpecCodec}, jobs and
 * their tasks by {@link JobCodec}, nodes and alerts here.
 */
public final class Codec {
    private Codec() {
    }

    // ---- small values

    public static String instant(Instant i) {
        return i.toString();
    }

    public static Instant instant(JsonFields f, String field) {
        String s = f.string(field);
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException("field '" + field + "' must be an ISO-8601 instant, got '" + s + "'");
        }
    }

    // ---- resources and spec (SpecCodec)

    public static Map<String, Object> toMap(Resources r) {
        return SpecCodec.toMap(r);
    }

    public static Resources readResources(JsonFields f) {
        return SpecCodec.readResources(f);
    }

    public static Map<String, Object> toMap(JobSpec s) {
        return SpecCodec.toMap(s);
    }

    public static JobSpec readSpec(JsonFields f) {
        return SpecCodec.readSpec(f);
    }

    public static Map<String, Object> toMap(SubmitRequest r) {
        return SpecCodec.toMap(r);
    }

    public static SubmitRequest readSubmitRequest(JsonFields f) {
        return SpecCodec.readSubmitRequest(f);
    }

    // ---- jobs and tasks (JobCodec)

    public static Map<String, Object> toMap(NodeSlot s) {
        return JobCodec.toMap(s);
    }

    public static Map<String, Object> toMap(Attempt a) {
        return JobCodec.toMap(a);
    }

    public static Map<String, Object> toMap(Task t) {
        return JobCodec.toMap(t);
    }

    public static Task readTask(JsonFields f) {
        return JobCodec.readTask(f);
    }

    /** A job with all its tasks; {@code includeScript} false leaves the script text out of listings. */
    public static Map<String, Object> toMap(Job j, boolean includeScript) {
        return JobCodec.toMap(j, includeScript);
    }

    /**
     * A job in a listing that asked for summaries ({@code GET /api/v1/jobs?tasks=summary}, plain {@code qstat}): an
     * array's sealed tasks are left out but for the few that decide its figures (first start, last end, first
     * non-zero exit status, end reason), and counted in {@code "sealedTasks"}. So one user's array of a million
     * ended tasks does not make every user's listing that long; the job's state, times and exit status read the
     * same as from the whole job. Ask for the job itself for every task.
     */
    public static Map<String, Object> toListingMap(Job j) {
        return JobCodec.toListingMap(j);
    }

    /**
     * A job as the head stores and replicates it: its sealed tasks are left out and only counted
     * ({@code "segments"}); each {@link TaskSegment} is stored once, on its own ({@link #toMap(TaskSegment)}).
     * Read it back with {@link #readJob(JsonFields, SegmentSource)}.
     */
    public static Map<String, Object> toStoredMap(Job j) {
        return JobCodec.toStoredMap(j);
    }

    /** A segment of sealed tasks as the head stores and replicates it. */
    public static Map<String, Object> toMap(TaskSegment s) {
        return JobCodec.toMap(s);
    }

    public static TaskSegment readSegment(JsonFields f) {
        return JobCodec.readSegment(f);
    }

    /** Where a stored job's sealed tasks are read from: the store's table, or the replicated map. */
    public interface SegmentSource {
        /** Segments 0 to {@code count - 1} of job {@code job}, in order; fails when one is missing. */
        List<TaskSegment> segments(long job, int count);
    }

    /** An array's unstarted tasks: their indices in text form, how many, and the form they share. */
    public static Map<String, Object> toMap(UnstartedTasks u) {
        return JobCodec.toMap(u);
    }

    /** A job as the REST API gives it; a stored body whose tasks are sealed apart needs its segments. */
    public static Job readJob(JsonFields f) {
        return JobCodec.readJob(f);
    }

    /** A job as the REST API gives it or as the head stores it, its sealed tasks read from {@code segments}. */
    public static Job readJob(JsonFields f, SegmentSource segments) {
        return JobCodec.readJob(f, segments);
    }

    // ---- nodes

    public static Map<String, Object> toMap(Health h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loadAverage", h.loadAverage());
        m.put("freeMemory", h.freeMemory());
        m.put("freeDisk", h.freeDisk());
        m.put("checkPassed", h.checkPassed());
        m.put("checkMessage", h.checkMessage());
        return m;
    }

    public static Health readHealth(JsonFields f) {
        return new Health(f.doubleValue("loadAverage", 0), f.longValue("freeMemory", 0), f.longValue("freeDisk", 0),
                f.bool("checkPassed", true), f.string("checkMessage", ""));
    }

    public static Map<String, Object> toMap(NodeInfo n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", n.name());
        m.put("host", n.host());
        m.put("state", n.state().name());
        m.put("pbsState", n.state().pbsName());
        m.put("cores", n.cores());
        m.put("coresUsed", n.coresUsed());
        m.put("memory", n.memory());
        m.put("memoryUsed", n.memoryUsed());
        m.put("health", toMap(n.health()));
        m.put("lastHeartbeat", instant(n.lastHeartbeat()));
        m.put("reason", n.reason());
        m.put("tasks", n.tasks());
        m.put("offlineBy", n.offlineBy().name());
        m.put("offlineNote", n.offlineNote());
        m.put("draining", n.draining());
        m.put("version", n.version());
        m.put("properties", new ArrayList<>(n.traits().properties()));
        m.put("hostResources", new LinkedHashMap<>(n.traits().resources()));
        return m;
    }

    public static NodeInfo readNode(JsonFields f) {
        NodeInfo plain = new NodeInfo(f.string("name"), f.string("host", ""), f.enumValue("state", NodeState.class),
                f.intValue("cores"), f.intValue("coresUsed"), f.longValue("memory"), f.longValue("memoryUsed"),
                readHealth(f.object("health")), instant(f, "lastHeartbeat"), f.string("reason", ""),
                f.strings("tasks"));
        return withTraits(withNodeMarks(plain, f), f);
    }

    /** A node written before nodes declared properties and host resources has none. */
    private static NodeInfo withTraits(NodeInfo n, JsonFields f) {
        if (!f.has("properties") && !f.has("hostResources")) {
            return n;
        }
        return n.withTraits(new NodeTraits(new TreeSet<>(f.strings("properties")),
                f.stringMap("hostResources")));
    }

    /** The offline mark and drain of a node; a node written before they existed keeps what its state implies. */
    private static NodeInfo withNodeMarks(NodeInfo n, JsonFields f) {
        if (!f.has("offlineBy")) {
            return n;
        }
        return new NodeInfo(n.name(), n.host(), n.state(), n.cores(), n.coresUsed(), n.memory(), n.memoryUsed(),
                n.health(), n.lastHeartbeat(), n.reason(), n.tasks(), f.enumValue("offlineBy", OfflineOrigin.class),
                f.string("offlineNote", ""), f.bool("draining", false), f.longValue("version", 0));
    }

    // ---- alerts

    public static Map<String, Object> toMap(Alert a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("kind", a.kind().name());
        m.put("subject", a.subject());
        m.put("message", a.message());
        m.put("time", instant(a.time()));
        return m;
    }

    public static Alert readAlert(JsonFields f) {
        return new Alert(f.longValue("id", 0), f.enumValue("kind", Alert.Kind.class), f.string("subject"),
                f.string("message", ""), instant(f, "time"));
    }
}
