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

    @Option(names = "-h", paramLabel = "TYPES", description = "hold types; only u (user) is supported")
    String holdTypes = "u";

    @Override
    public Integer call() {
        if (!holdTypes.equals("u")) {
            throw new UsageException("-h " + holdTypes + ": only user holds (-h u) are supported");
        }
        return super.call();
    }

    @Override
    void apply(HeadClient head, String id, String user) {
        head.hold(id, user);
    }
}
