package dev.hpc.cli;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.Task;
import dev.hpc.api.wire.SpawnProtocol;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The life of {@code qsub -I} after the submission, as PBS prints it: "qsub: waiting for job N to start",
 * "qsub: job N ready", the session, and qsub's exit with the shell's exit status. The job does not outlive
 * qsub: when qsub is interrupted before the shell ended, or the session ended without the shell's status
 * (a takeover of the head), qsub deletes the job and says so.
 */
final class InteractiveJob {
    /** How often the job is asked for while it waits to start. */
    static final Duration POLL = Duration.ofMillis(500);
    /** How long qsub waits after the shell's end for the job's end, to say why it ended when not by itself. */
    private static final Duration EXPLAIN_WITHIN = Duration.ofSeconds(5);

    private final HeadClient head;
    private final String id;
    private final PrintWriter err;
    private final OutputStream sessionOut;
    private final OutputStream sessionErr;
    private final boolean terminalInput;

    InteractiveJob(HeadClient head, String id, PrintWriter err, OutputStream sessionOut, OutputStream sessionErr,
                   boolean terminalInput) {
        this.head = head;
        this.id = id;
        this.err = err;
        this.sessionOut = sessionOut;
        this.sessionErr = sessionErr;
        this.terminalInput = terminalInput;
    }

    int run(InputStream in) {
        say("qsub: waiting for job " + id + " to start");
        AtomicBoolean deleteOnExit = new AtomicBoolean(true);
        LocalTerminal terminal = new LocalTerminal();
        Thread hook = new Thread(() -> {
            terminal.restore();
            if (deleteOnExit.get()) {
                delete("qsub: interrupted");
            }
        }, "qsub-interactive-interrupted");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Optional<String> ended = awaitStart();
            if (ended.isPresent()) {
                deleteOnExit.set(false);
                say("qsub: job " + id + " " + ended.get());
                return ExitCodes.ERROR;
            }
            // raw mode before "ready": what is typed from then on goes to the session as it is, never echoed here
            boolean raw = terminalInput && terminal.raw();
            if (terminalInput && !raw) {
                say("qsub: could not put the terminal in raw mode; keys reach the session line by line");
            }
            String eol = raw ? "\r\n" : "\n";
            err.print("qsub: job " + id + " ready" + eol + eol);
            err.flush();
            InteractiveSession.Outcome o;
            try {
                o = new InteractiveSession(head, id, sessionOut, sessionErr, err).run(in, terminalInput,
                        terminalInput ? Optional.of(terminal) : Optional.empty());
            } finally {
                terminal.restore();
            }
            o.notes().forEach(n -> say("qsub: " + n));
            if (o.lost()) {
                delete("qsub: the session of job " + id + " ended without the shell's exit status ("
                        + o.closedBecause() + "); a session cannot follow its shell through another head");
                deleteOnExit.set(false);
                return SpawnProtocol.LOST;
            }
            int status = o.exitStatus().get();
            if (status == SpawnProtocol.LOST && !o.notes().isEmpty()) {
                // the head or the worker ended it (no shell, or a lost worker link): the job would wait on alone
                delete("qsub: the session of job " + id + " could not go on");
                deleteOnExit.set(false);
                return SpawnProtocol.LOST;
            }
            deleteOnExit.set(false);
            explainEnd();
            return status & 0xff;
        } catch (InteractiveSession.Refused e) {
            say("qsub: the session of job " + id + " was refused: " + e.getMessage());
            delete("qsub: giving up");
            deleteOnExit.set(false);
            return ExitCodes.ERROR;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return BlockingWait.INTERRUPTED;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs or ran already
            }
        }
    }

    /** Waits until the job runs; empty then, else why it never will. */
    private Optional<String> awaitStart() throws InterruptedException {
        while (true) {
            Job job = head.job(id);
            Task task = job.tasks().get(0);
            if (task.state() == JobState.RUNNING && !task.attempts().isEmpty()) {
                return Optional.empty();
            }
            if (task.state().isTerminal()) {
                return Optional.of("ended before it started: " + describe(job, task));
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** After the shell's end: says why the job ended when it did not end with the shell (qdel, walltime). */
    private void explainEnd() throws InterruptedException {
        long until = System.nanoTime() + EXPLAIN_WITHIN.toNanos();
        try {
            while (System.nanoTime() - until < 0) {
                Job job = head.job(id);
                Task task = job.tasks().get(0);
                if (task.state().isTerminal()) {
                    if (task.reason() != EndReason.EXITED) {
                        say("qsub: job " + id + " ended: " + describe(job, task));
                    }
                    return;
                }
                Thread.sleep(POLL.toMillis() / 5);
            }
        } catch (HpcException e) {
            // the shell's status is the answer; why the job ended is for qstat -x then
        }
    }

    static String describe(Job job, Task task) {
        String why = task.reason().description();
        if (task.reason() == EndReason.CANCELLED && !job.cancelledBy().isBlank()) {
            why = "deleted by " + job.cancelledBy();
        }
        return why + (task.comment().isBlank() ? "" : " (" + task.comment() + ")") + ", state "
                + task.state().name().toLowerCase(Locale.ROOT);
    }

    /** Deletes the job, saying {@code why} first; a job that ended already is left alone. */
    private void delete(String why) {
        try {
            Job job = head.job(id);
            if (job.state().isTerminal()) {
                return;
            }
            head.cancel(id);
            say(why + "; job " + id + " is deleted");
        } catch (HpcException e) {
            say(why + "; job " + id + " could not be deleted (" + e.getMessage() + "): 'qdel " + id + "' does it");
        }
    }

    private void say(String line) {
        err.println(line);
        err.flush();
    }
}
