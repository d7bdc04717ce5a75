package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.client.HpcApiException;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.Task;
import dev.hpc.api.job.TaskList;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Waits for a job to end, for {@code qsub -W block=true}: asks the head for the one job, first after
 * {@link Settings#first()}, then each time {@link Settings#factor()} times later up to
 * {@link Settings#max()}, each pause stretched or shrunk by up to a tenth at random. So a thousand
 * blocked submissions of long jobs cost the head about a hundred lookups of one job a second (one
 * map read each) and an idle kept-alive connection each, while a short job is seen to end within
 * about a second; the event stream would send every waiter every change of every job.
 *
 * <p>The head is asked through {@link HeadClient}, which goes to whichever head is active: during a
 * takeover its call waits for the new head; if none answers within its wait, this says so once and
 * keeps waiting, since the job goes on without a head. It stops only when the job has ended or when
 * the head says the job does not exist (it was never visible to this user, or left the history).
 */
final class JobWaiter {
    /** The pauses between two lookups of the job. */
    record Settings(Duration first, Duration max, double factor) {
        static final Settings DEFAULTS = new Settings(Duration.ofMillis(500), Duration.ofSeconds(10), 1.5);

        Settings {
            if (first.isNegative() || first.isZero() || max.compareTo(first) < 0 || factor < 1) {
                throw new IllegalArgumentException("invalid wait settings " + first + ", " + max + ", " + factor);
            }
        }
    }

    /** How the job is asked for: {@link HeadClient#job(String)}; tests give a double. */
    interface JobSource {
        Job job(String id);
    }

    /** How a pause is taken: {@link Thread#sleep}; tests record the pauses instead. */
    interface Pause {
        void pause(Duration d) throws InterruptedException;
    }

    /** How a wait ended. */
    sealed interface Outcome {
    }

    /** The job ended; {@code exitCode} is what qsub exits with ({@link #exitCode(Job)}). */
    record Ended(Job job, int exitCode) implements Outcome {
    }

    /** The head no longer knows the job: {@code message} is its answer. */
    record Unknown(String message) implements Outcome {
    }

    private final JobSource head;
    private final Pause pause;
    private final Settings settings;
    private final DoubleSupplier random;
    private final PrintWriter err;
    private final String prefix;

    JobWaiter(JobSource head, Pause pause, Settings settings, DoubleSupplier random, PrintWriter err, String prefix) {
        this.head = head;
        this.pause = pause;
        this.settings = settings;
        this.random = random;
        this.err = err;
        this.prefix = prefix;
    }

    /** A waiter that asks {@code client} and sleeps between lookups. */
    static JobWaiter of(HeadClient client, PrintWriter err, String prefix) {
        return new JobWaiter(client::job, d -> Thread.sleep(d.toMillis()), Settings.DEFAULTS,
                () -> ThreadLocalRandom.current().nextDouble(), err, prefix);
    }

    /**
     * Waits until job {@code id} has ended.
     *
     * @throws InterruptedException when the thread is interrupted in a pause
     */
    Outcome await(String id) throws InterruptedException {
        Duration next = settings.first();
        boolean unanswered = false;
        while (true) {
            pause.pause(jittered(next));
            try {
                Job job = head.job(id);
                if (unanswered) {
                    err.println(prefix + ": a head answers again; still waiting for job " + id);
                    err.flush();
                    unanswered = false;
                }
                if (job.state().isTerminal()) {
                    return new Ended(job, exitCode(job));
                }
            } catch (HeadTransport.UnavailableException e) {
                if (!unanswered) {
                    err.println(prefix + ": " + e.getMessage() + "; still waiting for job " + id
                            + " (Ctrl-C stops waiting and leaves the job alone)");
                    err.flush();
                    unanswered = true;
                }
            } catch (HpcApiException e) {
                if (e.isUnknownJob()) {
                    return new Unknown(e.getMessage());
                }
                throw e;
            }
            Duration grown = Duration.ofNanos((long) (next.toNanos() * settings.factor()));
            next = grown.compareTo(settings.max()) > 0 ? settings.max() : grown;
        }
    }

    /** Up to a tenth longer or shorter, so that waiters started together do not ask together. */
    private Duration jittered(Duration d) {
        return Duration.ofNanos((long) (d.toNanos() * (0.9 + 0.2 * random.getAsDouble())));
    }

    /**
     * What qsub exits with for an ended job: its exit status as a process's exit status carries it
     * (modulo 256, as OpenPBS's qsub exits with {@code Exit_status}), so a job killed after SIGTERM
     * (271) gives 15, after SIGKILL (265) 9, and a task that never ran its script (-1: its node failed,
     * a dependency that can never be met) 255. For an array job the highest of its tasks' codes, so
     * that any task that failed makes it non-zero. A job that did not complete never gives 0.
     */
    static int exitCode(Job job) {
        int worst = 0;
        for (Task t : TaskList.forms(job.tasks())) {
            worst = Math.max(worst, t.exitStatus() & 0xFF);
        }
        if (worst == 0 && job.state() != JobState.COMPLETED) {
            return 1;
        }
        return worst;
    }
}
