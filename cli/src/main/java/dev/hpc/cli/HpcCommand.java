package dev.hpc.cli;

import dev.hpc.cli.local.LocalCommand;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code hpc}: the top command; every tool is one of its subcommands. */
@Command(name = "hpc", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
        description = "Batch jobs on a cluster that looks like one machine.",
        subcommands = {QsubCommand.class, QstatCommand.class, QdelCommand.class, QholdCommand.class,
                QrlsCommand.class, QalterCommand.class, PbsnodesCommand.class, LocalCommand.class, ClusterCommand.class,
                WorkerCommand.class, EventsCommand.class, AdminCommand.class, dev.hpc.cli.bench.BenchCommand.class,
                DshCommand.class, PeekCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
public final class HpcCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    /** {@code hpc --version}. */
    public static final class VersionText implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {Version.TEXT};
        }
    }
}
