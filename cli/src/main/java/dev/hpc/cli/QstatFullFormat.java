package dev.hpc.cli;

import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.Dependency;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import dev.hpc.api.job.TaskList;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * {@code qstat -f}: every attribute of a job in PBS's names and forms, as text ({@code Job Id: ...}
 * then {@code     name = value} lines, long values wrapped at 80 columns onto lines that start with a
 * tab, unless {@code -1}), as OpenPBS's {@code -F json} document, or as its {@code -F dsv} lines.
 */
public final class QstatFullFormat {
    /** The width PBS wraps {@code qstat -f} lines at; a tab counts as 8 columns. */
    public static final int WIDTH = 80;

    /**
     * One attribute. {@code name} may be {@code Resource_List.mem}; {@code value} is a String, an
     * Integer, or for {@code Variable_List} a map of names to values.
     */
    public record Attribute(String name, Object value) {
    }

    private QstatFullFormat() {
    }

    public static List<Attribute> attributes(JobView v, boolean history, Instant now, ZoneId zone) {
        Job job = v.job();
        JobSpec spec = job.spec();
        String host = spec.submitHost();
        List<Attribute> a = new ArrayList<>();
        a.add(new Attribute("Job_Name", spec.name()));
        a.add(new Attribute("Job_Owner", host.isEmpty() ? spec.owner() : spec.owner() + "@" + host));
        if (v.everStarted()) {
            a.add(new Attribute("resources_used.walltime", PbsText.hhmmss(v.runTime(now))));
        }
        // PBS Pro's letter for a finished job: Open OnDemand's PBS Pro adapter reads Torque's C as undetermined
        a.add(new Attribute("job_state", String.valueOf(v.letter(true, now))));
        a.add(new Attribute("queue", spec.queue()));
        a.add(new Attribute("server", job.id().cluster()));
        a.add(new Attribute("ctime", PbsText.ctime(job.submitted(), zone)));
        a.add(new Attribute("qtime", PbsText.ctime(job.submitted(), zone)));
        if (v.everStarted()) {
            a.add(new Attribute("stime", PbsText.ctime(v.firstStart(), zone)));
        }
        a.add(new Attribute("mtime", PbsText.ctime(v.lastChange(), zone)));
        String exec = PbsText.execHost(v.execSlots());
        if (!exec.isEmpty()) {
            a.add(new Attribute("exec_host", exec));
            a.add(new Attribute("exec_vnode", PbsText.execVnode(v.execSlots())));
        }
        Resources r = spec.resources();
        StringBuilder nodes = new StringBuilder().append(r.nodes()).append(":ppn=").append(r.coresPerNode());
        r.generic().forEach((k, n) -> nodes.append(':').append(k).append('=').append(n));
        // properties as Torque writes them after the count; a choice (a|b) has no nodes= form
        nodes.append(r.constraint().nodesSuffix());
        a.add(new Attribute("Resource_List.nodes", nodes.toString()));
        if (r.constraint().anyOf().size() > 1) {
            a.add(new Attribute("Resource_List.feature", r.constraint().features()));
        }
        r.constraint().resources().forEach((name, value) -> a.add(new Attribute("Resource_List." + name, value)));
        a.add(new Attribute("Resource_List.ncpus", r.totalCores()));
        // PBS Pro's count of nodes asked for: Open OnDemand shows a waiting job's nodes from it
        a.add(new Attribute("Resource_List.nodect", r.nodes()));
        if (r.memoryPerNode() > 0) {
            a.add(new Attribute("Resource_List.mem", PbsText.size(r.memoryPerNode() * r.nodes())));
        }
        if (r.hasWalltime()) {
            a.add(new Attribute("Resource_List.walltime", PbsText.hhmmss(r.walltime())));
        }
        // recorded, not applied (issue 18): shown where Torque and OpenPBS show them, resources with resources
        spec.recorded().forEach((name, value) -> {
            if (name.startsWith("Resource_List.")) {
                a.add(new Attribute(name, value));
            }
        });
        // held nodes asked for otherwise (#SBATCH --exclusive, the REST API): in PBS's words all the same
        if (r.access().exclusive() && !spec.recorded().containsKey("Resource_List.place")
                && !spec.recorded().containsKey("Resource_List.naccesspolicy")) {
            a.add(r.access().sharing() == NodeAccess.Sharing.USER
                    ? new Attribute("Resource_List.naccesspolicy", "singleuser")
                    : new Attribute("Resource_List.place", "excl"));
        }
        // another user's job comes without its paths (docs/security.md): they are left out, not made up
        boolean pathsShown = !spec.submitDir().isEmpty();
        if (pathsShown) {
            a.add(new Attribute("Output_Path", host + ":" + outputPath(job, spec.stdoutPath(), 'o')));
            a.add(new Attribute("Error_Path", host + ":" + outputPath(job, spec.stderrPath(), 'e')));
        }
        a.add(new Attribute("Join_Path", switch (spec.join()) {
            case NONE -> "n";
            case STDOUT_STDERR -> "oe";
            case STDERR_STDOUT -> "eo";
        }));
        a.add(new Attribute("Hold_Types", holdTypes(v)));
        a.add(new Attribute("Priority", spec.priority()));
        a.add(new Attribute("Rerunable", spec.rerunnable() ? "True" : "False"));
        if (!spec.environment().isEmpty()) {
            a.add(new Attribute("Variable_List", new LinkedHashMap<>(spec.environment())));
        }
        a.add(new Attribute("euser", spec.owner()));
        if (!spec.workDir().isEmpty()) {
            a.add(new Attribute("init_work_dir", spec.workDir()));
        }
        if (!host.isEmpty()) {
            a.add(new Attribute("submit_host", host));
        }
        if (!spec.dependencies().isEmpty()) {
            a.add(new Attribute("depend", depend(spec.dependencies(), job.id().cluster())));
        }
        if (!spec.notBefore().equals(Instant.EPOCH)) {
            a.add(new Attribute("Execution_Time", PbsText.ctime(spec.notBefore(), zone)));
        }
        if (!spec.mailPoints().isEmpty()) {
            a.add(new Attribute("Mail_Points", spec.mailPoints()));
        }
        if (!spec.mailUsers().isEmpty()) {
            a.add(new Attribute("Mail_Users", String.join(",", spec.mailUsers())));
        }
        if (!spec.account().isEmpty()) {
            a.add(new Attribute("Account_Name", spec.account()));
        }
        spec.recorded().forEach((name, value) -> {
            if (!name.startsWith("Resource_List.")) {
                a.add(new Attribute(name, value));
            }
        });
        if (v.state().isTerminal() && v.everStarted()) {
            // Torque's name and PBS Pro's: scripts written for either find theirs
            a.add(new Attribute("exit_status", v.exitStatus()));
            a.add(new Attribute("Exit_status", v.exitStatus()));
        }
        a.add(new Attribute("run_count", v.runCount()));
        String ranOn = attemptHistory(v);
        if (!ranOn.isEmpty()) {
            a.add(new Attribute("exec_host_history", ranOn));
        }
        String comment = v.comment();
        if (!comment.isEmpty()) {
            a.add(new Attribute("comment", comment));
        }
        v.estimatedStart().ifPresent(t -> a.add(new Attribute("estimated.start_time",
                PbsText.ctime(t, zone))));
        if (v.arrayIndex().isPresent()) {
            a.add(new Attribute("job_array_id", v.arrayIndex().getAsInt()));
        } else {
            spec.array().ifPresent(ar -> a.add(new Attribute("job_array_request",
                    ar.throttle() > 0 && !ar.expression().contains("%")
                            ? ar.expression() + "%" + ar.throttle() : ar.expression())));
        }
        return a;
    }

