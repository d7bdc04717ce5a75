package dev.hpc.cli;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.job.QueueInfo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qmgr -c "DIRECTIVE"}, or directives on standard input, one per line: PBS's queue administration.
 * {@code create queue NAME [ATTR = VALUE, ...]}, {@code set queue NAME ATTR = VALUE[, ...]}, {@code unset queue
 * NAME ATTR[, ...]}, {@code delete queue NAME}, {@code list queue [NAME]}, {@code print queue [NAME]}, {@code set
 * server default_queue = NAME}, {@code list server}, {@code print server}; the words may be abbreviated as PBS
 * allows ({@code c q}, {@code s q}, ...). A change is committed by the active head, replicated and durable, and
 * takes effect at once: no restart, no file to copy to every head.
 */
@Command(name = "qmgr", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
        usageHelpAutoWidth = true, description = {"Create, change, delete and list queues, as PBS's qmgr does.",
                "Changes take effect at once on every head; only administrators may make them."},
        footer = {"", "Queue attributes: enabled, started, Priority, resources_max.walltime, "
                + "resources_default.walltime, resources_max.ncpus, max_user_run, queue_type (Execution), and "
                + "nodes (the nodes the queue may use, comma-separated, or *), preempt_targets (the lower queues "
                + "whose jobs this queue's jobs may preempt, comma-separated), preempt_mode (requeue or cancel: "
                + "what becomes of this queue's jobs when preempted) and preempt_grace (seconds from SIGTERM to "
                + "SIGKILL for them), acl_user_enable and acl_users (only the users listed may put jobs into the "
                + "queue; += and -= add and remove names).",
                "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered."})
