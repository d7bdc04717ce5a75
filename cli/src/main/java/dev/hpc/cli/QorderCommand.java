package dev.hpc.cli;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.client.HpcApiException;
import dev.hpc.api.job.JobId;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code qorder JOB1 JOB2}: swap the queue places of two queued or held jobs, as OpenPBS does; both must be the
 * caller's own unless the caller is an operator. Silent on success.
 */
@Command(name = "qorder", versionProvider = HpcCommand.VersionText.class,
        description = {"Swap the places of two queued or held jobs of one queue and priority (your own, or any as "
                + "an operator): the scheduler then considers each where the other was."},
        footer = {"", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
public final class QorderCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "--help", usageHelp = true, description = "show this help")
    boolean help;

    @Parameters(arity = "0..*", paramLabel = "ID", description = "the two jobs: 42 43, 42.cluster 43.cluster")
    List<String> ids = new ArrayList<>();

    @Override
    public Integer call() {
        if (ids.size() != 2) {
            throw new UsageException("qorder swaps exactly two jobs: qorder JOB1 JOB2, as in qorder 42 43 ("
                    + ids.size() + " given)");
        }
        PrintWriter err = spec.commandLine().getErr();
        try {
            JobId.parse(ids.get(0));
            JobId.parse(ids.get(1));
            client.client().order(ids.get(0), ids.get(1));
            return ExitCodes.OK;
        } catch (HpcApiException e) {
            if (e.isUnknownJob()) {
                err.println("qorder: Unknown Job Id " + String.join(" or ", ids));
                err.flush();
                return ExitCodes.UNKNOWN_JOB;
            }
            err.println("qorder: " + e.getMessage());
        } catch (InvalidRequestException e) {
            err.println("qorder: " + e.getMessage());
        }
        err.flush();
        return ExitCodes.ERROR;
    }
}