    /**
     * Where each attempt of a single task ran and how it ended, oldest first:
     * {@code node1/0 (node failure, requeued), node2/0 (running)}. Empty unless the task was started
     * more than once or an attempt ended by a node failure (a plain run says all in exec_host).
     */
    static String attemptHistory(JobView v) {
        if (v.tasks().size() != 1) {
            return "";
        }
        Task t = v.tasks().get(0);
        boolean nodeFailure = t.attempts().stream().anyMatch(x -> x.reason() == EndReason.NODE_FAILURE
                || x.reason() == EndReason.REQUEUE_LIMIT);
        if (t.attempts().size() < 2 && !nodeFailure) {
            return "";
        }
        StringJoiner j = new StringJoiner(", ");
        for (Attempt x : t.attempts()) {
            j.add(PbsText.execHost(x.nodes()) + " (" + attemptEnd(x, t) + ")");
        }
        return j.toString();
    }

    private static String attemptEnd(Attempt x, Task t) {
        if (x.isOpen()) {
            return t.state() == JobState.RUNNING ? "running" : "started";
        }
        return switch (x.reason()) {
            case NODE_FAILURE -> x.outcome() == JobState.QUEUED ? "node failure, requeued" : "node failure";
            case REQUEUE_LIMIT -> "node failure, requeue limit reached";
            case EXITED -> "exit " + x.exitStatus();
            case CANCELLED -> x.outcome() == JobState.QUEUED ? "rerun, requeued" : "cancelled";
            case WALLTIME -> "walltime exceeded";
            case MEMORY -> "memory exceeded";
            case LAUNCH_FAILED -> "launch failed";
            case PREEMPTED -> x.outcome() == JobState.QUEUED ? "preempted, requeued" : "preempted";
            default -> x.reason().name().toLowerCase(Locale.ROOT).replace('_', ' ');
        };
    }

