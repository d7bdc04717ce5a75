package dev.hpc.head.state;

import dev.hpc.api.HpcException;
import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.QueueInfo;
import dev.hpc.api.pbs.SubmitLimits;
import dev.hpc.head.sched.QueueDef;
import dev.hpc.head.sched.QueueSettings;
import dev.hpc.head.sched.Reservation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToLongFunction;

/**
 * The queues (docs/scheduling.md): those of the configuration, or those {@code qmgr} committed, which win over
 * the file's; and {@code qmgr}'s changes to them, checked whole before any is made.
 */
final class Queues {
    private final Versions versions;
    /** The configured queues by name; empty: one open queue for every name. */
    private final TreeMap<String, QueueDef> queueDefs = new TreeMap<>();
    private String defaultQueue = "batch";
    /** The version of the queues {@code qmgr} committed; 0 while they are the configuration file's. */
    private long queuesVersion;

    Queues(Versions versions) {
        this.versions = versions;
    }

    /** The queues by name, as they are now; empty when none is configured. */
    Map<String, QueueDef> defs() {
        return Collections.unmodifiableMap(queueDefs);
    }

    /** The names jobs may be counted under: every queue, the default among them even when none is configured. */
    Set<String> knownNames() {
        Set<String> known = new TreeSet<>(queueDefs.keySet());
        known.add(defaultQueue);
        return known;
    }

    /**
     * The queues of the head's configuration; {@code defaultName} takes jobs that name none. With no
     * queue at all, every queue name is accepted and none has limits.
     */
    void use(List<QueueDef> defs, String defaultName) {
        queueDefs.clear();
        for (QueueDef q : defs) {
            queueDefs.put(q.name(), q);
        }
        defaultQueue = defaultName;
    }

    /** The queue of a job that names none: the configuration's, or the one {@code qmgr} made the default. */
    String defaultName() {
        return defaultQueue;
    }

    /** Whether the queues are those {@code qmgr} committed, which win over the configuration file's. */
    boolean committed() {
        return queuesVersion > 0;
    }

    /** The queues {@code qmgr} committed, as the store or a replica holds them ({@link QueueSettings#body}). */
    void restore(String body) {
        QueueSettings.Stored stored = QueueSettings.read(body);
        use(stored.queues(), stored.defaultQueue());
        queuesVersion = stored.version();
    }

    /** The committed queues' body, when {@code qmgr} made them; for a recommit of everything. */
    Optional<String> committedBody() {
        return committed() ? Optional.of(QueueSettings.body(List.copyOf(queueDefs.values()),
                defaultQueue, queuesVersion)) : Optional.empty();
    }

    String change(Command.ChangeQueue c, ToLongFunction<String> liveJobsIn) {
        TreeMap<String, QueueDef> next = new TreeMap<>(queueDefs);
        if (next.isEmpty()) {
            // no queue configured means one open queue, the default: qmgr starts from that
            next.put(defaultQueue, QueueDef.open(defaultQueue));
        }
        String name = c.queue();
        QueueDef current = next.get(name);
        String nextDefault = defaultQueue;
        try {
            switch (c.change()) {
                case CREATE -> {
                    if (current != null) {
                        throw Rejection.notAllowed("queue '" + name + "' exists already; change it with set "
                                + "queue " + name + " ...");
                    }
                    // qsub -q's limit; a longer default queue would put jobs that the store refuses. Checked here
                    // only: queues a head loads (stored, or from its configuration) are kept as they are
                    if (name.length() > SubmitLimits.MAX_QUEUE_NAME_CHARS) {
                        throw new InvalidRequestException("a queue name must be at most "
                                + SubmitLimits.MAX_QUEUE_NAME_CHARS + " characters long, got " + name.length());
                    }
                    Map<String, String> settings = new TreeMap<>(c.set());
                    changeLists(name, settings, c.add(), c.remove());
                    next.put(name, QueueSettings.parse(name, settings));
                }
                case SET -> {
                    Map<String, String> settings = new TreeMap<>(QueueSettings.of(requireQueue(current, name,
                            next)));
                    settings.putAll(c.set());
                    Map<String, String> defaults = QueueSettings.of(QueueDef.open(name));
                    for (String key : c.unset()) {
                        if (!QueueSettings.KEYS.contains(key)) {
                            throw new InvalidRequestException("unknown queue setting '" + key + "'; known: "
                                    + new TreeSet<>(QueueSettings.KEYS));
                        }
                        settings.put(key, defaults.get(key));
                    }
                    changeLists(name, settings, c.add(), c.remove());
                    next.put(name, QueueSettings.parse(name, settings));
                }
                case DELETE -> {
                    requireQueue(current, name, next);
                    if (name.equals(defaultQueue)) {
                        throw Rejection.notAllowed("queue '" + name + "' is the default queue; make another "
                                + "queue the default first (set server default_queue = OTHER)");
                    }
                    long live = liveJobsIn.applyAsLong(name);
                    if (live > 0) {
                        throw Rejection.notAllowed("queue '" + name + "' is not empty: " + live
                                + " of its jobs are queued, held or running; move them (qmove) or let them end");
                    }
                    next.remove(name);
                }
                case MAKE_DEFAULT -> {
                    requireQueue(current, name, next);
                    nextDefault = name;
                }
            }
            QueueDef changed = next.get(name);
            if (changed != null) {
                for (String target : changed.preemptTargets()) {
                    if (!next.containsKey(target)) {
                        throw Rejection.badRequest("preempt_targets of queue '" + name + "' names queue '"
                                + target + "', which does not exist; queues are: " + String.join(", ", next.keySet()));
                    }
                }
            }
        } catch (HpcException e) {
            if (e instanceof Rejection) {
                throw e;
            }
            throw Rejection.badRequest(e.getMessage());
        }
        queueDefs.clear();
        queueDefs.putAll(next);
        defaultQueue = nextDefault;
        queuesVersion = versions.after(queuesVersion);
        return QueueSettings.body(List.copyOf(queueDefs.values()), defaultQueue, queuesVersion);
    }

