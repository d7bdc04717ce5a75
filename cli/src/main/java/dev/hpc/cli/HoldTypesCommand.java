package dev.hpc.cli;

import picocli.CommandLine.Option;

/**
 * {@code qhold} and {@code qrls}: the same {@code -h TYPES} option and its check; they differ only in
 * the request each job id gets. {@code -h} takes {@code u} (user) and {@code o} (operator); system
 * holds are the scheduler's own and no command sets or clears them.
 */
abstract class HoldTypesCommand extends JobActionCommand {
    @Option(names = "--help", usageHelp = true, description = "show this help")
    boolean help;

    @Option(names = "-h", paramLabel = "TYPES",
            description = "hold types: u (user, the default), o (operator), or both (uo)")
    String holdTypes = "u";

    @Override
    public Integer call() {
        if (holdTypes.isEmpty() || !holdTypes.matches("[uo]+")) {
            throw new UsageException("-h " + holdTypes + ": hold types are u (user) and o (operator); "
                    + "system holds (s) are the scheduler's");
        }
        return super.call();
    }
}
