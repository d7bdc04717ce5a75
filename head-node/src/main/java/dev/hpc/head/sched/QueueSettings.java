package dev.hpc.head.sched;

import dev.hpc.api.HpcException;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.pbs.SubmitLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A queue's settings as text, by the keys of the head's configuration file ({@code queue.NAME.KEY}) and of
 * {@code qmgr}: read into a {@link QueueDef}, and written back from one, so that a change of some settings
 * keeps the others. Also the stored form of the queues that {@code qmgr} changed (docs/scheduling.md).
 */
public final class QueueSettings {
    public static final Set<String> KEYS = Set.of("priority", "default-walltime", "max-walltime",
            "max-cores-per-job", "max-running-per-user", "nodes", "enabled", "started", "preempt-targets", "preempt-mode",
            "preempt-grace", "acl-user-enable", "acl-users");

    private QueueSettings() {
    }

    /** The queue {@code name} with these settings; a missing one takes its default. Errors name the key. */
    public static QueueDef parse(String name, Map<String, String> s) {
        if (!name.matches("[A-Za-z0-9_][A-Za-z0-9_-]*")) {
            throw new HpcException("queue name '" + name + "' must be letters, digits, '_' and '-'");
        }
        for (String key : s.keySet()) {
            if (!KEYS.contains(key)) {
                throw new HpcException("unknown queue setting '" + key + "'; known: " + new TreeSet<>(KEYS));
            }
        }
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
        Set<String> targets = new TreeSet<>();
        for (String t : s.getOrDefault("preempt-targets", "").split(",")) {
            String target = t.trim();
            if (target.isEmpty() || target.equalsIgnoreCase("none")) {
                continue;
            }
            if (target.equals(name)) {
                throw new HpcException(prefix + "preempt-targets names the queue itself; a queue never preempts its "
                        + "own jobs: list lower queues only");
            }
            if (!target.matches("[A-Za-z0-9_][A-Za-z0-9_-]*")) {
                throw new HpcException(prefix + "preempt-targets: '" + target + "' is no queue name; list queue "
                        + "names separated by commas, e.g. low,batch");
            }
            targets.add(target);
        }
        QueueDef.PreemptMode mode = switch (s.getOrDefault("preempt-mode", "requeue").trim().toLowerCase(Locale.ROOT)) {
            case "requeue" -> QueueDef.PreemptMode.REQUEUE;
            case "cancel" -> QueueDef.PreemptMode.CANCEL;
            default -> throw new HpcException(prefix + "preempt-mode must be requeue or cancel, got '"
                    + s.get("preempt-mode") + "'");
        };
        Duration grace = duration(prefix + "preempt-grace", s.getOrDefault("preempt-grace",
                QueueDef.DEFAULT_PREEMPT_GRACE.toSeconds() + "s"));
        return new QueueDef(name, priority, nodes, def, max, maxCores, maxRunning,
                bool(prefix + "enabled", s.getOrDefault("enabled", "true")),
                bool(prefix + "started", s.getOrDefault("started", "true")), targets, mode, grace,
                bool(prefix + "acl-user-enable", s.getOrDefault("acl-user-enable", "false")),
                users(prefix + "acl-users", s.getOrDefault("acl-users", "")));
    }

    /**
     * A user list ({@code acl-users}): names separated by commas. PBS's {@code +user}/{@code -user} entries (allow
     * or deny) and {@code user@host} are refused rather than read as names, so that a list means what it says.
     */
    public static Set<String> users(String key, String list) {
        Set<String> users = new TreeSet<>();
        for (String u : list.split(",")) {
            String user = u.trim();
            if (user.isEmpty()) {
                continue;
            }
            if (!SubmitLimits.USER_NAME.matcher(user).matches()) {
                throw new HpcException(key + ": '" + user + "' is not a user name; list user names separated by "
                        + "commas, e.g. alice,bob (no +/- entries or @host: the list names who may submit; use += "
                        + "and -= to add or remove names)");
            }
            users.add(user);
        }
        return users;
    }

    /** The settings of {@code q} as text, every key written, so that {@link #parse} gives {@code q} back. */
    public static Map<String, String> of(QueueDef q) {
        Map<String, String> s = new TreeMap<>();
        s.put("priority", String.valueOf(q.priority()));
        s.put("default-walltime", q.defaultWalltime().toSeconds() + "s");
        s.put("max-walltime", q.maxWalltime().toSeconds() + "s");
        s.put("max-cores-per-job", String.valueOf(q.maxCoresPerJob()));
        s.put("max-running-per-user", String.valueOf(q.maxRunningPerUser()));
        s.put("nodes", q.nodes().isEmpty() ? "*" : String.join(",", q.nodes()));
        s.put("enabled", String.valueOf(q.enabled()));
        s.put("started", String.valueOf(q.started()));
        s.put("preempt-targets", String.join(",", q.preemptTargets()));
        s.put("preempt-mode", q.preemptMode().name().toLowerCase(Locale.ROOT));
        s.put("preempt-grace", q.preemptGrace().toMillis() + "ms");
        s.put("acl-user-enable", String.valueOf(q.aclUserEnable()));
        s.put("acl-users", String.join(",", q.aclUsers()));
        return s;
    }

    /** The queues and the default queue as stored and replicated once {@code qmgr} changed them. */
    public static String body(List<QueueDef> queues, String defaultQueue, long version) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", version);
        m.put("default", defaultQueue);
        List<Object> list = new ArrayList<>();
        for (QueueDef q : queues) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("name", q.name());
            one.put("settings", new LinkedHashMap<>(of(q)));
            list.add(one);
        }
        m.put("queues", list);
        return Json.write(m);
    }

    /** What {@link #body} wrote. */
    public record Stored(List<QueueDef> queues, String defaultQueue, long version) {
    }

    public static Stored read(String body) {
        JsonFields f = Json.readObject(body);
        List<QueueDef> queues = new ArrayList<>();
        for (JsonFields q : f.objects("queues")) {
            Map<String, String> settings = new TreeMap<>();
            q.object("settings").raw().forEach((k, v) -> settings.put(String.valueOf(k), String.valueOf(v)));
            queues.add(parse(q.string("name"), settings));
        }
        return new Stored(queues, f.string("default"), f.longValue("version"));
    }

    static boolean bool(String key, String v) {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new HpcException(key + " must be true or false, got '" + v + "'");
        };
    }

    public static long integer(String key, String v, long min, long max) {
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

    /** A walltime: {@code [[HH:]MM:]SS}, or a duration such as {@code 90m}, {@code 24h}, {@code 7d}; 0 is none. */
    public static Duration walltime(String key, String v) {
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
    public static Duration duration(String key, String text) {
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
