package dev.hpc.cli;

import dev.hpc.api.HeadClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qhold [-h u] ID...}: put user holds on batch jobs; a held job does not start until released.
 * Only user holds exist, so {@code -h} accepts {@code u} alone.
 */
@Command(name = "qhold", versionProvider = HpcCommand.VersionText.class,
        description = "Put user holds on batch jobs; a held job does not start until released.",
        footer = {"", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
public final class QholdCommand extends JobActionCommand {
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

    @Override
    void apply(HeadClient head, String id) {
        head.hold(id, holdTypes);
    }
}
