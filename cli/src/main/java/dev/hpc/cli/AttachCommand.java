package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobOutput;
import dev.hpc.api.job.Task;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hpc attach JOBID}, as Slurm's {@code sattach}: a batch job's standard output and error from their
 * start, then live until the task ends, each on this command's own stream; exits with the task's exit status.
 * It reads through the same route as {@code qpeek} ({@code GET /api/v1/jobs/{id}/output}), from the worker
 * that runs the task, so it works on any node's output without a shared file system. A job that has not
 * started is waited for; a requeued one is followed from the start of its new attempt.
 */
@Command(name = "attach", versionProvider = HpcCommand.VersionText.class,
        description = "Follow a running batch job's output (standard output and error) from its start, live, "
                + "until it ends (as Slurm's sattach).",
        footer = {"", "Examples: hpc attach 42, hpc attach 43[2] (a task of an array job). Ctrl-C stops following; "
                + "the job goes on.", "",
                "Exit codes: the task's exit status (modulo 256) once it ended, 1 when it ended without one, "
                        + "153 for an unknown job."})
public final class AttachCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "--help", usageHelp = true, description = "show this help and exit")
    boolean help;

    @Parameters(index = "0", paramLabel = "ID", description = "a job id: 42, 42.cluster, 43[2] (a task of an array "
            + "job)")
    String id;

    /** How often the output is asked for again; tests make it shorter. */
    Duration every = Duration.ofMillis(500);

    /** One stream followed: where it is, and where it goes. */
    private static final class Followed {
        final JobOutput.Stream stream;
        final PrintWriter to;
        Optional<JobOutput> last = Optional.empty();

        Followed(JobOutput.Stream stream, PrintWriter to) {
            this.stream = stream;
            this.to = to;
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        JobId.parse(id);
        HeadClient head = client.client();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Job job = head.job(id);
        if (job.spec().interactive()) {
            throw new UsageException("job " + job.id() + " is interactive (qsub -I): its shell's output goes to the "
                    + "qsub that opened its session");
        }
        awaitStart(head, err);
        Followed stdout = new Followed(JobOutput.Stream.STDOUT, out);
        Followed stderr = new Followed(JobOutput.Stream.STDERR, err);
        while (true) {
            boolean more = step(head, stdout, err);
            if (!joined) {
                more |= step(head, stderr, err);
            }
            boolean running = stdout.last.map(JobOutput::running).orElse(true);
            boolean allShown = stdout.last.map(JobOutput::eof).orElse(false)
                    && stderr.last.map(JobOutput::eof).orElse(true);
            if (!running && allShown) {
                break;
            }
            if (!more) {
                Thread.sleep(every.toMillis());
            }
        }
        return exitCode(head.job(id), err);
    }

    /** Prints what is new on one stream; whether there was anything. */
    private boolean step(HeadClient head, Followed f, PrintWriter err) {
        long from = f.last.map(JobOutput::next).orElse(0L);
        JobOutput o = head.output(id, f.stream, -1, from, JobOutput.MAX_BYTES);
        if (f.last.isPresent() && (!o.path().equals(f.last.get().path()) || !o.node().equals(f.last.get().node())
                || o.size() < from)) {
            if (f.stream == JobOutput.Stream.STDOUT) {
                err.println("attach: " + o.task() + " started again on " + o.node() + "; its output from the start:");
                err.flush();
            }
            o = head.output(id, f.stream, -1, 0, JobOutput.MAX_BYTES);
        }
        if (f.stream == JobOutput.Stream.STDERR && stdoutPlace.equals(o.node() + ":" + o.path())) {
            joined = true; // -j oe: both names lead to one file, shown once
            f.last = Optional.of(o);
            return false;
        }
        if (f.stream == JobOutput.Stream.STDOUT) {
            stdoutPlace = o.node() + ":" + o.path();
        }
        f.to.print(o.data());
        f.to.flush();
        boolean more = !o.data().isEmpty();
        f.last = Optional.of(o);
        return more;
    }

    /** The node and file standard output was last read from. */
    private String stdoutPlace = "";
    /** Standard error goes to the file of standard output. */
    private boolean joined;

    /** Waits for the task's start, or its end without one. */
    private void awaitStart(HeadClient head, PrintWriter err) throws InterruptedException {
        Optional<Integer> index = JobId.parse(id).arrayIndex();
        boolean told = false;
        while (true) {
            Job job = head.job(id);
            Optional<Task> task = index.isPresent() ? job.task(index.get())
                    : job.tasks().size() == 1 ? Optional.of(job.tasks().get(0)) : Optional.empty();
            if (task.isEmpty()) {
                throw new UsageException("job " + job.id() + " is an array: attach to one of its tasks, for example "
                        + job.id().taskName(job.tasks().get(0).index()));
            }
            if (!task.get().attempts().isEmpty() || task.get().state().isTerminal()) {
                return;
            }
            if (!told) {
                err.println("attach: " + job.id().taskName(task.get().index()) + " has not started yet ("
                        + task.get().state().name().toLowerCase(Locale.ROOT) + "); waiting for it");
                err.flush();
                told = true;
            }
            Thread.sleep(every.toMillis());
        }
    }

    private int exitCode(Job job, PrintWriter err) {
        Optional<Integer> index = JobId.parse(id).arrayIndex();
        Task task = index.flatMap(job::task).orElse(job.tasks().get(0));
        if (task.attempts().isEmpty()) {
            err.println("attach: " + job.id().taskName(task.index()) + " ended without starting: "
                    + task.reason().description());
            return ExitCodes.ERROR;
        }
        if (task.reason() != EndReason.EXITED) {
            err.println("attach: " + job.id().taskName(task.index()) + " ended: " + task.reason().description());
        }
        return task.exitStatus() & 0xff;
    }
}
