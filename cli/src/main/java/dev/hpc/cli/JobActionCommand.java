package dev.hpc.cli;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HpcApiException;
import dev.hpc.api.job.JobId;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code qdel}, {@code qhold} and {@code qrls}: one request per job id, silent on success as in PBS.
 * A failed id is reported on standard error and the others still go; the exit code is 153 when an id
 * was unknown, else 1 when any request was refused. When no head answers at all the command stops
 * at once (exit 3): every other id would only wait as long again.
 */
abstract class JobActionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Parameters(arity = "1..*", paramLabel = "ID", description = "job ids: 42, 42.cluster, 42[], 42[7]")
    List<String> ids = new ArrayList<>();

    abstract void apply(HeadClient head, String id);

    @Override
    public Integer call() {
        HeadClient head = client.client();
        PrintWriter err = spec.commandLine().getErr();
        String name = spec.name();
        boolean unknown = false;
        boolean refused = false;
        for (String id : ids) {
            try {
                JobId.parse(id);
                apply(head, id);
            } catch (HpcApiException e) {
                if (e.isUnknownJob()) {
                    unknown = true;
                    err.println(name + ": Unknown Job Id " + id);
                } else {
                    refused = true;
                    err.println(name + ": " + e.getMessage() + " (" + id + ")");
                }
            } catch (InvalidRequestException e) {
                refused = true;
                err.println(name + ": " + e.getMessage());
            }
        }
        err.flush();
        return unknown ? ExitCodes.UNKNOWN_JOB : refused ? ExitCodes.ERROR : ExitCodes.OK;
    }
}
