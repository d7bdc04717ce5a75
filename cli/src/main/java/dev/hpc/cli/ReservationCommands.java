package dev.hpc.cli;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.pbs.DeferredStart;
import dev.hpc.api.pbs.Walltimes;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * OpenPBS's advance reservation commands: {@code pbs_rsub} makes one, {@code pbs_rstat} lists them, {@code
 * pbs_ralter} moves one's window, {@code pbs_rdel} deletes one. Times are read here, in the caller's time zone as PBS does; the head gets instants.
 */
public final class ReservationCommands {
    private ReservationCommands() {
    }

    private static final DateTimeFormatter PBS_TIME = DateTimeFormatter.ofPattern("EEE MMM dd HH:mm:ss yyyy",
            Locale.ROOT);
    private static final Pattern SELECT = Pattern.compile("(\\d{1,6})((?::[a-z_]+=[^:]+)*)");

    /** A PBS date-time ({@code [[[[CC]YY]MM]DD]hhmm[.SS]}) or an ISO-8601 instant. */
    static Instant time(String option, String text, ZonedDateTime now) {
        try {
            if (text.contains("T")) {
                return Instant.parse(text);
            }
            return DeferredStart.parse(text, now).toInstant();
        } catch (InvalidRequestException | DateTimeParseException e) {
            throw new UsageException(option + ": " + e.getMessage() + " (or an ISO-8601 instant such as "
                    + "2026-12-05T14:30:00Z)");
        }
    }

    /** {@code -D}: seconds, or {@code [[hh:]mm:]ss} as a walltime. */
    static Duration duration(String text) {
        try {
            return Walltimes.parsePbs(text);
        } catch (InvalidRequestException e) {
            throw new UsageException("-D: " + e.getMessage());
        }
    }

    /** {@code -l select=N:ncpus=C[,...]}: the nodes and the cores on each; one node of one core by default. */
    static int[] select(List<String> resources) {
        int nodes = 1;
        int cores = 1;
        for (String list : resources) {
            for (String item : list.split(",")) {
                String r = item.strip();
                if (r.startsWith("select=")) {
                    Matcher m = SELECT.matcher(r.substring("select=".length()));
                    if (!m.matches()) {
                        throw new UsageException("-l " + r + ": write select=N:ncpus=C, e.g. select=2:ncpus=4");
                    }
                    nodes = Integer.parseInt(m.group(1));
                    for (String kv : m.group(2).split(":")) {
                        if (kv.isEmpty()) {
                            continue;
                        }
                        String[] p = kv.split("=", 2);
                        if (!p[0].equals("ncpus") || !p[1].matches("\\d{1,6}")) {
                            throw new UsageException("-l " + r + ": a reservation's chunks ask for ncpus only "
                                    + "(select=N:ncpus=C), not '" + kv + "'");
                        }
                        cores = Integer.parseInt(p[1]);
                    }
                } else if (r.startsWith("ncpus=") && r.substring(6).matches("\\d{1,6}")) {
                    cores = Integer.parseInt(r.substring(6));
                } else if (!r.isEmpty()) {
                    throw new UsageException("-l " + r + ": pbs_rsub takes select=N:ncpus=C (or ncpus=C)");
                }
            }
        }
        if (nodes < 1 || cores < 1) {
            throw new UsageException("-l: a reservation needs at least one node of one core");
        }
        return new int[] {nodes, cores};
    }

    static String pbsTime(String iso) {
        return PBS_TIME.format(Instant.parse(iso).atZone(ZoneId.systemDefault()));
    }

    static String state(JsonFields r, Instant now) {
        return Instant.parse(r.string("start")).isAfter(now) ? "CO" : "RN";
    }

    @Command(name = "pbs_rsub", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
            usageHelpAutoWidth = true, description = {"Make an advance reservation, as OpenPBS's pbs_rsub does.",
                    "Cores on nodes are held for the window; jobs submitted to its queue (qsub -q R42, or "
                            + "#SBATCH --reservation=R42) run there only then. It is confirmed at once or refused "
                            + "with why."},
            footer = {"", "Times: [[[[CC]YY]MM]DD]hhmm[.SS] in your time zone (e.g. 1430, 05143000.00), or "
                    + "ISO-8601 (2026-12-05T14:30:00Z).",
                    "Exit codes: 0 confirmed, 1 refused, 2 usage, 3 no head answered."})
    public static final class Rsub implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ClientOptions client;

        @Option(names = "-R", paramLabel = "START", description = "when the window begins (default: now)")
        String start;

        @Option(names = "-E", paramLabel = "END", description = "when it ends")
        String end;

        @Option(names = "-D", paramLabel = "DURATION", description = "how long it lasts: seconds or [[hh:]mm:]ss")
        String duration;

        @Option(names = "-l", paramLabel = "RESOURCES", description = "select=N:ncpus=C (default select=1:ncpus=1)")
        List<String> resources = new ArrayList<>();

