package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qalter [-N NAME] [-p PRIORITY] [-l RESOURCES]... [-q QUEUE] ID...}: change queued or held
 * jobs. The head checks the change as it checks a submission; a job that runs (or whose array has a
 * task that runs or ended) cannot be altered. Silent on success, as in PBS.
 */
@Command(name = "qalter", versionProvider = HpcCommand.VersionText.class,
        description = "Change the name, priority, resources or queue of queued or held batch jobs.",
        footer = {"", "Only what the options name changes: -l walltime=2:00:00 keeps the job's nodes and cores.",
                "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
public final class QalterCommand extends JobActionCommand {
    @Option(names = "--help", usageHelp = true, description = "show this help")
    boolean help;

    @Option(names = "-N", paramLabel = "NAME", description = "the job's new name")
    String name;

    @Option(names = "-p", paramLabel = "PRIORITY", description = "the job's new priority, -1024 to 1023")
    String priority;

    @Option(names = "-l", paramLabel = "RESOURCE=VALUE[,...]", description = "resources to change, as qsub -l")
    List<String> resources = new ArrayList<>();

    @Option(names = "-q", paramLabel = "QUEUE", description = "move the job to this queue")
    String queue;

    @Override
    public Integer call() {
        if (options().isEmpty()) {
            throw new UsageException("say what to change: -N NAME, -p PRIORITY, -l RESOURCES or -q QUEUE");
        }
        return super.call();
    }

    private List<String> options() {
        List<String> o = new ArrayList<>();
        if (name != null) {
            o.add("-N");
            o.add(name);
        }
        if (priority != null) {
            o.add("-p");
            o.add(priority);
        }
        for (String r : resources) {
            o.add("-l");
            o.add(r);
        }
        if (queue != null) {
            o.add("-q");
            o.add(queue);
        }
        return o;
    }

    @Override
    void apply(HeadClient head, String id) {
        head.alter(id, options());
    }
}
