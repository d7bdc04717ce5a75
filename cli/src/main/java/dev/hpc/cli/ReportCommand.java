package dev.hpc.cli;

import dev.hpc.api.json.Json;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hpc report}: usage per user, account, project and queue over a period, as Slurm's {@code sreport} and
 * {@code sacct} give it, from the head's store (docs/accounting.md).
 */
@Command(name = "report", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
        description = {"Usage over a period per user, account (qsub -A), project (qsub -P) and queue: core-hours, "
                + "wall-hours, runs, jobs ended (completed, failed, cancelled) and jobs submitted.",
                "Users see their own usage; operators and admins everyone's."},
        footer = {"", "WHEN: 2026-12-01 (midnight), 2026-12-01T08:30, 2026-12-01T08:30:00Z, or now; local times in "
                + "your time zone (TZ).", "", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered."})
public final class ReportCommand implements Callable<Integer> {
    /** The period when no --start is given: the last 30 days, as the head's own default. */
    static final Duration DEFAULT_PERIOD = Duration.ofDays(30);

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = {"-S", "--start"}, paramLabel = "WHEN", description = "the period's start (default: 30 days "
            + "before the end)")
    String start = "";

    @Option(names = {"-E", "--end"}, paramLabel = "WHEN", description = "the period's end, excluded (default: now)")
    String end = "";

    @Option(names = "-u", paramLabel = "USER", description = "only this user's jobs (operators: anyone's)")
    String user = "";

    @Option(names = "-A", paramLabel = "ACCOUNT", description = "only jobs of this account (qsub -A)")
    String account = "";

    @Option(names = "-q", paramLabel = "QUEUE", description = "only jobs of this queue")
    String queue = "";

    @Option(names = "--by", paramLabel = "GROUPING", split = ",",
            description = "which tables: user, account, project, queue (default: all)")
    List<String> by = new ArrayList<>();

    @Option(names = "--json", description = "print the head's report as JSON")
    boolean json;

    @Option(names = "--csv", description = "print one CSV line per row")
    boolean csv;

    @Option(names = "--pbs-records", description = "print the period's PBS accounting records (Q, S, R, D, E lines, "
            + "as in server_priv/accounting/YYYYMMDD) instead of the usage; the start defaults to a day before the end")
    boolean pbsRecords;

    /** Fixed in tests; the system clock otherwise. */
    Clock clock = Clock.systemDefaultZone();

    @Override
    public Integer call() {
        if ((json ? 1 : 0) + (csv ? 1 : 0) + (pbsRecords ? 1 : 0) > 1) {
            throw new UsageException("--json, --csv and --pbs-records exclude each other: give one");
        }
        for (String g : by) {
            if (!ReportFormat.GROUPINGS.contains(g.trim().toLowerCase(Locale.ROOT))) {
                throw new UsageException("--by '" + g + "' is not one of " + String.join(", ", ReportFormat.GROUPINGS));
            }
        }
        List<String> groupings = by.isEmpty() ? ReportFormat.GROUPINGS
                : by.stream().map(g -> g.trim().toLowerCase(Locale.ROOT)).toList();
        ZoneId zone = clock.getZone();
        Instant to = end.isEmpty() ? clock.instant() : when(end, "--end", clock);
        Instant from = start.isEmpty() ? to.minus(pbsRecords ? Duration.ofDays(1) : DEFAULT_PERIOD)
                : when(start, "--start", clock);
        if (!to.isAfter(from)) {
            throw new UsageException("the period ends (" + to + ") before it starts (" + from + "): give --end after "
                    + "--start");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (pbsRecords) {
            out.print(ReportFormat.pbsRecords(Json.readObject(client.client().reportRecords(from, to, user, account,
                    queue)), zone));
            out.flush();
            return ExitCodes.OK;
        }
        String report = client.client().report(from, to, user, account, queue);
        if (json) {
            out.println(report);
        } else if (csv) {
            out.print(ReportFormat.csv(Json.readObject(report), groupings));
        } else {
            out.print(ReportFormat.text(Json.readObject(report), groupings, zone));
        }
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * {@code WHEN} as an instant: a date is its midnight and a date-time without offset is local to the clock's
     * zone.
     */
    static Instant when(String text, String option, Clock clock) {
        String t = text.trim();
        ZoneId zone = clock.getZone();
        if (t.equalsIgnoreCase("now")) {
            return clock.instant();
        }
        try {
            if (t.length() == 10) {
                return LocalDate.parse(t).atStartOfDay(zone).toInstant();
            }
            if (t.endsWith("Z") || t.matches(".*[+-]\\d\\d:\\d\\d$")) {
                return OffsetDateTime.parse(t.endsWith("Z") ? t.substring(0, t.length() - 1) + "+00:00" : t)
                        .toInstant();
            }
            return LocalDateTime.parse(t).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            throw new UsageException(option + " '" + text + "' is not a time: give 2026-12-01, 2026-12-01T08:30, "
                    + "2026-12-01T08:30:00Z or now");
        }
    }
}
