package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
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
 * {@code qpeek} ({@code hpc peek}): a job's standard output or error while it runs and after it ends,
 * read through the head from the worker that runs (or ran) it. As Torque's qpeek: the whole file by
 * default, {@code -t} its tail, {@code -h} its head, {@code -f} follows it until the task ends. The head
 * answers {@code GET /api/v1/jobs/{id}/output} (docs/rest-api.md).
 */
@Command(name = "qpeek", aliases = "peek", versionProvider = HpcCommand.VersionText.class,
        description = "Show a job's standard output (or error) while it runs and after it ends.",
        footer = {"", "Examples: qpeek 42 (all of it), qpeek -t 42 (the last 20 lines), qpeek -e -n 5 42, "
                + "qpeek -f 42 (follow until the job ends), qpeek 43[2] (a task of an array job)."})
public final class PeekCommand implements Callable<Integer> {
    /** How much of the end is read first for a tail; more when that does not hold enough lines. */
    private static final int FIRST_TAIL_BYTES = 64 * 1024;

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "--help", usageHelp = true, description = "show this help and exit")
    boolean help;

    @Option(names = "-o", description = "standard output (the default)")
    boolean stdout;

    @Option(names = "-e", description = "standard error")
    boolean stderr;

    @Option(names = "-t", description = "only the last lines (-n, default 20)")
    boolean tail;

    @Option(names = "-h", description = "only the first lines (-n, default 20)")
    boolean head;

    @Option(names = "-n", paramLabel = "LINES", description = "how many lines -t or -h show (default 20); alone it "
            + "means -t")
    Integer lines;

    @Option(names = "-f", description = "follow: print what the job writes, every second, until it ends")
    boolean follow;

    @Parameters(index = "0", paramLabel = "ID", description = "a job id: 42, 42.cluster, 43[2] (a task of an array "
            + "job)")
    String id;

    /** How often {@code -f} asks again; tests make it shorter. */
    Duration followEvery = Duration.ofSeconds(1);

    @Override
    public Integer call() throws InterruptedException {
        if (stdout && stderr) {
            throw new UsageException("give -o (standard output) or -e (standard error), not both");
        }
        if (tail && head) {
            throw new UsageException("give -t (the last lines) or -h (the first lines), not both");
        }
        if (head && follow) {
            throw new UsageException("-f follows the end of the output: use it alone or with -t, not with -h");
        }
        int n = lines == null ? 20 : lines;
        if (n < 1 || n > 1_000_000) {
            throw new UsageException("-n must be from 1 to 1000000");
        }
        JobId.parse(id);
        JobOutput.Stream stream = stderr ? JobOutput.Stream.STDERR : JobOutput.Stream.STDOUT;
        HeadClient head = client.client();
        PrintWriter out = spec.commandLine().getOut();
        if (follow) {
            awaitStart(head);
        }
        JobOutput last;
        if (this.head) {
            last = printHead(head, stream, n, out);
        } else if (tail || lines != null) {
            last = printTail(head, stream, n, out);
        } else {
            last = printAll(head, stream, 0, out);
        }
        out.flush();
        if (follow) {
            follow(head, stream, last, out);
        }
        return ExitCodes.OK;
    }

    private JobOutput read(HeadClient head, JobOutput.Stream stream, long offset, int limit) {
        return head.output(id, stream, -1, offset, limit);
    }

    /** From {@code offset} to the end as it is now; returns the last answer. */
    private JobOutput printAll(HeadClient head, JobOutput.Stream stream, long offset, PrintWriter out) {
        long at = offset;
        while (true) {
            JobOutput o = read(head, stream, at, JobOutput.MAX_BYTES);
            out.print(o.data());
            if (o.eof() || o.next() == at) {
                return o;
            }
            at = o.next();
        }
    }

    private JobOutput printTail(HeadClient head, JobOutput.Stream stream, int n, PrintWriter out) {
        int window = FIRST_TAIL_BYTES;
        while (true) {
            JobOutput o = read(head, stream, -window, window);
            if (o.size() <= window || window >= JobOutput.MAX_BYTES || OutputLines.hasLastLines(o.data(), n)) {
                out.print(OutputLines.last(o.data(), n));
                return o;
            }
            window = Math.min(JobOutput.MAX_BYTES, window * 4);
        }
    }

    private JobOutput printHead(HeadClient head, JobOutput.Stream stream, int n, PrintWriter out) {
        StringBuilder text = new StringBuilder();
        long at = 0;
        while (true) {
            JobOutput o = read(head, stream, at, FIRST_TAIL_BYTES);
            text.append(o.data());
            if (OutputLines.breaks(text.toString()) >= n || o.eof() || o.next() == at) {
                out.print(OutputLines.first(text.toString(), n));
                return o;
            }
            at = o.next();
        }
    }

    /** Prints what comes after {@code from} until the task has ended and all of it is shown. */
    private void follow(HeadClient head, JobOutput.Stream stream, JobOutput from, PrintWriter out)
            throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        JobOutput last = from;
        while (last.running() || !last.eof()) {
            Thread.sleep(followEvery.toMillis());
            JobOutput o = read(head, stream, last.next(), JobOutput.MAX_BYTES);
            if (!o.path().equals(last.path()) || !o.node().equals(last.node()) || o.size() < last.next()) {
                // requeued: a new attempt writes its output from the start
                err.println(spec.name() + ": " + o.task() + " started again on " + o.node() + "; its output from the "
                        + "start:");
                err.flush();
                o = read(head, stream, 0, JobOutput.MAX_BYTES);
            }
            out.print(o.data());
            out.flush();
            last = o;
        }
    }

    /** {@code -f} on a job that has not started waits for its start (or its end without one). */
    private void awaitStart(HeadClient head) throws InterruptedException {
        Optional<Integer> index = JobId.parse(id).arrayIndex();
        boolean told = false;
        while (true) {
            Job job = head.job(id);
            Optional<Task> task = index.isPresent() ? job.task(index.get())
                    : job.tasks().size() == 1 ? Optional.of(job.tasks().get(0)) : Optional.empty();
            if (task.isEmpty() || !task.get().attempts().isEmpty() || task.get().state().isTerminal()) {
                return; // an array job without index, started, or ended unstarted: the head's answer says which
            }
            if (!told) {
                PrintWriter err = spec.commandLine().getErr();
                err.println(spec.name() + ": " + job.id().taskName(task.get().index()) + " has not started yet ("
                        + task.get().state().name().toLowerCase(Locale.ROOT) + "); waiting for it");
                err.flush();
                told = true;
            }
            Thread.sleep(followEvery.toMillis());
        }
    }
}
