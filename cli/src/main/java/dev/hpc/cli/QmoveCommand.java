package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qmove DEST ID...}: move queued or held jobs to another queue, checked against that queue as a
 * submission to it would be. {@code DEST} is {@code QUEUE} or {@code QUEUE@SERVER}: the cluster is one server,
 * so the server part names it and is not sent.
 */
@Command(name = "qmove", versionProvider = HpcCommand.VersionText.class,
        customSynopsis = "qmove [OPTIONS] DEST ID...",
        description = {"Move queued or held jobs to another queue (DEST: QUEUE or QUEUE@SERVER).",
                "The job is checked against the new queue as a submission would be; a running job is refused."},
        footer = {"", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
public final class QmoveCommand extends JobActionCommand {
    @Option(names = "--help", usageHelp = true, description = "show this help")
    boolean help;

    private String queue = "";

    @Override
    public Integer call() {
        if (ids.size() < 2) {
            throw new UsageException("qmove needs a destination and at least one job id: qmove DEST ID..., as in "
                    + "qmove debug 42");
        }
        String dest = ids.remove(0);
        int at = dest.indexOf('@');
        queue = at < 0 ? dest : dest.substring(0, at);
        if (queue.isEmpty()) {
            throw new UsageException("DEST '" + dest + "' names no queue; moving jobs to another server is not "
                    + "supported: name a queue (qstat -Q lists them), as in qmove debug 42");
        }
        return super.call();
    }

    @Override
    void apply(HeadClient head, String id) {
        head.move(id, queue);
    }
}
