package dev.hpc.head.state;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Health;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobOutput;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.head.sched.Placement;
import dev.hpc.head.sched.Preemptions;
import dev.hpc.head.sched.TaskKey;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/** The changes the cluster state accepts. Each carries the time it happens at; the state reads no clock. */
public sealed interface Command {

    /** Enter a job that is already durable in the store (see {@link ClusterState#prepareSubmit}). */
    record Admit(Job job) implements Command {
    }

    record Cancel(JobId.JobRef job, String user, Instant now) implements Command {
    }

    /** Hold with PBS hold types: {@code u} user, {@code o} operator (either or both). */
    record Hold(JobId.JobRef job, String user, String types) implements Command {
        public Hold(JobId.JobRef job, String user) {
            this(job, user, "u");
        }
    }

    /** Release the holds of the given types; a task is queued again once it has no hold left. */
    record Release(JobId.JobRef job, String user, String types) implements Command {
        public Release(JobId.JobRef job, String user) {
            this(job, user, "u");
        }
    }

    /**
     * {@code qrerun}: an operator sends running tasks back to the queue. Their current attempts are killed and
     * closed as cancelled, not as node failures, so that no node is blamed or avoided for it.
     */
    record Rerun(JobId.JobRef job, String user, Instant now) implements Command {
    }

    /**
     * {@code qmove}: a job whose tasks are all queued or held goes to another queue, checked against that queue
     * as a submission to it would be. It keeps its number, and so its order among the jobs of its new queue.
     */
    record Move(JobId.JobRef job, String queue, String user, Instant now) implements Command {
    }

    /**
     * {@code qsig}: send {@code signal} (a {@link dev.hpc.api.job.Signals} canonical name) to the processes of every
     * running task the reference names, on each node of its attempt. The job itself does not change.
     */
    record Signal(JobId.JobRef job, String user, String signal) implements Command {
    }

    /**
     * {@code qmsg}: append {@code text} to the {@code stream} file of every running task the reference names, on
     * the node where its script runs. The job itself does not change.
     */
    record Message(JobId.JobRef job, String user, JobOutput.Stream stream, String text)
            implements Command {
    }

    /** {@code qorder}: swap the queue places of two whole jobs whose tasks are all queued or held. */
    record Order(JobId.JobRef job, JobId.JobRef other, String user) implements Command {
    }

    /**
     * {@code qalter}: change a job whose tasks are all queued or held. {@code change} makes the new
     * spec from the current one; the state checks it as a submission (queue, limits, feasibility)
     * before anything changes.
     */
    record Alter(JobId.JobRef job, UnaryOperator<JobSpec> change, String user,
                 Instant now) implements Command {
    }

    /** Start the placements of a plan; each is re-checked and dropped when it no longer fits. */
    record Start(List<Placement> placements, Instant now) implements Command {
    }

    record Finish(String node, TaskResult result) implements Command {
    }

    /**
     * Results that arrived together, applied as one command: a job with many tasks ending at once (an
     * array) is recorded once for the lot, not once per task, which made large arrays quadratic.
     */
    record FinishAll(List<Finish> results) implements Command {
        public FinishAll {
            results = List.copyOf(results);
        }
    }

    record RegisterNode(Register registration, Instant now) implements Command {
    }

    record Heartbeat(String node, Health health, Instant now) implements Command {
    }

    /** A node is gone (silent past its timeout, or its worker said so); its tasks move or fail. */
    record LoseNode(String node, String reason, EndReason taskReason, Instant now) implements Command {
    }

    /**
     * Stop running tasks so that waiting tasks of a preempting queue can start, as {@link
     * dev.hpc.head.sched.Preemptions} decided: each is re-checked, signalled (SIGTERM, SIGKILL after its queue's
     * grace) and, once it ends, requeued or cancelled as its queue says.
     */
    record Preempt(List<Preemptions.Preemption> preemptions, Instant now) implements Command {
        public Preempt {
            preemptions = List.copyOf(preemptions);
        }
    }

    /** SIGKILL to the preempted tasks whose grace has passed by {@code now}. */
    record PreemptDeadlines(Instant now) implements Command {
    }

    /** End jobs whose dependencies can never be met, as the scheduler found. */
    record DependencyNeverMet(List<Long> jobNumbers, Instant now) implements Command {
    }

    /** Forget terminal jobs that ended before {@code cutoff}; the store keeps them as history. */
    record Expire(Instant cutoff) implements Command {
    }

    /** Record why queued tasks wait, as the scheduler explained; not persisted. */
    record Explain(Map<TaskKey, String> reasons, Map<TaskKey, Instant> estimates)
            implements Command {
        public Explain(Map<TaskKey, String> reasons) {
            this(reasons, Map.of());
        }
    }

