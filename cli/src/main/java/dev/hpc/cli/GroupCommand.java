package dev.hpc.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that only groups subcommands ({@code hpc}, {@code hpc admin}, {@code hpc admin token},
 * {@code hpc local}, {@code hpc bench}): run without one, it prints its usage on standard error and exits
 * with {@link ExitCodes#USAGE}.
 */
public abstract class GroupCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Override
    public final Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }
}
