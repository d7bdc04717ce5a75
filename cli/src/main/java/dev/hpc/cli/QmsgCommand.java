package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.job.JobOutput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qmsg [-E] [-O] MESSAGE ID...}: write a line into the output of running jobs, as OpenPBS does: into the
 * standard error file by default or with {@code -E}, the standard output file with {@code -O}, both with both.
 */
@Command(name = "qmsg", versionProvider = HpcCommand.VersionText.class,
        customSynopsis = "qmsg [-E] [-O] MESSAGE ID...",
        description = {"Append MESSAGE and a newline to the standard error (-E, the default) and/or standard output "
                + "(-O) file of running jobs (their owner, operators and admins).",
                "A job that is not running is refused."},
        footer = {"", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
public final class QmsgCommand extends JobActionCommand {
    @Option(names = "--help", usageHelp = true, description = "show this help")
    boolean help;

    @Option(names = "-E", description = "write to the job's standard error file (the default)")
    boolean stderr;

    @Option(names = "-O", description = "write to the job's standard output file")
    boolean stdout;

    private String message = "";

    @Override
    public Integer call() {
        if (ids.size() < 2) {
            throw new UsageException("qmsg needs a message and at least one job id: qmsg [-E] [-O] MESSAGE ID..., "
                    + "as in qmsg \"checkpoint requested\" 42 (quote a message of several words)");
        }
        message = ids.remove(0);
        if (message.isEmpty()) {
            throw new UsageException("the message is empty: give the text to write, as in qmsg \"checkpoint "
                    + "requested\" 42");
        }
        return super.call();
    }

    @Override
    void apply(HeadClient head, String id) {
        if (stdout) {
            head.message(id, JobOutput.Stream.STDOUT, message);
        }
        if (stderr || !stdout) {
            head.message(id, JobOutput.Stream.STDERR, message);
        }
    }
}
