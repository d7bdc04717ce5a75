package dev.hpc.cli;

import dev.hpc.api.HeadClient;
import picocli.CommandLine.Command;

/** {@code qrls [-h TYPES] ID...}: release the holds of batch jobs. */
@Command(name = "qrls", versionProvider = HpcCommand.VersionText.class,
        description = "Release the user holds of batch jobs.",
        footer = {"", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
public final class QrlsCommand extends HoldTypesCommand {
    @Override
    void apply(HeadClient head, String id) {
        head.release(id, holdTypes);
    }
}
