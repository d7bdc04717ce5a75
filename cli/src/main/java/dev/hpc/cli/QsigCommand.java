package dev.hpc.cli;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.job.Signals;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qsig [-s SIGNAL] ID...}: send a signal to the processes of running jobs, as OpenPBS does: SIGTERM unless
 * told otherwise; a name with or without SIG, or a number. The signal is checked here first, so a misspelt one
 * costs no request; the head checks it again for REST callers.
 */
@Command(name = "qsig", versionProvider = HpcCommand.VersionText.class,
        description = {"Send a signal to the processes of running jobs (their owner, operators and admins).",
                "A job that is not running is refused. suspend and resume are not supported: use -s STOP and -s CONT."},
        footer = {"", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
public final class QsigCommand extends JobActionCommand {
    @Option(names = "--help", usageHelp = true, description = "show this help")
    boolean help;

    @Option(names = "-s", paramLabel = "SIGNAL",
            description = "the signal: TERM (the default), SIGUSR1, usr1, 10, KILL, ...")
    String signal = Signals.DEFAULT;

    private String canonical = Signals.DEFAULT;

    @Override
    public Integer call() {
        try {
            canonical = Signals.parse(signal);
        } catch (InvalidRequestException e) {
            throw new UsageException(e.getMessage());
        }
        return super.call();
    }

    @Override
    void apply(HeadClient head, String id) {
        head.signal(id, canonical);
    }
}
