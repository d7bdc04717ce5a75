package dev.hpc.cli.bench;

import dev.hpc.cli.GroupCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code hpc bench}: measurements on a cluster started for the purpose on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the scheduler: submit, throughput and latency against the running cluster (--server, "
                + "HPC_SERVER or ~/.hpc/config); failover, recovery and the fault suite (chaos) on a local cluster "
                + "started for the purpose."},
        subcommands = {LoadBench.Submit.class, LoadBench.Throughput.class, LoadBench.Latency.class,
                FailoverBench.class, RecoveryBench.class, ChaosBench.class, CommandLine.HelpCommand.class})
public final class BenchCommand extends GroupCommand {
}
