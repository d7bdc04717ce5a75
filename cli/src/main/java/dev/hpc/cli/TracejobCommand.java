package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HpcApiException;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tracejob ID}: the job's history from what the head keeps ({@link TracejobFormat}). The job is read as
 * {@code qstat -x} reads it, so a job that ended long ago is found, and another user's job only where the head
 * lets the caller see it.
 */
@Command(name = "tracejob", versionProvider = HpcCommand.VersionText.class,
        description = {"Show a job's history: submission, each start and end of its tasks with where they ran, "
                + "requeues, cancellation, and the event log's alerts about it, oldest first.",
                "Source column: S the job's record, E the head's event log."},
        footer = {"", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
public final class TracejobCommand implements Callable<Integer> {
    /** More alerts than any task can raise: each requeue raises one, and requeues are limited. */
    private static final int EVENTS = 10_000;

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "--help", usageHelp = true, description = "show this help")
    boolean help;

    @Parameters(paramLabel = "ID", description = "a job id: 42, 42.cluster, 42[]")
    String id;

    @Override
    public Integer call() {
        JobId.JobRef ref = JobId.parse(id);
        if (ref.arrayIndex().isPresent()) {
            throw new UsageException("tracejob shows a whole job: name it without the index, as " + ref.number()
                    + "[]; its tasks are in its history");
        }
        HeadClient head = client.client();
        Job job;
        try {
            job = head.job(id);
        } catch (HpcApiException e) {
            if (e.isUnknownJob()) {
                spec.commandLine().getErr().println("tracejob: Unknown Job Id " + id);
                spec.commandLine().getErr().flush();
                return ExitCodes.UNKNOWN_JOB;
            }
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(TracejobFormat.print(job, head.jobEvents(job.id().toString(), EVENTS),
                Invocation.current().zone()));
        out.flush();
        return ExitCodes.OK;
    }
}
