package dev.hpc.cli;

import dev.hpc.api.job.Alert;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hpc events [-n N]}: the head's event log of alerts, oldest first. */
@Command(name = "events", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
        description = "Show the newest alerts of the head's event log: nodes down, offline or back; tasks requeued "
                + "or failed because their node failed.")
public final class EventsCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "-n", paramLabel = "N", defaultValue = "50", description = "how many (default ${DEFAULT-VALUE})")
    int count;

    @Override
    public Integer call() {
        if (count < 1 || count > 10_000) {
            throw new UsageException("-n must be from 1 to 10000");
        }
        PrintWriter out = spec.commandLine().getOut();
        for (Alert a : client.client().events(count)) {
            out.println(line(a, ZoneId.systemDefault()));
        }
        out.flush();
        return ExitCodes.OK;
    }

    static String line(Alert a, ZoneId zone) {
        return String.format(Locale.ROOT, "%s  %-24s %-12s %s", TIME.format(a.time().atZone(zone)), a.kind(),
                a.subject(), a.message());
    }
}