        @Option(names = "-N", paramLabel = "NAME", description = "a name; #SBATCH --reservation=NAME finds it too")
        String name = "";

        @Option(names = "-U", paramLabel = "USERS", split = ",", description = "who may submit to it besides you")
        List<String> users = new ArrayList<>();

        @Option(names = "--hosts", paramLabel = "HOST", arity = "1..*", split = ",",
                description = "a maintenance reservation of these whole nodes (administrators): made whatever runs "
                        + "there; no job starts there that would still run at its start")
        List<String> hosts = new ArrayList<>();

        @Option(names = "-r", paramLabel = "RULE",
                description = "a standing reservation: its windows repeat by this rule, as in OpenPBS, e.g. "
                        + "\"FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10\" (FREQ=HOURLY|DAILY|WEEKLY, INTERVAL, BYDAY, and "
                        + "COUNT or UNTIL=YYYYMMDD), in the time zone of PBS_TZID or else this machine's")
        String recurrence = "";

        @Override
        public Integer call() {
            ZonedDateTime now = ZonedDateTime.now();
            Instant from = start == null ? now.toInstant() : time("-R", start, now);
            if (end != null && duration != null) {
                throw new UsageException("give -E END or -D DURATION, not both");
            }
            if (end == null && duration == null) {
                throw new UsageException("say when the reservation ends: -E END or -D DURATION");
            }
            Instant until = end != null ? time("-E", end, from.atZone(now.getZone()))
                    : from.plus(duration(duration));
            if (!hosts.isEmpty() && !resources.isEmpty()) {
                throw new UsageException("a maintenance reservation (--hosts) takes whole nodes: leave -l out");
            }
            int[] sel = select(resources);
            List<String> who = new ArrayList<>();
            users.forEach(u -> who.add(u.contains("@") ? u.substring(0, u.indexOf('@')) : u.strip()));
            HeadClient head = client.client();
            String zone = Optional.ofNullable(System.getenv("PBS_TZID")).filter(z -> !z.isBlank())
                    .orElse(now.getZone().getId());
            JsonFields r = head.reservations().reserve(from, until, sel[0], sel[1], name, who,
                    hosts.stream().map(String::strip).toList(), recurrence, zone);
            PrintWriter out = spec.commandLine().getOut();
            out.println(r.string("id") + " CONFIRMED");
            out.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "pbs_rstat", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
            usageHelpAutoWidth = true, description = {"Show advance reservations, as OpenPBS's pbs_rstat does.",
                    "State CO: confirmed, its window not begun; RN: in its window."},
            footer = {"", "Exit codes: 0 ok, 1 unknown reservation, 2 usage, 3 no head answered."})
    public static final class Rstat implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ClientOptions client;

        @Option(names = "-f", description = "every attribute of each reservation")
        boolean full;

        @Option(names = {"-S", "-B"}, description = "the short listing (the default)")
        boolean brief;

        @Parameters(paramLabel = "ID", arity = "0..*", description = "reservations (R42, R42.cluster or a name)")
        List<String> ids = new ArrayList<>();

        @Override
        public Integer call() {
            List<JsonFields> all = client.client().reservations().list();
            List<JsonFields> shown = new ArrayList<>();
            for (String id : ids) {
                JsonFields r = all.stream().filter(x -> matches(x, id)).findFirst().orElse(null);
                if (r == null) {
                    spec.commandLine().getErr().println("pbs_rstat: Unknown Reservation Id " + id);
                    spec.commandLine().getErr().flush();
                    return ExitCodes.ERROR;
                }
                shown.add(r);
            }
            if (ids.isEmpty()) {
                shown = all;
            }
            PrintWriter out = spec.commandLine().getOut();
            Instant now = Instant.now();
            if (full) {
                for (JsonFields r : shown) {
                    full(out, r, now);
                }
            } else {
                out.printf(Locale.ROOT, "%-15s %-8s %-10s %-5s %s%n", "Resv ID", "Queue", "User", "State",
                        "Start / Duration / End");
                out.println("-".repeat(78));
                for (JsonFields r : shown) {
                    long seconds = Duration.between(Instant.parse(r.string("start")), Instant.parse(r.string("end")))
                            .toSeconds();
                    out.printf(Locale.ROOT, "%-15s %-8s %-10s %-5s %s / %d / %s%n", r.string("id"), r.string("queue"),
                            r.string("owner"), state(r, now), pbsTime(r.string("start")), seconds,
                            pbsTime(r.string("end")));
                }
            }
            out.flush();
            return ExitCodes.OK;
        }

        static boolean matches(JsonFields r, String id) {
            return r.string("id").equals(id) || r.string("queue").equals(id)
                    || (!r.string("name", "").isEmpty() && r.string("name", "").equals(id));
        }

