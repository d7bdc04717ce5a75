package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qrerun ID...}: send running jobs back to the queue; their current attempts are killed and they start
 * again with a new attempt, on whichever nodes the scheduler picks. Operators and admins only, as in PBS.
 */
@Command(name = "qrerun", versionProvider = HpcCommand.VersionText.class,
        description = {"Requeue running jobs: kill their current attempts and queue them again (operators only).",
                "A job that is not running, is being cancelled, or was submitted with qsub -r n is refused."},
        footer = {"", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
public final class QrerunCommand extends JobActionCommand {
    @Option(names = "--help", usageHelp = true, description = "show this help")
    boolean help;

    @Override
    void apply(HeadClient head, String id) {
        head.rerun(id);
    }
}
