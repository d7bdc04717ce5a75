package dev.hpc.api.job;

import dev.hpc.api.json.JsonFields;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A queue as {@code GET /api/v1/queues} shows it: its definition and how many of its jobs are in each
 * state. A walltime of {@link Duration#ZERO} and a limit of 0 mean "none"; an empty node list means
 * every node. {@code waiting} counts queued jobs deferred by {@code -a} (PBS's W). {@code preemptTargets} are the
 * queues whose jobs this queue's jobs may preempt; {@code preemptMode} ({@code requeue} or {@code cancel}) and
 * {@code preemptGrace} say what becomes of this queue's own jobs when they are preempted. With {@code aclUserEnable}
 * only the users of {@code aclUsers} may put jobs into it.
 */
public record QueueInfo(String name, boolean isDefault, boolean enabled, boolean started, int priority,
                        Duration defaultWalltime, Duration maxWalltime, int maxCoresPerJob, int maxRunningPerUser,
                        List<String> nodes, int queued, int running, int held, int waiting,
                        List<String> preemptTargets, String preemptMode, Duration preemptGrace,
                        boolean aclUserEnable, List<String> aclUsers) {
    public static final String DEFAULT_PREEMPT_MODE = "requeue";
    public static final Duration DEFAULT_PREEMPT_GRACE = Duration.ofSeconds(30);

    public QueueInfo {
        nodes = List.copyOf(nodes);
        preemptTargets = List.copyOf(preemptTargets);
        aclUsers = List.copyOf(aclUsers);
    }

    /** A queue open to every user. */
    public QueueInfo(String name, boolean isDefault, boolean enabled, boolean started, int priority,
                     Duration defaultWalltime, Duration maxWalltime, int maxCoresPerJob, int maxRunningPerUser,
                     List<String> nodes, int queued, int running, int held, int waiting,
                     List<String> preemptTargets, String preemptMode, Duration preemptGrace) {
        this(name, isDefault, enabled, started, priority, defaultWalltime, maxWalltime, maxCoresPerJob,
                maxRunningPerUser, nodes, queued, running, held, waiting, preemptTargets, preemptMode, preemptGrace,
                false, List.of());
    }

    /** A queue that preempts nothing, and whose jobs are requeued after the default grace when preempted. */
    public QueueInfo(String name, boolean isDefault, boolean enabled, boolean started, int priority,
                     Duration defaultWalltime, Duration maxWalltime, int maxCoresPerJob, int maxRunningPerUser,
                     List<String> nodes, int queued, int running, int held, int waiting) {
        this(name, isDefault, enabled, started, priority, defaultWalltime, maxWalltime, maxCoresPerJob,
                maxRunningPerUser, nodes, queued, running, held, waiting, List.of(), DEFAULT_PREEMPT_MODE,
                DEFAULT_PREEMPT_GRACE);
    }

    public int total() {
        return queued + running + held + waiting;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("default", isDefault);
        m.put("enabled", enabled);
        m.put("started", started);
        m.put("priority", priority);
        m.put("defaultWalltimeSeconds", defaultWalltime.toSeconds());
        m.put("maxWalltimeSeconds", maxWalltime.toSeconds());
        m.put("maxCoresPerJob", maxCoresPerJob);
        m.put("maxRunningPerUser", maxRunningPerUser);
        m.put("nodes", nodes);
        m.put("preemptTargets", preemptTargets);
        m.put("preemptMode", preemptMode);
        m.put("preemptGraceSeconds", preemptGrace.toMillis() / 1000.0);
        m.put("aclUserEnable", aclUserEnable);
        m.put("aclUsers", aclUsers);
        Map<String, Object> jobs = new LinkedHashMap<>();
        jobs.put("queued", queued);
        jobs.put("running", running);
        jobs.put("held", held);
        jobs.put("waiting", waiting);
        jobs.put("total", total());
        m.put("jobs", jobs);
        return m;
    }

    public static QueueInfo read(JsonFields f) {
        JsonFields jobs = f.object("jobs");
        return new QueueInfo(f.string("name"), f.bool("default", false), f.bool("enabled", true),
                f.bool("started", true), f.intValue("priority", 0),
                Duration.ofSeconds(f.longValue("defaultWalltimeSeconds", 0)),
                Duration.ofSeconds(f.longValue("maxWalltimeSeconds", 0)), f.intValue("maxCoresPerJob", 0),
                f.intValue("maxRunningPerUser", 0), f.has("nodes") ? f.strings("nodes") : List.of(),
                jobs.intValue("queued", 0), jobs.intValue("running", 0), jobs.intValue("held", 0),
                jobs.intValue("waiting", 0), f.has("preemptTargets") ? f.strings("preemptTargets") : List.of(),
                f.string("preemptMode", DEFAULT_PREEMPT_MODE), f.has("preemptGraceSeconds")
                        ? Duration.ofMillis(Math.round(f.doubleValue("preemptGraceSeconds", 30) * 1000))
                        : DEFAULT_PREEMPT_GRACE, f.bool("aclUserEnable", false),
                f.has("aclUsers") ? f.strings("aclUsers") : List.of());
    }
}