    /** The path as the head resolved it, else the PBS default {@code SUBMITDIR/NAME.oNUMBER}. */
    private static String outputPath(Job job, String path, char stream) {
        if (!path.isEmpty()) {
            return path;
        }
        String dir = job.spec().submitDir();
        return (dir.isEmpty() || dir.endsWith("/") ? dir : dir + "/") + job.spec().name() + "." + stream
                + job.id().number();
    }

    private static String holdTypes(JobView v) {
        if (v.state() == JobState.QUEUED && v.waitsForDependency()) {
            return "s";
        }
        if (v.state() != JobState.HELD) {
            return "n";
        }
        String holds = TaskList.forms(v.tasks()).stream().filter(t -> t.state() == JobState.HELD).map(Task::holds)
                .filter(h -> !h.isEmpty()).findFirst().orElse("u");
        return holds;
    }

    private static String depend(List<Dependency> deps, String cluster) {
        StringJoiner all = new StringJoiner(",");
        for (Dependency d : deps) {
            StringBuilder b = new StringBuilder(d.type().pbsName());
            d.jobNumbers().forEach(n -> b.append(':').append(n).append('.').append(cluster));
            all.add(b);
        }
        return all.toString();
    }

    // ---- text

    /** {@code qstat -f}: each job's block followed by a blank line. */
    public static String text(List<JobView> views, boolean oneLine, boolean history, Instant now, ZoneId zone) {
        StringBuilder b = new StringBuilder();
        for (JobView v : views) {
            b.append(block(v, oneLine, history, now, zone)).append('\n');
        }
        return b.toString();
    }

    public static String block(JobView v, boolean oneLine, boolean history, Instant now, ZoneId zone) {
        StringBuilder b = new StringBuilder("Job Id: ").append(v.id()).append('\n');
        for (Attribute a : attributes(v, history, now, zone)) {
            String first = "    " + a.name() + " = ";
            String value = textValue(a.value());
            if (oneLine) {
                b.append(first).append(value).append('\n');
            } else {
                wrap(b, first, value, WIDTH);
            }
        }
        return b.toString();
    }

    static String textValue(Object value) {
        if (value instanceof Map<?, ?> vars) {
            StringJoiner j = new StringJoiner(",");
            vars.forEach((k, val) -> j.add(k + "=" + String.valueOf(val).replace(",", "\\,")));
            return j.toString();
        }
        return String.valueOf(value);
    }

    /**
     * Appends {@code first + value}, breaking it PBS-style after commas so that no line passes
     * {@code width}; continuation lines start with a tab. A piece without a comma that is still too
     * long is cut where the line ends.
     */
    static void wrap(StringBuilder b, String first, String value, int width) {
        b.append(first);
        int col = first.length();
        boolean lineHasValue = false;
        for (String piece : pieces(value)) {
            if (lineHasValue && col + piece.length() > width) {
                b.append("\n\t");
                col = 8;
                lineHasValue = false;
            }
            while (col + piece.length() > width) {
                int room = width - col;
                if (room <= 0) {
                    b.append("\n\t");
                    col = 8;
                    continue;
                }
                b.append(piece, 0, room).append("\n\t");
                piece = piece.substring(room);
                col = 8;
            }
            b.append(piece);
            col += piece.length();
            lineHasValue = true;
        }
        b.append('\n');
    }

