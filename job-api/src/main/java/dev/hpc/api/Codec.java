package dev.hpc.api;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON form of every record in this package: {@code toMap} gives maps and lists ready for
 * {@link Json#write}, {@code read*} builds the record back and names the field at fault when the
 * input is wrong. Times are ISO-8601 strings, durations whole seconds, sizes bytes.
 */
public final class Codec {
    private Codec() {
    }

    // ---- small values

    static String instant(Instant i) {
        return i.toString();
    }

    static Instant instant(JsonFields f, String field) {
        String s = f.string(field);
        try {
            return Instant.parse(s);
        } catch (java.time.format.DateTimeParseException e) {
            throw new InvalidRequestException("field '" + field + "' must be an ISO-8601 instant, got '" + s + "'");
        }
    }

    // ---- resources and spec

    public static Map<String, Object> toMap(Resources r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nodes", r.nodes());
        m.put("coresPerNode", r.coresPerNode());
        m.put("memoryPerNode", r.memoryPerNode());
        m.put("walltimeSeconds", r.walltime().toSeconds());
        m.put("mpiprocsPerNode", r.mpiprocsPerNode());
        m.put("generic", new LinkedHashMap<>(r.generic()));
        // left out when empty: a body written before node constraints existed reads the same
        if (!r.constraint().anyOf().isEmpty()) {
            m.put("properties", r.constraint().features());
        }
        if (!r.constraint().resources().isEmpty()) {
            m.put("hostResources", new LinkedHashMap<>(r.constraint().resources()));
        }
        // likewise left out when any node, shared: a body written before issue 18 reads the same
        if (r.access().exclusive()) {
            m.put("exclusive", r.access().sharing() == NodeAccess.Sharing.USER ? "user" : "node");
        }
        if (!r.access().required().isEmpty()) {
            m.put("nodeList", new ArrayList<>(r.access().required()));
        }
        if (!r.access().excluded().isEmpty()) {
            m.put("excludeNodes", new ArrayList<>(r.access().excluded()));
        }
        return m;
    }

    public static Resources readResources(JsonFields f) {
        f.allowOnly(java.util.Set.of("nodes", "coresPerNode", "memoryPerNode", "walltimeSeconds", "mpiprocsPerNode",
                "generic", "properties", "hostResources", "exclusive", "nodeList", "excludeNodes"));
        long walltime = f.longValue("walltimeSeconds", 0);
        if (walltime < 0) {
            throw new InvalidRequestException("field 'walltimeSeconds' must not be negative");
        }
        return new Resources(f.intValue("nodes", 1), f.intValue("coresPerNode", 1), f.longValue("memoryPerNode", 0),
                Duration.ofSeconds(walltime), f.intValue("mpiprocsPerNode", 1), f.longMap("generic"),
                readConstraint(f), readAccess(f));
    }

    /** {@code "exclusive": "node"|"user"}, {@code "nodeList"} and {@code "excludeNodes"} (node names), all optional. */
    private static NodeAccess readAccess(JsonFields f) {
        NodeAccess.Sharing sharing = switch (f.string("exclusive", "")) {
            case "" -> NodeAccess.Sharing.SHARED;
            case "node" -> NodeAccess.Sharing.EXCLUSIVE;
            case "user" -> NodeAccess.Sharing.USER;
            default -> throw new InvalidRequestException("field 'exclusive' must be \"node\" (nodes of the job's own) "
                    + "or \"user\" (shared only with the owner's jobs), got '" + f.string("exclusive") + "'");
        };
        return new NodeAccess(sharing, new java.util.TreeSet<>(f.strings("nodeList")),
                new java.util.TreeSet<>(f.strings("excludeNodes")));
    }

    /** {@code "properties": "ib&bigmem|opa"} and {@code "hostResources": {"gpu_model": "v100"}}, both optional. */
    private static NodeConstraint readConstraint(JsonFields f) {
        NodeConstraint c = NodeConstraint.NONE;
        String properties = f.string("properties", "");
        if (!properties.isEmpty()) {
            try {
                c = NodeConstraint.parseFeatures(properties);
            } catch (InvalidRequestException e) {
                throw new InvalidRequestException("field 'properties': " + e.getMessage());
            }
        }
        for (Map.Entry<String, String> e : f.stringMap("hostResources").entrySet()) {
            try {
                c = c.and(NodeConstraint.resource(e.getKey(), e.getValue()));
            } catch (InvalidRequestException x) {
                throw new InvalidRequestException("field 'hostResources': " + x.getMessage());
            }
        }
        return c;
    }

    public static Map<String, Object> toMap(JobSpec s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("owner", s.owner());
        m.put("submitHost", s.submitHost());
        m.put("script", s.script());
        m.put("submitDir", s.submitDir());
        m.put("workDir", s.workDir());
        m.put("environment", new LinkedHashMap<>(s.environment()));
        m.put("queue", s.queue());
        m.put("resources", toMap(s.resources()));
        s.array().ifPresent(a -> {
            Map<String, Object> am = new LinkedHashMap<>();
            am.put("expression", a.expression());
            am.put("indices", a.indexSet().toString());
            am.put("throttle", a.throttle());
            m.put("array", am);
        });
        List<Object> deps = new ArrayList<>();
        for (Dependency d : s.dependencies()) {
            Map<String, Object> dm = new LinkedHashMap<>();
            dm.put("type", d.type().name());
            dm.put("jobs", d.jobNumbers());
            deps.add(dm);
        }
        m.put("dependencies", deps);
        m.put("userHold", s.userHold());
        m.put("priority", s.priority());
        m.put("rerunnable", s.rerunnable());
        m.put("stdoutPath", s.stdoutPath());
        m.put("stderrPath", s.stderrPath());
        m.put("join", s.join().name());
        m.put("mailPoints", s.mailPoints());
        m.put("mailUsers", s.mailUsers());
        m.put("account", s.account());
        m.put("notBefore", instant(s.notBefore()));
        if (!s.submitKey().isEmpty()) {
            m.put("submitKey", s.submitKey());
        }
        // left out when empty, so that a body stays what it was before issue 18 for a job that recorded nothing
        if (!s.recorded().isEmpty()) {
            m.put("recorded", new LinkedHashMap<>(s.recorded()));
        }
        return m;
    }

    public static JobSpec readSpec(JsonFields f) {
        Optional<ArraySpec> array = Optional.empty();
        if (f.has("array")) {
            JsonFields a = f.object("array");
            array = Optional.of(new ArraySpec(a.string("expression"), readIndices(a, "indices"),
                    a.intValue("throttle", 0)));
        }
        List<Dependency> deps = new ArrayList<>();
        for (JsonFields d : f.objects("dependencies")) {
            deps.add(new Dependency(d.enumValue("type", DependencyType.class), d.longs("jobs")));
        }
        return new JobSpec(f.string("name"), f.string("owner"), f.string("submitHost", ""), f.string("script"),
                f.string("submitDir"), f.string("workDir"), f.stringMap("environment"), f.string("queue"),
                readResources(f.object("resources")), array, deps, f.bool("userHold", false),
                f.intValue("priority", 0), f.bool("rerunnable", true), f.string("stdoutPath", ""),
                f.string("stderrPath", ""), f.has("join") ? f.enumValue("join", JoinMode.class) : JoinMode.NONE,
                f.string("mailPoints", ""), f.strings("mailUsers"), f.string("account", ""),
                f.has("notBefore") ? instant(f, "notBefore") : Instant.EPOCH, f.string("submitKey", ""),
                f.stringMap("recorded"));
    }

    /**
     * Indices in their text form ({@code 0-999999}); bodies written before that form listed every index as a
     * number, and are read as well.
     */
    static IndexSet readIndices(JsonFields f, String field) {
        if (f.raw().get(field) instanceof String text) {
            return IndexSet.parse(text);
        }
        List<Integer> indices = new ArrayList<>();
        for (Long l : f.longs(field)) {
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw new InvalidRequestException("field '" + field + "' holds " + l + ", which is no array index");
            }
            indices.add(l.intValue());
        }
        return IndexSet.copyOf(indices);
    }

    public static Map<String, Object> toMap(SubmitRequest r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("script", r.script());
        m.put("options", r.options());
        m.put("user", r.user());
        m.put("submitHost", r.submitHost());
        m.put("submitDir", r.submitDir());
        m.put("environment", new LinkedHashMap<>(r.clientEnvironment()));
        return m;
    }

    public static SubmitRequest readSubmitRequest(JsonFields f) {
        f.allowOnly(java.util.Set.of("script", "options", "user", "submitHost", "submitDir", "environment"));
        return new SubmitRequest(f.string("script"), f.strings("options"), f.string("user", ""),
                f.string("submitHost", ""), f.string("submitDir", ""), f.stringMap("environment"));
    }

    // ---- jobs and tasks

    public static Map<String, Object> toMap(NodeSlot s) {
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

    static List<Object> slots(List<NodeSlot> slots) {
        List<Object> out = new ArrayList<>();
        for (NodeSlot s : slots) {
            out.add(toMap(s));
        }
        return out;
    }

    static List<NodeSlot> readSlots(JsonFields f, String field) {
        List<NodeSlot> out = new ArrayList<>();
        for (JsonFields s : f.objects(field)) {
            out.add(readSlot(s));
        }
        return out;
    }

    public static Map<String, Object> toMap(Attempt a) {
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

    public static Map<String, Object> toMap(Task t) {
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

    public static Task readTask(JsonFields f) {
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
    public static Map<String, Object> toMap(Job j, boolean includeScript) {
        return toMap(j, includeScript, false);
    }

    /**
     * A job in a listing that asked for summaries ({@code GET /api/v1/jobs?tasks=summary}, plain {@code qstat}): an
     * array's sealed tasks are left out but for the few that decide its figures (first start, last end, first
     * non-zero exit status, end reason), and counted in {@code "sealedTasks"}. So one user's array of a million
     * ended tasks does not make every user's listing that long; the job's state, times and exit status read the
     * same as from the whole job. Ask for the job itself for every task.
     */
    public static Map<String, Object> toListingMap(Job j) {
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
        Map<String, Integer> byState = new java.util.TreeMap<>();
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

    /**
     * A job as the head stores and replicates it: its sealed tasks are left out and only counted
     * ({@code "segments"}); each {@link TaskSegment} is stored once, on its own ({@link #toMap(TaskSegment)}).
     * Read it back with {@link #readJob(JsonFields, SegmentSource)}.
     */
    public static Map<String, Object> toStoredMap(Job j) {
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
        Map<String, Object> spec = toMap(j.spec());
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
    public static Map<String, Object> toMap(TaskSegment s) {
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

    public static TaskSegment readSegment(JsonFields f) {
        List<Task> tasks = new ArrayList<>();
        for (JsonFields t : f.objects("tasks")) {
            tasks.add(readTask(t));
        }
        return new TaskSegment(f.longValue("job"), f.intValue("number"), f.longValue("version", 0), tasks);
    }

    /** Where a stored job's sealed tasks are read from: the store's table, or the replicated map. */
    public interface SegmentSource {
        /** Segments 0 to {@code count - 1} of job {@code job}, in order; fails when one is missing. */
        List<TaskSegment> segments(long job, int count);
    }

    /** An array's unstarted tasks: their indices in text form, how many, and the form they share. */
    public static Map<String, Object> toMap(UnstartedTasks u) {
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
        return new UnstartedTasks(readIndices(f, "indices"), f.enumValue("state", JobState.class),
                f.string("holds", ""), f.string("comment", ""), f.intValue("exitStatus", 0),
                f.enumValue("reason", EndReason.class), instant(f, "end"),
                f.has("estimatedStart") ? instant(f, "estimatedStart") : Instant.EPOCH);
    }

    /** A job as the REST API gives it; a stored body whose tasks are sealed apart needs its segments. */
    public static Job readJob(JsonFields f) {
        return readJob(f, (job, count) -> {
            throw new InvalidRequestException("job " + job + " has " + count + " segments of sealed tasks stored apart "
                    + "from its body; read it with its segments");
        });
    }

    /** A job as the REST API gives it or as the head stores it, its sealed tasks read from {@code segments}. */
    public static Job readJob(JsonFields f, SegmentSource segments) {
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
            return readSpec(f);
        }
        Map<String, Object> copy = new LinkedHashMap<>();
        f.raw().forEach((k, v) -> copy.put(String.valueOf(k), v));
        for (String withheld : List.of("script", "submitDir", "workDir")) {
            copy.putIfAbsent(withheld, "");
        }
        return readSpec(JsonFields.of(copy));
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
        return n.withTraits(new NodeTraits(new java.util.TreeSet<>(f.strings("properties")),
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
