package dev.hpc.cli;

import dev.hpc.cli.bench.BenchCommand;
import dev.hpc.cli.local.LocalCommand;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code hpc}: the top command; every tool is one of its subcommands. */
@Command(name = "hpc", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
        description = "Batch jobs on a cluster that looks like one machine.",
        footer = {"", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
public final class HpcCommand extends GroupCommand {
    /**
     * Every subcommand by the name (or alias) typed, in the order {@code hpc --help} lists them. They are
     * added by {@link HpcMain} rather than named in {@code @Command(subcommands)} because picocli builds the
     * model of every listed subcommand by reflection, which costs a one-shot {@code qstat} more than its
     * request; {@link HpcMain} builds only the one that runs when the command line names it.
     */
    static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("qsub", QsubCommand::new);
        m.put("qstat", QstatCommand::new);
        m.put("qselect", QselectCommand::new);
        m.put("qdel", QdelCommand::new);
        m.put("qhold", () -> HoldCommand.command(HoldCommand.Kind.HOLD));
        m.put("qrls", () -> HoldCommand.command(HoldCommand.Kind.RELEASE));
        m.put("qalter", QalterCommand::new);
        m.put("qmove", QmoveCommand::new);
        m.put("qrerun", QrerunCommand::new);
        m.put("qmgr", QmgrCommand::new);
        m.put("qsig", QsigCommand::new);
        m.put("qmsg", QmsgCommand::new);
        m.put("qorder", QorderCommand::new);
        m.put("pbs_rsub", ReservationCommands.Rsub::new);
        m.put("pbs_rstat", ReservationCommands.Rstat::new);
        m.put("pbs_ralter", ReservationCommands.Ralter::new);
        m.put("pbs_rdel", ReservationCommands.Rdel::new);
        m.put("tracejob", TracejobCommand::new);
        m.put("pbsnodes", PbsnodesCommand::new);
        m.put("local", LocalCommand::new);
        m.put("cluster", ClusterCommand::new);
        m.put("worker", WorkerCommand::new);
        m.put("events", EventsCommand::new);
        m.put("report", ReportCommand::new);
        m.put("admin", AdminCommand::new);
        m.put("bench", BenchCommand::new);
        m.put("dsh", DshCommand::new);
        m.put("qpeek", PeekCommand::new);
        m.put("attach", AttachCommand::new);
        m.put("help", CommandLine.HelpCommand::new);
        return m;
    }

    /** {@code hpc --version}. */
    public static final class VersionText implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {Version.TEXT};
        }
    }
}
