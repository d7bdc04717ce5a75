package dev.hpc.cli;

import dev.hpc.api.HeadClient;
import picocli.CommandLine.Command;

/** {@code qhold [-h TYPES] ID...}: put holds on batch jobs; a held job does not start until released. */
@Command(name = "qhold", versionProvider = HpcCommand.VersionText.class,
        description = "Put user holds on batch jobs; a held job does not start until released.",
        footer = {"", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
public final class QholdCommand extends HoldTypesCommand {
    @Override
    void apply(HeadClient head, String id) {
        head.hold(id, holdTypes);
    }
}