    // ---- node administration and health (see docs/nodes.md)

    /** An administrator takes a node offline ({@code pbsnodes -o -N note}): no new work; running work goes on. */
    record SetOffline(String node, String note, String by, Instant now) implements Command {
    }

    /** An administrator puts a node back in service ({@code pbsnodes -c}): clears offline and drain. */
    record ClearNode(String node, String by, Instant now) implements Command {
    }

    /** An administrator drains a node: no new work; running work finishes; the node stays up. */
    record Drain(String node, String note, String by, Instant now) implements Command {
    }

    /**
     * An administrator stops a node's worker ({@code hpc worker stop}). With {@code drain} the worker is
     * told to shut down once its tasks have ended; without, at once, and its tasks move or fail now.
     */
    record StopNode(String node, boolean drain, String by, Instant now) implements Command {
    }

    /**
     * The attempts a node's heartbeat says it runs. An attempt the head placed there that the node
     * has not listed for {@code grace} (and that started longer than {@code grace} ago) has vanished:
     * its task moves or fails as after a node failure.
     */
    record CheckRunning(String node, List<Long> running, Duration grace, Instant now)
            implements Command {
    }

    /**
     * {@code qmgr}: create, change or delete a queue, or name the default queue. {@code set} holds settings by
     * the configuration file's keys ({@code max-walltime}, ...), {@code unset} the keys that go back to their
     * default; {@code add} and {@code remove} ({@code +=}, {@code -=}) hold names, comma-separated, to add to or
     * take from a list setting ({@code acl-users}, {@code preempt-targets}) as it stands when the change applies. The queues become part of the committed state: replicated, durable, kept over restarts.
     */
    record ChangeQueue(String queue, QueueChange change, Map<String, String> set,
                       Set<String> unset, String user, Map<String, String> add,
                       Map<String, String> remove) implements Command {
        public ChangeQueue {
            set = Map.copyOf(set);
            unset = Set.copyOf(unset);
            add = Map.copyOf(add);
            remove = Map.copyOf(remove);
        }

        /** A change that adds to no list and takes from none. */
        public ChangeQueue(String queue, QueueChange change, Map<String, String> set,
                           Set<String> unset, String user) {
            this(queue, change, set, unset, user, Map.of(), Map.of());
        }
    }

    enum QueueChange { CREATE, SET, DELETE, MAKE_DEFAULT }

    /**
     * {@code pbs_rsub}: an advance reservation of {@code coresPerNode} cores on each of {@code nodes} nodes from
     * {@code start} to {@code end}, confirmed only when that many nodes are free for the whole window.
     * {@code users} may submit to it besides {@code owner}. With {@code hosts}, a maintenance reservation of those
     * whole nodes ({@code pbs_rsub --hosts}): administrators only ({@code admin}), made whatever runs there. With a
     * {@code recurrence} rule ({@code pbs_rsub -r}), a standing reservation whose windows repeat, reckoned in
     * {@code zone}.
     */
    record Reserve(String name, String owner, Instant start, Instant end, int nodes, int coresPerNode,
                   Set<String> users, Instant now, List<String> hosts, boolean admin,
                   String recurrence, ZoneId zone) implements Command {
        public Reserve {
            users = Set.copyOf(users);
            hosts = List.copyOf(hosts);
        }

        /** A reservation of one window. */
        public Reserve(String name, String owner, Instant start, Instant end, int nodes, int coresPerNode,
                       Set<String> users, Instant now, List<String> hosts, boolean admin) {
            this(name, owner, start, end, nodes, coresPerNode, users, now, hosts, admin, "", ZoneOffset.UTC);
        }

        /** An ordinary reservation of cores on nodes the planner chooses. */
        public Reserve(String name, String owner, Instant start, Instant end, int nodes, int coresPerNode,
                       Set<String> users, Instant now) {
            this(name, owner, start, end, nodes, coresPerNode, users, now, List.of(), false);
        }
    }

    /** {@code pbs_rdel}: the reservation ends now and its jobs are deleted; its owner or an administrator. */
    record Unreserve(long number, String user, boolean admin, Instant now) implements Command {
    }

    /**
     * {@code pbs_ralter}: a new window for a reservation, its owner's or any for an administrator. What is not given
     * stays: a new {@code start} alone keeps the length, {@code duration} counts from the (new) start. Re-checked
     * against the nodes and the other reservations; refused whole, leaving the reservation as it was.
     */
    record AlterReservation(long number, String user, boolean admin, Optional<Instant> start,
                            Optional<Instant> end, Optional<Duration> duration,
                            Instant now) implements Command {
    }

    /** The reservations whose window has ended by {@code now} go, with their queues and jobs (as PBS does). */
    record EndReservations(Instant now) implements Command {
    }

}
