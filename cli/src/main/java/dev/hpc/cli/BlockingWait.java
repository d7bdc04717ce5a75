package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The waiting half of {@code qsub -W block=true}, run in the JVM of the caller's own command (never
 * in the command server): waits with {@link JobWaiter} and turns how the job ended into qsub's exit
 * code and, when the job did not simply exit, one line on standard error that says why.
 *
 * <p>Ctrl-C (SIGINT) ends the JVM with 130, as a shell reports a command it interrupted; the job is
 * left as it is, and a shutdown hook says so and how to follow or cancel it.
 */
final class BlockingWait {
    /** What the JVM exits with on SIGINT (128 + 2), and what qsub then reports. */
    static final int INTERRUPTED = 130;

    private BlockingWait() {
    }

    static int inThisProcess(HeadClient head, String id, PrintWriter err) {
        AtomicBoolean waiting = new AtomicBoolean(true);
        Thread hook = new Thread(() -> {
            if (waiting.get()) {
                err.println(interrupted(id));
                err.flush();
            }
        }, "qsub-block-interrupted");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return exitCode(JobWaiter.of(head, err, "qsub").await(id), id, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println(interrupted(id));
            return INTERRUPTED;
        } finally {
            waiting.set(false);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs or ran already; waiting is false, so it says nothing more
            }
        }
    }

    static String interrupted(String id) {
        return "qsub: interrupted: stopped waiting for job " + id + ", which goes on: 'qstat " + id + "' shows it, 'qdel "
                + id + "' cancels it";
    }

    /** qsub's exit code for how the wait ended; a line on {@code err} when the job did not simply exit. */
    static int exitCode(JobWaiter.Outcome outcome, String id, PrintWriter err) {
        if (outcome instanceof JobWaiter.Unknown u) {
            err.println("qsub: stopped waiting for job " + id + ": " + u.message());
            err.flush();
            return ExitCodes.UNKNOWN_JOB;
        }
        JobWaiter.Ended ended = (JobWaiter.Ended) outcome;
        Job job = ended.job();
        EndReason reason = job.reason();
        if (reason != EndReason.EXITED && reason != EndReason.NONE) {
            String by = reason == EndReason.CANCELLED && !job.cancelledBy().isEmpty() ? " by " + job.cancelledBy() : "";
            err.println("qsub: job " + id + " " + reason.description() + by + " (exit status " + job.exitStatus()
                    + "); qsub exits with " + ended.exitCode());
            err.flush();
        }
        return ended.exitCode();
    }
}
