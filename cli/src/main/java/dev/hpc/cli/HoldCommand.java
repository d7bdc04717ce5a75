package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code qhold [-h TYPES] ID...} puts holds on batch jobs, {@code qrls [-h TYPES] ID...} releases them: one
 * command in two shapes ({@link Kind}), which differ only in their name, their description and the request each
 * job id gets. Both take the same {@code -h TYPES}, {@code u} (user) and {@code o} (operator); system holds are
 * the scheduler's own and no command sets or clears them.
 */
@Command(versionProvider = HpcCommand.VersionText.class,
        footer = {"", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
final class HoldCommand extends JobActionCommand {
    /** The two shapes of the command. */
    enum Kind {
        HOLD("qhold", "Put user holds on batch jobs; a held job does not start until released.", HeadClient::hold),
        RELEASE("qrls", "Release the user holds of batch jobs.", HeadClient::release);

        private final String command;
        private final String description;
        private final Request request;

        Kind(String command, String description, Request request) {
            this.command = command;
            this.description = description;
            this.request = request;
        }
    }

    /** What one job id gets. */
    interface Request {
        void send(HeadClient head, String id, String holdTypes);
    }

    @Option(names = "--help", usageHelp = true, description = "show this help")
    boolean help;

    @Option(names = "-h", paramLabel = "TYPES",
            description = "hold types: u (user, the default), o (operator), or both (uo)")
    String holdTypes = "u";

    private final Kind kind;

    private HoldCommand(Kind kind) {
        this.kind = kind;
    }

    /** {@code qhold} or {@code qrls}, named and described, for {@link HpcMain}'s command tree. */
    static CommandSpec command(Kind kind) {
        CommandSpec spec = CommandSpec.forAnnotatedObject(new HoldCommand(kind));
        spec.name(kind.command);
        spec.usageMessage().description(kind.description);
        return spec;
    }

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
        kind.request.send(head, id, holdTypes);
    }
}