        private static void full(PrintWriter out, JsonFields r, Instant now) {
            long seconds = Duration.between(Instant.parse(r.string("start")), Instant.parse(r.string("end")))
                    .toSeconds();
            List<String> nodes = r.strings("nodes");
            long cores = r.longValue("coresPerNode");
            List<String> chunks = new ArrayList<>();
            nodes.forEach(n -> chunks.add("(" + n + ":ncpus=" + cores + ")"));
            List<String> users = new ArrayList<>(List.of(r.string("owner")));
            users.addAll(r.strings("users"));
            out.println("Resv ID: " + r.string("id"));
            out.println("    Reserve_Name = " + (r.string("name", "").isEmpty() ? "NULL" : r.string("name")));
            out.println("    Reserve_Owner = " + r.string("owner"));
            out.println("    reserve_state = " + (state(r, now).equals("CO") ? "RESV_CONFIRMED" : "RESV_RUNNING"));
            out.println("    reserve_start = " + pbsTime(r.string("start")));
            out.println("    reserve_end = " + pbsTime(r.string("end")));
            out.println("    reserve_duration = " + seconds);
            out.println("    queue = " + r.string("queue"));
            out.println("    Resource_List.select = " + nodes.size() + ":ncpus=" + cores);
            out.println("    Resource_List.ncpus = " + cores * nodes.size());
            out.println("    Resource_List.nodect = " + nodes.size());
            out.println("    resv_nodes = " + String.join("+", chunks));
            out.println("    Authorized_Users = " + String.join(",", users));
            if (!r.string("recurrence", "").isEmpty()) {
                out.println("    reserve_rrule = " + r.string("recurrence"));
                out.println("    reserve_count = " + r.longValue("occurrences"));
                out.println("    reserve_index = " + r.longValue("occurrence"));
            }
            if (r.bool("maintenance", false)) {
                out.println("    maintenance = True");
            }
            out.println();
        }
    }

    @Command(name = "pbs_ralter", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
            usageHelpAutoWidth = true, description = {"Change an advance reservation's window, as OpenPBS's "
                    + "pbs_ralter does; its owner or an administrator may.",
                    "The head checks the new window against the nodes and the other reservations and confirms it, "
                            + "or refuses with why and the reservation keeps its window. Once a reservation has "
                            + "begun only its end may move. A new start alone keeps the length."},
            footer = {"", "Times: [[[[CC]YY]MM]DD]hhmm[.SS] in your time zone (e.g. 1430, 05143000.00), or "
                    + "ISO-8601 (2026-12-05T14:30:00Z).",
                    "Exit codes: 0 confirmed, 1 refused or unknown, 2 usage, 3 no head answered."})
    public static final class Ralter implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ClientOptions client;

        @Option(names = "-R", paramLabel = "START", description = "the new start")
        String start;

        @Option(names = "-E", paramLabel = "END", description = "the new end")
        String end;

        @Option(names = "-D", paramLabel = "DURATION", description = "the new length, from the (new) start: "
                + "seconds or [[hh:]mm:]ss")
        String duration;

        @Parameters(paramLabel = "ID", arity = "1", description = "the reservation: R42 or R42.cluster")
        String id;

        @Override
        public Integer call() {
            if (start == null && end == null && duration == null) {
                throw new UsageException("say what to change: -R START, -E END and/or -D DURATION");
            }
            ZonedDateTime now = ZonedDateTime.now();
            Optional<Instant> from = Optional.ofNullable(start).map(t -> time("-R", t, now));
            Optional<Instant> until = Optional.ofNullable(end)
                    .map(t -> time("-E", t, from.map(f -> f.atZone(now.getZone())).orElse(now)));
            Optional<Duration> length = Optional.ofNullable(duration)
                    .map(ReservationCommands::duration);
            if (length.isPresent() && (length.get().isZero() || length.get().isNegative())) {
                throw new UsageException("-D " + duration + ": a reservation lasts at least a second");
            }
            JsonFields r = client.client().reservations().alter(id.strip(), from, until, length);
            PrintWriter out = spec.commandLine().getOut();
            out.println(r.string("id") + " CONFIRMED");
            out.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "pbs_rdel", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
            usageHelpAutoWidth = true, description = {"Delete advance reservations, as OpenPBS's pbs_rdel does: "
                    + "the window ends now, its queue goes and its jobs are deleted (running ones killed).",
                    "Its owner or an administrator may."},
            footer = {"", "Exit codes: 0 ok, 1 refused or unknown, 2 usage, 3 no head answered."})
    public static final class Rdel implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ClientOptions client;

        @Parameters(paramLabel = "ID", arity = "1..*", description = "reservations: R42 or R42.cluster")
        List<String> ids = new ArrayList<>();

        @Override
        public Integer call() {
            HeadClient head = client.client();
            for (String id : ids) {
                head.reservations().delete(id);
            }
            return ExitCodes.OK;
        }
    }
}
