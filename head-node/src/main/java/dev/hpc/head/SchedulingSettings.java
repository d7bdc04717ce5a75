package dev.hpc.head;

import dev.hpc.api.HpcException;
import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.NodeTraits;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.QueueDef;
import dev.hpc.head.sched.QueueSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The scheduling part of a head's configuration (docs/scheduling.md): the queues, the default queue,
 * the priority weights, the fair-share half-life and the backfill limits. Read from the head's
 * {@code --config} properties file and validated as a whole at start-up. The file's queues are where a
 * cluster starts; once {@code qmgr} changed them, the queues are part of the replicated, durable state and
 * the file's are no longer read (docs/scheduling.md).
 * {@code hostResources} are the names of string-valued host resources the site declares
 * ({@code host-resources=gpu_model,fabric}), which jobs may ask for even before a worker that has them
 * registers (docs/nodes.md).
 */
public record SchedulingSettings(List<QueueDef> queues, String defaultQueue, Policy policy, Duration halfLife,
                                 Set<String> hostResources) {

    public SchedulingSettings(List<QueueDef> queues, String defaultQueue, Policy policy, Duration halfLife) {
        this(queues, defaultQueue, policy, halfLife, Set.of());
    }

    private static final Set<String> QUEUE_KEYS = QueueSettings.KEYS;

    public SchedulingSettings {
        queues = List.copyOf(queues);
        hostResources = Collections.unmodifiableSortedSet(new TreeSet<>(hostResources));
    }

    /** No queue configured: one open queue, {@code defaultQueue}, with no limits. */
    public static SchedulingSettings defaults(String defaultQueue) {
        return new SchedulingSettings(List.of(), defaultQueue, Policy.DEFAULT, Duration.ofDays(7));
    }

    /** Reads the settings; every problem is named in one exception. */
    public static SchedulingSettings from(Properties file, String defaultQueue) {
        List<String> errors = new ArrayList<>();
        Map<String, Map<String, String>> byQueue = new TreeMap<>();
        for (String key : new TreeSet<>(file.stringPropertyNames())) {
            if (!key.startsWith("queue.")) {
                continue;
            }
            String rest = key.substring("queue.".length());
            int dot = rest.lastIndexOf('.');
            if (dot <= 0) {
                errors.add(key + ": write queue.NAME.SETTING, e.g. queue.batch.max-walltime=24h");
                continue;
            }
            String name = rest.substring(0, dot);
            String setting = rest.substring(dot + 1);
            if (!name.matches("[A-Za-z0-9_][A-Za-z0-9_-]*")) {
                errors.add(key + ": queue name '" + name + "' must be letters, digits, '_' and '-'");
                continue;
            }
            if (!QUEUE_KEYS.contains(setting)) {
                errors.add(key + ": unknown queue setting '" + setting + "'; known: " + new TreeSet<>(QUEUE_KEYS));
                continue;
            }
            byQueue.computeIfAbsent(name, k -> new TreeMap<>()).put(setting, file.getProperty(key).trim());
        }
        List<QueueDef> queues = new ArrayList<>();
        byQueue.forEach((name, settings) -> {
            try {
                queues.add(queue(name, settings));
            } catch (HpcException e) {
                errors.add(e.getMessage());
            }
        });
        for (QueueDef q : queues) {
            for (String target : q.preemptTargets()) {
                if (!byQueue.containsKey(target)) {
                    errors.add("queue." + q.name() + ".preempt-targets names queue '" + target + "', which is not "
                            + "configured; configured queues are " + byQueue.keySet());
                }
            }
        }
        if (!queues.isEmpty() && queues.stream().noneMatch(q -> q.name().equals(defaultQueue))) {
            errors.add("default-queue '" + defaultQueue + "' is not one of the configured queues "
                    + byQueue.keySet() + "; set default-queue= to one of them");
        }
        Policy.Weights w = Policy.Weights.DEFAULT;
        Policy p = Policy.DEFAULT;
        Duration halfLife = Duration.ofDays(7);
        try {
            w = new Policy.Weights(number(file, "priority.weight.job", w.job()),
                    number(file, "priority.weight.queue", w.queue()), number(file, "priority.weight.age", w.age()),
                    number(file, "priority.weight.fairshare", w.fairShare()));
            Duration maxAge = duration("priority.max-age", file.getProperty("priority.max-age", "7d"));
            halfLife = duration("fairshare-half-life", file.getProperty("fairshare-half-life", "7d"));
            if (halfLife.isZero() || maxAge.isZero()) {
                errors.add("fairshare-half-life and priority.max-age must be longer than zero");
            } else {
                p = new Policy(count(file, "sched.max-starts-per-cycle", p.maxStartsPerCycle(), 1),
                        count(file, "sched.reservation-depth", p.reservationDepth(), 0),
                        count(file, "sched.max-tasks-examined", p.maxTasksExamined(), 1), w, maxAge);
            }
        } catch (HpcException | IllegalArgumentException e) {
            errors.add(e.getMessage());
        }
        Set<String> hostResources = new TreeSet<>();
        for (String name : file.getProperty("host-resources", "").split(",")) {
            if (name.isBlank()) {
                continue;
            }
            try {
                hostResources.add(NodeTraits.resourceName(name.trim()));
            } catch (InvalidRequestException e) {
                errors.add("host-resources: " + e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new HpcException("bad scheduling settings in the configuration:\n  - " + String.join("\n  - ",
                    errors));
        }
        return new SchedulingSettings(queues, defaultQueue, p, halfLife, hostResources);
    }

    private static QueueDef queue(String name, Map<String, String> s) {
        return QueueSettings.parse(name, s);
    }

    private static long integer(String key, String v, long min, long max) {
        return QueueSettings.integer(key, v, min, max);
    }

    private static int count(Properties file, String key, int fallback, int min) {
        String v = file.getProperty(key);
        return v == null ? fallback : (int) integer(key, v, min, Integer.MAX_VALUE);
    }

    private static double number(Properties file, String key, double fallback) {
        String v = file.getProperty(key);
        if (v == null) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) {
                throw new HpcException(key + " must be a number of at least 0, got " + v);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new HpcException(key + " must be a number, got '" + v + "'");
        }
    }

    /** A walltime: {@code [[HH:]MM:]SS}, or a duration such as {@code 90m}, {@code 24h}, {@code 7d}; 0 is none. */
    static Duration walltime(String key, String v) {
        return QueueSettings.walltime(key, v);
    }

    /** Durations as people write them: 500ms, 30s, 90m, 24h, 7d, or plain seconds. */
    static Duration duration(String key, String text) {
        return QueueSettings.duration(key, text);
    }
}
