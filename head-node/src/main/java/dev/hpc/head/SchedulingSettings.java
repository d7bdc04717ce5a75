package dev.hpc.head;

import dev.hpc.api.HpcException;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.QueueDef;
import java.time.Duration;
import java.util.ArrayList;
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
 * {@code --config} properties file and validated as a whole at start-up. Queues are not replicated:
 * every head of a cluster must be given the same file. {@code hostResources} are the names of
 * string-valued host resources the site declares ({@code host-resources=gpu_model,fabric}), which
 * jobs may ask for even before a worker that has them registers (docs/nodes.md).
 */
public record SchedulingSettings(List<QueueDef> queues, String defaultQueue, Policy policy, Duration halfLife,
                                 Set<String> hostResources) {

    public SchedulingSettings(List<QueueDef> queues, String defaultQueue, Policy policy, Duration halfLife) {
        this(queues, defaultQueue, policy, halfLife, Set.of());
    }

    private static final Set<String> QUEUE_KEYS = Set.of("priority", "default-walltime", "max-walltime",
            "max-cores-per-job", "max-running-per-user", "nodes", "enabled", "started");

    public SchedulingSettings {
        queues = List.copyOf(queues);
        hostResources = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(hostResources));
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
                hostResources.add(dev.hpc.api.NodeTraits.resourceName(name.trim()));
            } catch (dev.hpc.api.InvalidRequestException e) {
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
        String prefix = "queue." + name + ".";
        int priority = (int) integer(prefix + "priority", s.getOrDefault("priority", "0"), -1024, 1023);
        Duration def = walltime(prefix + "default-walltime", s.getOrDefault("default-walltime", "0"));
        Duration max = walltime(prefix + "max-walltime", s.getOrDefault("max-walltime", "0"));
        if (!max.isZero() && def.compareTo(max) > 0) {
            throw new HpcException(prefix + "default-walltime (" + def + ") is longer than its max-walltime ("
                    + max + ")");
        }
        int maxCores = (int) integer(prefix + "max-cores-per-job", s.getOrDefault("max-cores-per-job", "0"), 0,
                Integer.MAX_VALUE);
        int maxRunning = (int) integer(prefix + "max-running-per-user", s.getOrDefault("max-running-per-user", "0"),
                0, Integer.MAX_VALUE);
        Set<String> nodes = new TreeSet<>();
        String nodeList = s.getOrDefault("nodes", "*").trim();
        if (!nodeList.equals("*")) {
            for (String n : nodeList.split(",")) {
                if (!n.isBlank()) {
                    nodes.add(n.trim());
                }
            }
            if (nodes.isEmpty()) {
                throw new HpcException(prefix + "nodes is empty; list node names separated by commas, or * for all");
            }
        }
        return new QueueDef(name, priority, nodes, def, max, maxCores, maxRunning,
                bool(prefix + "enabled", s.getOrDefault("enabled", "true")),
                bool(prefix + "started", s.getOrDefault("started", "true")));
    }

    private static boolean bool(String key, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new HpcException(key + " must be true or false, got '" + v + "'");
        };
    }

    private static long integer(String key, String v, long min, long max) {
        try {
            long n = Long.parseLong(v.trim());
            if (n < min || n > max) {
                throw new HpcException(key + " must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new HpcException(key + " must be a whole number, got '" + v + "'");
        }
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
        String t = v.trim();
        if (t.matches("\\d+(:\\d+){1,3}")) {
            String[] parts = t.split(":");
            long seconds = 0;
            long[] unit = {1, 60, 3600, 86400};
            for (int i = 0; i < parts.length; i++) {
                seconds += Long.parseLong(parts[parts.length - 1 - i]) * unit[i];
            }
            return Duration.ofSeconds(seconds);
        }
        return duration(key, t);
    }

    /** Durations as people write them: 500ms, 30s, 90m, 24h, 7d, or plain seconds. */
    static Duration duration(String key, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            char unit = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
            String number = Character.isDigit(unit) ? t : t.substring(0, t.length() - 1);
            long n = Long.parseLong(number);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return switch (unit) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> {
                    if (!Character.isDigit(unit)) {
                        throw new NumberFormatException();
                    }
                    yield Duration.ofSeconds(n);
                }
            };
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new HpcException(key + " must be a duration like 30s, 90m, 24h or 7d (or HH:MM:SS), got '" + text
                    + "'");
        }
    }
}