public final class QmgrCommand implements Callable<Integer> {
    /** PBS's queue attributes and ours (the configuration file's keys), by the key the head knows. */
    private static final Map<String, String> ATTRIBUTES = Map.ofEntries(
            Map.entry("enabled", "enabled"), Map.entry("started", "started"), Map.entry("priority", "priority"),
            Map.entry("resources_max.walltime", "max-walltime"),
            Map.entry("resources_default.walltime", "default-walltime"),
            Map.entry("resources_max.ncpus", "max-cores-per-job"), Map.entry("max_user_run", "max-running-per-user"),
            Map.entry("nodes", "nodes"), Map.entry("max-walltime", "max-walltime"),
            Map.entry("default-walltime", "default-walltime"), Map.entry("max-cores-per-job", "max-cores-per-job"),
            Map.entry("max-running-per-user", "max-running-per-user"),
            Map.entry("preempt_targets", "preempt-targets"), Map.entry("preempt_mode", "preempt-mode"),
            Map.entry("preempt_grace", "preempt-grace"), Map.entry("preempt-targets", "preempt-targets"),
            Map.entry("preempt-mode", "preempt-mode"), Map.entry("preempt-grace", "preempt-grace"),
            Map.entry("acl_user_enable", "acl-user-enable"), Map.entry("acl_users", "acl-users"),
            Map.entry("acl-user-enable", "acl-user-enable"), Map.entry("acl-users", "acl-users"));

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "-c", paramLabel = "DIRECTIVE", description = "run this directive; without -c, directives are "
            + "read from standard input, one per line")
    String directive;

    /**
     * One directive, parsed: what to do, to what, and the attributes named: set with {@code =}, added to with
     * {@code +=}, taken from with {@code -=}, or unset.
     */
    record Directive(String verb, String object, String name, Map<String, String> set, List<String> unset,
                     Map<String, String> add, Map<String, String> remove) {
        Directive(String verb, String object, String name, Map<String, String> set, List<String> unset) {
            this(verb, object, name, set, unset, Map.of(), Map.of());
        }
    }

    @Override
    public Integer call() {
        List<String> lines = new ArrayList<>();
        if (directive != null) {
            lines.add(directive);
        } else {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read directives from standard input: " + e.getMessage(), e);
            }
        }
        HeadClient head = null;
        PrintWriter out = spec.commandLine().getOut();
        for (String line : lines) {
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            Directive d = parse(text);
            if (d.verb().equals("quit")) {
                break;
            }
            head = head == null ? client.client() : head;
            run(head, d, out);
        }
        out.flush();
        return ExitCodes.OK;
    }

    static Directive parse(String text) {
        String[] words = text.strip().split("\\s+", 4);
        String verb = verb(words[0], text);
        if (verb.equals("quit")) {
            return new Directive(verb, "", "", Map.of(), List.of());
        }
        if (words.length < 2) {
            throw new UsageException("'" + text + "': name what to " + verb + ": queue or server, as in " + verb
                    + " queue NAME");
        }
        String object = object(words[1], text);
        String name = "";
        String rest = "";
        if (object.equals("queue")) {
            name = words.length > 2 ? words[2] : "";
            rest = words.length > 3 ? words[3] : "";
            if (name.isEmpty() && !verb.equals("list") && !verb.equals("print")) {
                throw new UsageException("'" + text + "': name the queue, as in " + verb + " queue debug");
            }
        } else {
            // "set server default_queue = x": the server's name is optional, as there is one server
            String[] parts = text.strip().split("\\s+", 3);
            rest = parts.length > 2 ? parts[2] : "";
            String[] w = rest.split("\\s+");
            if (w.length > 1 && !w[0].contains("=") && !w[1].startsWith("=")) {
                rest = rest.substring(rest.indexOf(' ') + 1).strip(); // the server's name
            }
        }
        Map<String, String> set = new LinkedHashMap<>();
        Map<String, String> add = new LinkedHashMap<>();
        Map<String, String> remove = new LinkedHashMap<>();
        List<String> unset = new ArrayList<>();
        String last = null;
        Map<String, String> lastTo = set;
        for (String part : rest.isBlank() ? new String[0] : rest.split(",")) {
            String p = part.strip();
            if (verb.equals("unset")) {
                unset.add(p.contains("=") ? p.substring(0, p.indexOf('=')).strip() : p);
                continue;
            }
            int eq = p.indexOf('=');
            if (eq < 0 && last != null && !p.isEmpty()) {
                // a list value (nodes = n1,n2; preempt_targets = low,batch): the comma separates its items
                lastTo.put(last, unquote(lastTo.get(last) + "," + unquote(p)));
                continue;
            }
            if (eq <= 0) {
                throw new UsageException("'" + text + "': write each attribute as ATTR = VALUE, separated by commas, "
                        + "as in set queue debug resources_max.walltime = 00:30:00");
            }
            last = p.substring(0, eq).strip();
            // PBS's "ATTR += VALUE" and "ATTR -= VALUE" add to a list and take from it
            lastTo = last.endsWith("+") ? add : last.endsWith("-") ? remove : set;
            if (lastTo != set) {
                last = last.substring(0, last.length() - 1).strip();
                if (last.isEmpty() || !verb.equals("set") || !object.equals("queue")) {
                    throw new UsageException("'" + text + "': += and -= add names to a queue's list and take them "
                            + "from it, as in set queue high acl_users += carol");
                }
            }
            lastTo.put(last, unquote(p.substring(eq + 1).strip()));
        }
        if (verb.equals("set") && set.isEmpty() && add.isEmpty() && remove.isEmpty()) {
            throw new UsageException("'" + text + "': say what to set, as in set queue debug Priority = 100");
        }
        return new Directive(verb, object, name, set, unset, add, remove);
    }

    private static String verb(String word, String text) {
        String w = word.toLowerCase(Locale.ROOT);
        for (String v : List.of("create", "delete", "set", "unset", "list", "print", "quit", "exit")) {
            if (v.startsWith(w)) {
                return v.equals("exit") ? "quit" : v;
            }
        }
        throw new UsageException("'" + text + "': '" + word + "' is not a qmgr command; use create, delete, set, "
                + "unset, list or print");
    }

    private static String object(String word, String text) {
        String w = word.toLowerCase(Locale.ROOT);
        if ("queue".startsWith(w)) {
            return "queue";
        }
        if ("server".startsWith(w)) {
            return "server";
        }
        if (w.equals("node") || w.equals("n")) {
            throw new UsageException("'" + text + "': nodes are managed with pbsnodes -o/-c and hpc worker, not "
                    + "qmgr");
        }
        throw new UsageException("'" + text + "': qmgr here manages queues and the server's default_queue; '" + word
                + "' is neither");
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    private static void run(HeadClient head, Directive d, PrintWriter out) {
        switch (d.verb() + " " + d.object()) {
            case "create queue" -> head.changeQueue(d.name(), "create", settings(d.set()), List.of());
            case "set queue" -> head.changeQueue(d.name(), "set", settings(d.set()), List.of(), settings(d.add()),
                    settings(d.remove()));
            case "unset queue" -> head.changeQueue(d.name(), "set", Map.of(), keys(d.unset()));
            case "delete queue" -> head.changeQueue(d.name(), "delete", Map.of(), List.of());
            case "set server" -> {
                String queue = d.set().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("default_queue"))
                        .map(Map.Entry::getValue).findFirst().orElseThrow(() -> new UsageException("the server "
                                + "has one attribute to set here, default_queue: set server default_queue = NAME"));
                head.changeQueue(queue, "default", Map.of(), List.of());
            }
            case "list queue", "print queue" -> {
                boolean found = false;
                for (QueueInfo q : head.queues()) {
                    if (d.name().isEmpty() || d.name().equals(q.name())) {
                        out.print(d.verb().equals("list") ? list(q) : print(q));
                        found = true;
                    }
                }
                if (!found) {
                    throw new HpcException("qmgr obj=" + d.name() + ": Unknown queue");
                }
            }
            case "list server", "print server" -> {
                List<QueueInfo> queues = head.queues();
                String def = queues.stream().filter(QueueInfo::isDefault).map(QueueInfo::name).findFirst().orElse("");
                if (d.verb().equals("list")) {
                    out.println("Server");
                    out.println("    default_queue = " + def);
                    out.println("    total_jobs = " + queues.stream().mapToInt(QueueInfo::total).sum());
                } else {
                    queues.forEach(q -> out.print(print(q)));
                    out.println("#");
                    out.println("# Set server attributes.");
                    out.println("#");
                    out.println("set server default_queue = " + def);
                }
            }
            default -> throw new UsageException("qmgr cannot " + d.verb() + " a " + d.object());
        }
    }

    /** PBS's attribute names and values as the head's settings: True/False as true/false. */
    static Map<String, String> settings(Map<String, String> pbs) {
        Map<String, String> out = new LinkedHashMap<>();
        pbs.forEach((attr, value) -> {
            String a = attr.toLowerCase(Locale.ROOT);
            if (a.startsWith("acl_group") || a.startsWith("acl-group")) {
                throw new UsageException(attr + ": queues take user lists only (acl_user_enable, acl_users); the "
                        + "head has no group database to check a user's groups against, so list the users");
            }
            if (a.equals("queue_type")) {
                if (!value.toLowerCase(Locale.ROOT).startsWith("e")) {
                    throw new UsageException("queue_type = " + value + ": only execution queues exist here (no "
                            + "routing queues)");
                }
                return;
            }
            String key = ATTRIBUTES.get(a);
            if (key == null) {
                throw new UsageException("unknown queue attribute '" + attr + "'; known: enabled, started, Priority, "
                        + "resources_max.walltime, resources_default.walltime, resources_max.ncpus, max_user_run, "
                        + "queue_type, nodes, preempt_targets, preempt_mode, preempt_grace, acl_user_enable, "
                        + "acl_users");
            }
            out.put(key, value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")
                    ? value.toLowerCase(Locale.ROOT) : value);
        });
        return out;
    }

    private static List<String> keys(List<String> pbs) {
        List<String> out = new ArrayList<>();
        for (String attr : pbs) {
            String key = ATTRIBUTES.get(attr.toLowerCase(Locale.ROOT));
            if (key == null || key.equals("enabled") || key.equals("started")) {
                throw new UsageException("cannot unset '" + attr + "'; unset one of Priority, resources_max.walltime, "
                        + "resources_default.walltime, resources_max.ncpus, max_user_run, nodes, preempt_targets, "
                        + "preempt_mode, preempt_grace, acl_user_enable, acl_users (set enabled and "
                        + "started to True or False)");
            }
            out.add(key);
        }
        return out;
    }

    /** The queue's attributes as PBS's {@code list queue} shows them; only those set. */
    static String list(QueueInfo q) {
        StringBuilder b = new StringBuilder("Queue ").append(q.name()).append('\n');
        for (Map.Entry<String, String> a : attributes(q).entrySet()) {
            b.append("    ").append(a.getKey()).append(" = ").append(a.getValue()).append('\n');
        }
        b.append("    total_jobs = ").append(q.total()).append('\n');
        b.append("    state_count = Transit:0 Queued:").append(q.queued() + q.waiting()).append(" Held:")
                .append(q.held()).append(" Waiting:0 Running:").append(q.running()).append(" Exiting:0 Begun:0\n");
        return b.append('\n').toString();
    }

    /** The queue as {@code print queue} writes it: directives that make it again. */
    static String print(QueueInfo q) {
        StringBuilder b = new StringBuilder("#\n# Create and define queue ").append(q.name()).append("\n#\n");
        b.append("create queue ").append(q.name()).append('\n');
        for (Map.Entry<String, String> a : attributes(q).entrySet()) {
            b.append("set queue ").append(q.name()).append(' ').append(a.getKey()).append(" = ").append(a.getValue())
                    .append('\n');
        }
        return b.toString();
    }

    /** The queue's attributes by PBS's names, those set only; also what {@code qstat -Qf} shows. */
    static Map<String, String> attributes(QueueInfo q) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("queue_type", "Execution");
        if (q.priority() != 0) {
            a.put("Priority", String.valueOf(q.priority()));
        }
        if (!q.maxWalltime().isZero()) {
            a.put("resources_max.walltime", hhmmss(q.maxWalltime()));
        }
        if (!q.defaultWalltime().isZero()) {
            a.put("resources_default.walltime", hhmmss(q.defaultWalltime()));
        }
        if (q.maxCoresPerJob() > 0) {
            a.put("resources_max.ncpus", String.valueOf(q.maxCoresPerJob()));
        }
        if (q.maxRunningPerUser() > 0) {
            a.put("max_user_run", String.valueOf(q.maxRunningPerUser()));
        }
        if (!q.nodes().isEmpty()) {
            a.put("nodes", String.join(",", q.nodes()));
        }
        if (!q.preemptTargets().isEmpty()) {
            a.put("preempt_targets", String.join(",", q.preemptTargets()));
        }
        if (!q.preemptMode().equals(QueueInfo.DEFAULT_PREEMPT_MODE)) {
            a.put("preempt_mode", q.preemptMode());
        }
        if (!q.preemptGrace().equals(QueueInfo.DEFAULT_PREEMPT_GRACE)) {
            a.put("preempt_grace", q.preemptGrace().toMillis() % 1000 == 0
                    ? String.valueOf(q.preemptGrace().toSeconds()) : q.preemptGrace().toMillis() + "ms");
        }
        if (q.aclUserEnable()) {
            a.put("acl_user_enable", "True");
        }
        if (!q.aclUsers().isEmpty()) {
            a.put("acl_users", String.join(",", q.aclUsers()));
        }
        a.put("enabled", q.enabled() ? "True" : "False");
        a.put("started", q.started() ? "True" : "False");
        return a;
    }

    private static String hhmmss(Duration d) {
        return String.format("%02d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }
}
