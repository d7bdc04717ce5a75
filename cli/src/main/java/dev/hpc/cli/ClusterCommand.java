package dev.hpc.cli;

import dev.hpc.api.json.Json;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** {@code hpc cluster status}: the heads and their roles, the way a replica-set status shows them. */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "The head cluster.",
        subcommands = {ClusterCommand.Status.class, CommandLine.HelpCommand.class})
public final class ClusterCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCodes.OK;
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Each head with its role (ACTIVE, STANDBY, WAITING, DOWN), epoch, uptime, the time of its last "
                    + "replicated change and last worker heartbeat, and the worker count.")
    public static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ClientOptions client;

        @Option(names = "--json", description = "the cluster status as JSON, for scripts")
        boolean json;

        @Override
        public Integer call() {
            Map<String, Object> status = client.client().cluster();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.writePretty(status));
            } else {
                out.print(format(status, Instant.now()));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    static String format(Map<String, Object> status, Instant now) {
        StringBuilder s = new StringBuilder();
        s.append("cluster ").append(status.get("cluster")).append('\n');
        s.append(String.format("%-10s %-21s %-8s %-8s %5s %10s %13s %14s%n", "HEAD", "ADDRESS", "PID", "ROLE",
                "EPOCH", "UPTIME", "LAST CHANGE", "LAST HEARTBEAT"));
        Object heads = status.get("heads");
        if (heads instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> h) {
                    boolean down = "DOWN".equals(h.get("role"));
                    s.append(String.format("%-10s %-21s %-8s %-8s %5s %10s %13s %14s%n", h.get("name"),
                            value(h.get("address")), down ? "-" : value(h.get("pid")), h.get("role"), h.get("epoch"),
                            down ? "-" : since(h.get("startedAt"), now), ago(h.get("lastChange"), now),
                            ago(h.get("lastHeartbeat"), now)));
                    if ("SOLE".equals(h.get("copies"))) {
                        s.append("  ").append(h.get("name")).append(" may hold the only copy of recent changes (its "
                                + "standby is not in step); no standby leads without it\n");
                    }
                    if ("INCOMPLETE".equals(h.get("copies"))) {
                        s.append("  ").append(h.get("name")).append(" is still receiving its copy of the replicated "
                                + "state; until it holds all of it, it does not take over\n");
                    }
                    if (h.get("waitingFor") != null) {
                        s.append("  ").append(h.get("name")).append(" waits for ").append(h.get("waitingFor"))
                                .append('\n');
                    }
                }
            }
        }
        if (status.get("head") instanceof Map<?, ?> self && self.get("lease") instanceof Map<?, ?> lease
                && Boolean.TRUE.equals(lease.get("held")) && lease.get("votersBacking") instanceof Number backing
                && lease.get("voters") instanceof Number voters && backing.intValue() < voters.intValue()) {
            s.append("  ").append(self.get("name")).append(" holds the lease with ").append(backing).append(" of ")
                    .append(voters).append(" voters behind it: one more lost voter ends it (a voter that does not "
                            + "answer, or that promised a newer epoch to a head whose bid failed)\n");
        }
        if (status.get("workers") instanceof Map<?, ?> w) {
            s.append("workers: ").append(w.get("up")).append(" up of ").append(w.get("total")).append('\n');
        }
        return s.toString();
    }

    private static String value(Object o) {
        return o == null || String.valueOf(o).isEmpty() ? "-" : String.valueOf(o);
    }

    private static String since(Object iso, Instant now) {
        Duration d = between(iso, now);
        if (d == null) {
            return "-";
        }
        long sec = d.getSeconds();
        return sec >= 86_400 ? sec / 86_400 + "d" + (sec % 86_400) / 3600 + "h"
                : String.format("%02d:%02d:%02d", sec / 3600, (sec % 3600) / 60, sec % 60);
    }

    private static String ago(Object iso, Instant now) {
        Duration d = between(iso, now);
        return d == null ? "never" : (d.toMillis() < 1000 ? d.toMillis() + "ms ago" : d.getSeconds() + "s ago");
    }

    private static Duration between(Object iso, Instant now) {
        try {
            Instant t = Instant.parse(String.valueOf(iso));
            return t.equals(Instant.EPOCH) ? null : Duration.between(t, now).abs();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