    /** Settings whose value is a list of names that {@code qmgr}'s {@code +=} and {@code -=} change. */
    private static final Set<String> LIST_SETTINGS = Set.of("acl-users", "preempt-targets");

    /**
     * Applies {@code +=} and {@code -=} to the list settings of a queue, against the lists as they stand in the
     * state (not as the client last saw them), so that two administrators adding names at once both count.
     */
    private static void changeLists(String queue, Map<String, String> settings, Map<String, String> add,
                                    Map<String, String> remove) {
        for (String key : new TreeSet<>(add.keySet())) {
            requireListSetting(key);
            TreeSet<String> list = nameList(settings.getOrDefault(key, ""));
            list.addAll(nameList(add.get(key)));
            settings.put(key, String.join(",", list));
        }
        for (String key : new TreeSet<>(remove.keySet())) {
            requireListSetting(key);
            TreeSet<String> list = nameList(settings.getOrDefault(key, ""));
            for (String n : nameList(remove.get(key))) {
                if (!list.remove(n)) {
                    throw Rejection.badRequest(key + " of queue '" + queue + "' does not list '" + n
                            + "' (it lists: " + (list.isEmpty() ? "nobody" : String.join(",", list))
                            + "); name what is there to remove it");
                }
            }
            settings.put(key, String.join(",", list));
        }
    }

    private static void requireListSetting(String key) {
        if (!LIST_SETTINGS.contains(key)) {
            throw Rejection.badRequest("'" + key + "' is not a list: += and -= change "
                    + new TreeSet<>(LIST_SETTINGS) + " only; set other settings with =");
        }
    }

    private static TreeSet<String> nameList(String list) {
        TreeSet<String> out = new TreeSet<>();
        for (String n : list.split(",")) {
            if (!n.isBlank() && !n.trim().equalsIgnoreCase("none")) {
                out.add(n.trim());
            }
        }
        return out;
    }

    private static QueueDef requireQueue(QueueDef q, String name,
                                                            Map<String, QueueDef> all) {
        if (q == null) {
            throw Rejection.notAllowed("queue '" + name + "' does not exist; queues are: "
                    + String.join(", ", all.keySet()));
        }
        return q;
    }

    /** The queues with the counts of their jobs, for {@code qstat -Q}; one open queue when none is configured. */
    List<QueueInfo> infos(Collection<JobEntry> jobs, Collection<Reservation> reservations, Instant now) {
        Map<String, int[]> counts = new TreeMap<>();
        for (JobEntry e : jobs) {
            JobState st = e.state();
            if (st.isTerminal()) {
                continue;
            }
            int[] c = counts.computeIfAbsent(e.spec.queue(), k -> new int[4]);
            switch (st) {
                case RUNNING -> c[1]++;
                case HELD -> c[2]++;
                default -> c[now.isBefore(e.spec.notBefore()) ? 3 : 0]++;
            }
        }
        List<QueueDef> defs = new ArrayList<>(queueDefs.values());
        if (defs.isEmpty()) {
            defs.add(QueueDef.open(defaultQueue));
        }
        List<QueueInfo> out = new ArrayList<>();
        for (QueueDef q : defs) {
            int[] c = counts.getOrDefault(q.name(), new int[4]);
            out.add(new QueueInfo(q.name(), q.name().equals(defaultQueue), q.enabled(), q.started(),
                    q.priority(), q.defaultWalltime(), q.maxWalltime(), q.maxCoresPerJob(), q.maxRunningPerUser(),
                    new ArrayList<>(q.nodes()), c[0], c[1], c[2], c[3], new ArrayList<>(q.preemptTargets()),
                    q.preemptMode().name().toLowerCase(Locale.ROOT), q.preemptGrace(), q.aclUserEnable(),
                    new ArrayList<>(q.aclUsers())));
        }
        for (Reservation r : reservations) {
            int[] c = counts.getOrDefault(r.queue(), new int[4]);
            // started only in its window: before it, its jobs wait
            out.add(new QueueInfo(r.queue(), false, true, r.activeAt(now), 0, Duration.ZERO,
                    Duration.between(r.start(), r.end()), r.coresPerNode() * r.nodes().size(), 0,
                    new ArrayList<>(r.nodes()), c[0], c[1], c[2], c[3]));
        }
        return out;
    }

    List<String> enabled() {
        List<String> out = new ArrayList<>();
        queueDefs.values().forEach(q -> {
            if (q.enabled()) {
                out.add(q.name());
            }
        });
        return out;
    }

    Optional<QueueDef> find(String name) {
        return Optional.ofNullable(queueDefs.get(name));
    }
}
