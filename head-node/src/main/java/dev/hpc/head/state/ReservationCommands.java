package dev.hpc.head.state;

import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobState;
import dev.hpc.head.sched.ClusterSnapshot;
import dev.hpc.head.sched.Reservation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * {@code pbs_rsub}, {@code pbs_ralter} and {@code pbs_rdel}, and the end of a reservation's window: a new window is
 * checked against the cluster as the scheduler sees it, and the jobs of a window that ends are deleted.
 */
final class ReservationCommands {
    private final Reservations reservations;
    private final Queues queues;
    private final JobTable jobs;
    private final RunningJobCommands runningJobs;
    /** The scheduler's view at an instant, against which a window is checked. */
    private final Function<Instant, ClusterSnapshot> snapshots;

    ReservationCommands(Reservations reservations, Queues queues, JobTable jobs, RunningJobCommands runningJobs,
                        Function<Instant, ClusterSnapshot> snapshots) {
        this.reservations = reservations;
        this.queues = queues;
        this.jobs = jobs;
        this.runningJobs = runningJobs;
        this.snapshots = snapshots;
    }

    void reserve(Command.Reserve c, Outcome out) {
        out.answer(reservations.reserve(c, () -> snapshots.apply(c.now()), queues.defs()));
        reservationsChanged(out);
    }

    void alter(Command.AlterReservation c, Outcome out) {
        out.answer(reservations.alter(c, () -> snapshots.apply(c.now()), queues.defs()));
        reservationsChanged(out);
    }

    void unreserve(Command.Unreserve c, Outcome out) {
        Reservation r = reservations.remove(c);
        cancelJobsOf(r.queue(), st -> !st.isTerminal(), "deleted by " + c.user() + " with reservation " + r.queue(),
                c.now(), out);
        reservationsChanged(out);
    }

    /**
     * The jobs of a reservation that ended are deleted, as PBS does; a standing reservation goes on to its next
     * window, and only what runs now ends with this one: what waits in its queue waits for the next.
     */
    void end(Command.EndReservations c, Outcome out) {
        List<Reservations.Ended> ended = reservations.endBy(c.now());
        for (Reservations.Ended e : ended) {
            Reservation r = e.reservation();
            if (e.goesOn()) {
                cancelJobsOf(r.queue(), st -> st == JobState.RUNNING, "the end of window " + r.occurrence()
                        + " of reservation " + r.queue() + " at " + r.end(), c.now(), out);
            } else {
                cancelJobsOf(r.queue(), st -> !st.isTerminal(), "the end of reservation " + r.queue() + " at "
                        + r.end(), c.now(), out);
            }
        }
        if (!ended.isEmpty()) {
            reservationsChanged(out);
        }
    }

    private void cancelJobsOf(String queue, Predicate<JobState> which, String by, Instant now,
                              Outcome out) {
        for (JobEntry e : new ArrayList<>(jobs.all())) {
            if (e.spec.queue().equals(queue) && which.test(e.state())) {
                runningJobs.cancel(new Command.Cancel(new JobId.JobRef(e.id.number(), Optional.empty(), false,
                        Optional.empty()), by, now), out);
            }
        }
    }

    private void reservationsChanged(Outcome out) {
        out.reservationsChanged(reservations.changed());
        out.reschedule();
    }
}
