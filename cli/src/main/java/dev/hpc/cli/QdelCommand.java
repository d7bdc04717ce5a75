package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import picocli.CommandLine.Command;

/** {@code qdel ID...}: cancels jobs, running or not. */
@Command(name = "qdel", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
        description = "Cancel batch jobs.",
        footer = {"", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
public final class QdelCommand extends JobActionCommand {
    @Override
    void apply(HeadClient head, String id) {
        head.cancel(id);
    }
}