    /** The value cut after each comma that is not escaped; the commas stay with the piece before. */
    private static List<String> pieces(String value) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) == ',' && (i == 0 || value.charAt(i - 1) != '\\')) {
                out.add(value.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < value.length() || out.isEmpty()) {
            out.add(value.substring(start));
        }
        return out;
    }

    // ---- DSV

    /** OpenPBS's escape character on Unix ({@code ESC_CHAR}). */
    private static final char ESCAPE = '\\';

    /**
     * OpenPBS's {@code qstat -f -F dsv [-D DELIM]}: one line per job, {@code Job Id: ID}, then each attribute of
     * {@link #attributes} as {@code name=value}, all joined by the delimiter ({@code |} by default). Values are
     * escaped as OpenPBS's qstat escapes them, so that a reader can split on the delimiter: {@link #dsvValue}.
     */
    public static String dsv(List<JobView> views, String delimiter, boolean history, Instant now, ZoneId zone) {
        StringBuilder b = new StringBuilder();
        for (JobView v : views) {
            b.append("Job Id: ").append(v.id());
            for (Attribute a : attributes(v, history, now, zone)) {
                b.append(delimiter).append(a.name()).append('=').append(dsvValue(textValue(a.value()), delimiter));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /**
     * A value as OpenPBS's qstat prints it in DSV (its {@code escape_delimiter}, {@code convert_feed_chars} and
     * {@code show_nonprint_chars}, in that order): a backslash gets a backslash before it unless a quote, an
     * apostrophe or a comma follows it (those pairs are escapes already, as in {@code Variable_List}); each
     * occurrence of the delimiter gets a backslash before it; a line feed becomes {@code \n} and a form feed
     * {@code \f}; any other control character but the tab is shown as {@code ^} and its letter.
     */
    static String dsvValue(String value, String delimiter) {
        StringBuilder b = new StringBuilder(value.length() + 8);
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            char next = i + 1 < value.length() ? value.charAt(i + 1) : '\0';
            if (c == ESCAPE && next != '\'' && next != '"' && next != ',') {
                b.append(ESCAPE).append(c);
                i++;
            } else if (!delimiter.isEmpty() && value.startsWith(delimiter, i)) {
                b.append(ESCAPE).append(delimiter);
                i += delimiter.length();
            } else {
                b.append(c);
                i++;
            }
        }
        StringBuilder out = new StringBuilder(b.length());
        for (int k = 0; k < b.length(); k++) {
            char c = b.charAt(k);
            if (c == '\n') {
                out.append("\\n");
            } else if (c == '\f') {
                out.append("\\f");
            } else if (c < 32 && c != '\t') {
                out.append('^').append((char) (c + 64));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    // ---- JSON

    /**
     * OpenPBS's {@code qstat -f -F json} document: {@code timestamp}, {@code pbs_version},
     * {@code pbs_server} and, when there are jobs, {@code Jobs} by id, each with the attributes of
     * {@link #attributes} (the same as the text form). As OpenPBS does, dotted attributes become
     * nested objects ({@code "Resource_List": {"ncpus": 1}}), {@code Variable_List} an object, and
     * every value is typed from its text ({@link PbsJson#typed}), except the job's name, account,
     * project, group list, umask (its leading 0 matters) and arguments, which stay strings whatever they
     * look like.
     */
    public static Map<String, Object> json(List<JobView> views, String server, boolean history, Instant now,
                                           ZoneId zone) {
        Map<String, Object> doc = PbsJson.document(server, now);
        if (!views.isEmpty()) {
            Map<String, Object> jobs = new LinkedHashMap<>();
            for (JobView v : views) {
                jobs.put(v.id(), jsonAttributes(attributes(v, history, now, zone)));
            }
            doc.put("Jobs", jobs);
        }
        return doc;
    }

    /** OpenPBS's attributes that are strings in its JSON even when their text reads as a number. */
    private static final Set<String> ALWAYS_STRINGS = Set.of("Job_Name", "project",
            "Account_Name", "group_list", "umask", "job_arguments");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> jsonAttributes(List<Attribute> attributes) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Attribute a : attributes) {
            int dot = a.name().indexOf('.');
            if (a.value() instanceof Map<?, ?> vars) {
                Map<String, Object> typed = new LinkedHashMap<>();
                vars.forEach((k, val) -> typed.put(String.valueOf(k), PbsJson.typed(String.valueOf(val))));
                out.put(a.name(), typed);
            } else if (ALWAYS_STRINGS.contains(a.name())) {
                out.put(a.name(), String.valueOf(a.value()));
            } else if (dot < 0) {
                out.put(a.name(), PbsJson.typed(textValue(a.value())));
            } else {
                Map<String, Object> group = (Map<String, Object>) out.computeIfAbsent(a.name().substring(0, dot),
                        k -> new LinkedHashMap<String, Object>());
                group.put(a.name().substring(dot + 1), PbsJson.typed(textValue(a.value())));
            }
        }
        return out;
    }
}
