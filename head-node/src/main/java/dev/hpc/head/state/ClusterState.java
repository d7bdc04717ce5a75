package dev.hpc.head.state;

import dev.hpc.api.Alert;
import dev.hpc.api.Attempt;
import dev.hpc.api.EndReason;
import dev.hpc.api.Job;
import dev.hpc.api.JobId;
import dev.hpc.api.JobSpec;
import dev.hpc.api.JobState;
import dev.hpc.api.NodeInfo;
import dev.hpc.api.NodeSlot;
import dev.hpc.api.Task;
import dev.hpc.api.WireMessage.Register;
import dev.hpc.api.WireMessage.RunningTask;
import dev.hpc.api.WireMessage.TaskResult;
import dev.hpc.head.sched.ClusterSnapshot;
import dev.hpc.head.sched.Placement;
import dev.hpc.head.sched.QueueSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The job table, the node table and the allocations, changed only through {@link #apply}. Keeps
 * its own indexes (the queue in priority order, running attempts by id) so that a scheduling cycle
 * never scans the whole job table.
 *
 * <p>This class holds the job commands and dispatches every command; the parts that are one idea each are
 * classes of this package it delegates to: {@link JobTable} (the live jobs, their counts and submission keys),
 * {@link Admission} (may a job enter), {@link NodeTable} (the nodes, their marks and health), {@link NodeLoss}
 * (work lost with a node), {@link RunningAttempts} (how an attempt ends), {@link Preemption}, {@link Queues},
 * {@link Reservations}, {@link FairShareLedger}, {@link Dependencies}, {@link LaunchOrders} and
 * {@link SnapshotBuilder} (the scheduler's view).
 */
public final class ClusterState {
    /** The variables that bind a process to its GPUs: NVIDIA's CUDA, AMD's ROCm and OpenCL programs each read their own. */
    public static final List<String> GPU_VARIABLES = LaunchOrders.GPU_VARIABLES;

    private final String cluster;
    private final long epoch;
    private final Versions versions;
    private final JobTable jobs = new JobTable();
    private final WaitingCounts waiting = new WaitingCounts();
    /** The jobs the command being applied changed; committed as one when it is done. */
    private final ChangedJobs changedJobs = new ChangedJobs();
    private final QueueIndex queue = new QueueIndex();
    /** The running attempts by id; the node table, the snapshot and preemption read the same map. */
    private final Map<Long, TaskEntry> running = new HashMap<>();
    private final FairShareLedger fairShare = new FairShareLedger();
    /** The queues, configured or committed by {@code qmgr} (docs/scheduling.md). */
    private final Queues queues;
    /** The advance reservations not yet ended (docs/scheduling.md). */
    private final Reservations reservations;
    private final NodeTable nodes;
    /** How running attempts end, and the ids of new ones. */
    private final RunningAttempts attempts;
    private final NodeLoss nodeLoss;
    private final Preemption preemption;
    /** Checks a submission, or a change to a waiting job, against the queues and the nodes. */
    private final Admission admission;
    /** The outcomes dependencies wait for, of live jobs and of jobs no longer in memory. */
    private final Dependencies dependencies;
    private final LaunchOrders launches;
    private final SnapshotBuilder snapshots;
    private long nextJobNumber;
    /**
     * How long a started attempt may be missing from its worker's registration before it counts as
     * lost: the launch may still be on its way. The head sets it to the node timeout.
     */
    private java.time.Duration launchGrace = java.time.Duration.ofSeconds(5);
    /** See {@link #sealEndedTasksAt}. */
    private int sealEndedAt = 1000;

    /**
     * @param epoch the epoch of this head's term; attempt ids start at {@code epoch << 32} so that
     *              no two terms ever hand out the same attempt id
     * @param nextJobNumber the first job number this head may give out
     */
    public ClusterState(String cluster, long epoch, long nextJobNumber, int maxRequeues) {
        this.cluster = cluster;
        this.epoch = epoch;
        this.versions = new Versions(epoch);
        this.queues = new Queues(versions);
        this.reservations = new Reservations(cluster, versions);
        this.nodes = new NodeTable(versions, running);
        this.attempts = new RunningAttempts(running, nodes, fairShare, maxRequeues, epoch);
        this.nodeLoss = new NodeLoss(nodes, running, attempts);
        this.preemption = new Preemption(jobs, running, queues, nodes, attempts);
        this.admission = new Admission(nodes, queues, reservations);
        this.dependencies = new Dependencies(cluster, jobs);
        this.launches = new LaunchOrders(nodes);
        this.snapshots = new SnapshotBuilder(queue, nodes, running, dependencies, queues, reservations, fairShare);
        this.nextJobNumber = Math.max(1, nextJobNumber);
    }

    public String cluster() {
        return cluster;
    }

    public void launchGrace(java.time.Duration grace) {
        this.launchGrace = grace;
    }

    public long epoch() {
        return epoch;
    }

    /**
     * How many ended tasks of an array are sealed together into a segment stored apart from the job's body
     * (issue 15): the body then holds at most about this many ended tasks, however many have ended.
     */
    public void sealEndedTasksAt(int tasks) {
        if (tasks < 1) {
            throw new IllegalArgumentException("tasks are sealed in segments of at least 1, not " + tasks);
        }
        this.sealEndedAt = tasks;
    }

    // ------------------------------------------------------------------ restore

    /** Loads a job from the store at start-up, before any command. */
    public void restore(Job job) {
        JobEntry entry = new JobEntry(job, waiting, changedJobs, queue);
        jobs.restore(entry);
        nextJobNumber = Math.max(nextJobNumber, job.id().number() + 1);
        for (TaskEntry t : entry.keptTasks()) {
            if (t.state == JobState.RUNNING) {
                running.put(t.currentAttemptId(), t);
                for (NodeSlot s : t.current().nodes()) {
                    NodeEntry n = nodes.getOrAdd(s.node());
                    n.occupy(t.currentAttemptId(), s, t.job.spec);
                    n.holdGpus(s.gpus(), true);
                }
            }
        }
    }

    /** Remembers how a job that is only in history ended, for dependencies that name it. */
    public void restoreOutcome(long number, JobState state, int exitStatus) {
        dependencies.remember(number, state, exitStatus);
        nextJobNumber = Math.max(nextJobNumber, number + 1);
    }

    // ------------------------------------------------------------------ queries

    /** The owner of a live job, for the access check before a command; empty when there is no such job. */
    public java.util.Optional<String> ownerOf(long number) {
        JobEntry e = jobs.get(number);
        return e == null ? java.util.Optional.empty() : java.util.Optional.of(e.spec.owner());
    }

    /** The full id of a live job, for messages. */
    public java.util.Optional<JobId> idOf(long number) {
        JobEntry e = jobs.get(number);
        return e == null ? java.util.Optional.empty() : java.util.Optional.of(e.id);
    }

    /** How many queued or held tasks the owner has (the per-user queued limit). */
    public int waitingTasks(String owner) {
        return waiting.of(owner);
    }

    /** How many jobs with a queued or held task the owner has (the per-user queued jobs limit). */
    public int waitingJobs(String owner) {
        return waiting.jobsOf(owner);
    }

    public java.util.Optional<Job> job(long number) {
        JobEntry e = jobs.get(number);
        return e == null ? java.util.Optional.empty() : java.util.Optional.of(e.toRecord());
    }

    /**
     * Jobs in number order above {@code after}, filtered, at most {@code limit}; and the total that
     * matched. Only the jobs shown are built as records; the rest are counted from their entries.
     */
    public Page jobs(JobFilter filter, long after, int limit) {
        return jobs.page(filter, after, limit);
    }

    /** Whether any task waits in the queue: without one a scheduling cycle has nothing to decide. */
    public boolean hasQueued() {
        return queue.size() > 0;
    }

    public record Page(List<Job> jobs, int total, long next) {
    }

    /** The number the next job gets: every job this head held or holds has a smaller one. */
    public long nextJobNumber() {
        return nextJobNumber;
    }

    /**
     * Gives out no number below {@code first}: a head that takes over starts above every number the voters had
     * reserved for the heads before it, which may be above what its copy of the jobs knows.
     */
    public void skipJobNumbersBelow(long first) {
        nextJobNumber = Math.max(nextJobNumber, first);
    }

    public Map<JobState, Integer> jobCounts() {
        return jobs.counts();
    }

    /**
     * The job figures for {@code /metrics}, from counts kept as jobs change: the cost grows with the queues
     * and the users that have work, not with the jobs or their tasks.
     */
    public JobFigures jobFigures() {
        return jobs.figures(queues.knownNames());
    }

    /** How many tasks wait in the queue for the scheduler (queued, not held). */
    public long queuedTasks() {
        return queue.size();
    }

    /** Loads a node known from an earlier run: it is down until its worker registers again. */
    public void restore(NodeInfo node, Instant now) {
        nodes.restore(node, now);
    }

    public List<NodeInfo> nodes() {
        return nodes.records();
    }

    public java.util.Optional<NodeInfo> node(String name) {
        return nodes.record(name);
    }

    /** The node figures for {@code /metrics}: one pass over the nodes, no records built. */
    public NodeFigures nodeFigures() {
        return nodes.figures();
    }

    /** Nodes whose last sign of life is older than {@code cutoff} and that are still up, or never came back. */
    public List<String> silentNodes(Instant cutoff) {
        return nodes.silentSince(cutoff);
    }

    /**
     * Whether a node would still be judged by the failure detector (up, or holding work) and nothing
     * was heard from it (no heartbeat, no registration) since {@code since}.
     */
    public boolean unheardSince(String node, Instant since) {
        return nodes.unheardSince(node, since);
    }

    /** Total and free cores of the schedulable nodes, for the cluster summary. */
    public int[] coreTotals() {
        return nodes.coreTotals();
    }

    // ------------------------------------------------------------------ submission

    /**
     * Checks a new job against the cluster and gives it its number, without entering it: the caller
     * makes it durable first and then applies {@link Command.Admit}. Throws when it can never run.
     */
    public Job prepareSubmit(JobSpec spec, Instant now) {
        spec = admission.admit(spec, "");
        dependencies.requireKnown(spec);
        long number = nextJobNumber;
        JobId id = new JobId(number, cluster, spec.isArray());
        JobSpec complete = LaunchOrders.withOutputPaths(spec, number);
        // an array's tasks are one record until they start or are acted on alone (issue 15)
        List<Task> tasks = spec.isArray()
                ? dev.hpc.api.TaskList.of(List.of(), dev.hpc.api.UnstartedTasks.fresh(
                        spec.array().orElseThrow().indexSet(), spec.userHold()))
                : List.of(Task.fresh(Task.NO_INDEX, spec.userHold()));
        nextJobNumber++;
        return new Job(id, complete, spec.userHold() ? JobState.HELD : JobState.QUEUED, now, tasks, "",
                versions.after(0));
    }

    /**
     * The live job its owner submitted with this idempotency key, if any: a retry of a submission is
     * answered with it. Keys are remembered as long as their job is in memory (at least the keep time).
     */
    public java.util.Optional<Job> jobBySubmitKey(String owner, String key) {
        return jobs.numberBySubmitKey(owner, key).flatMap(this::job);
    }

    // ------------------------------------------------------------------ commands

    /**
     * Applies a command and returns what it changed. Every job it changed is in the outcome once, at a new
     * version, in its final form. A command refused (a lost race, a bad request) changes nothing; one that
     * fails after changing a job is a bug, and the state cannot be trusted after it.
     */
    public Outcome apply(Command command) {
        Outcome out = new Outcome();
        try {
            dispatch(command, out);
        } catch (RuntimeException e) {
            if (!changedJobs.isEmpty()) {
                List<Long> numbers = changedJobs.drain().stream().map(j -> j.id.number()).toList();
                throw new HalfAppliedException("should never happen: " + command.getClass().getSimpleName()
                        + " failed after changing jobs " + numbers + "; this state can no longer be trusted", e);
            }
            throw e;
        }
        for (JobEntry e : changedJobs.drain()) {
            jobs.counted(e);
            e.version = versions.after(e.version);
            e.sealEnded(sealEndedAt, e.version).ifPresent(out::sealed);
            Job record = e.toRecord();
            out.changed(record);
            out.refreshAnswer(record);
        }
        return out;
    }

    private void dispatch(Command command, Outcome out) {
        if (command instanceof Command.Admit c) {
            admit(c, out);
        } else if (command instanceof Command.Cancel c) {
            cancel(c, out);
        } else if (command instanceof Command.Hold c) {
            hold(c, out);
        } else if (command instanceof Command.Release c) {
            release(c, out);
        } else if (command instanceof Command.Start c) {
            start(c, out);
        } else if (command instanceof Command.Finish c) {
            finish(c.node(), c.result(), out);
        } else if (command instanceof Command.FinishAll c) {
            for (Command.Finish f : c.results()) {
                finish(f.node(), f.result(), out);
            }
        } else if (command instanceof Command.RegisterNode c) {
            register(c, out);
        } else if (command instanceof Command.Heartbeat c) {
            nodes.heartbeat(c, launchGrace, out);
        } else if (command instanceof Command.LoseNode c) {
            nodeLoss.lose(c, out);
        } else if (command instanceof Command.DependencyNeverMet c) {
            dependencyNeverMet(c, out);
        } else if (command instanceof Command.Expire c) {
            expire(c, out);
        } else if (command instanceof Command.Alter c) {
            alter(c, out);
        } else if (command instanceof Command.Rerun c) {
            rerun(c, out);
        } else if (command instanceof Command.Signal c) {
            signal(c, out);
        } else if (command instanceof Command.Message c) {
            message(c, out);
        } else if (command instanceof Command.Order c) {
            order(c, out);
        } else if (command instanceof Command.Move c) {
            move(c, out);
        } else if (command instanceof Command.ChangeQueue c) {
            changeQueue(c, out);
        } else if (command instanceof Command.Reserve c) {
            reserve(c, out);
        } else if (command instanceof Command.Unreserve c) {
            unreserve(c, out);
        } else if (command instanceof Command.AlterReservation c) {
            alterReservation(c, out);
        } else if (command instanceof Command.EndReservations c) {
            endReservations(c, out);
        } else if (command instanceof Command.Explain c) {
            explain(c);
        } else if (command instanceof Command.Preempt c) {
            preemption.begin(c, out);
        } else if (command instanceof Command.PreemptDeadlines c) {
            preemption.killOverdue(c, out);
        } else if (command instanceof Command.SetOffline c) {
            nodes.setOffline(c, out);
        } else if (command instanceof Command.ClearNode c) {
            nodes.clear(c, out);
        } else if (command instanceof Command.Drain c) {
            nodes.drain(c, out);
        } else if (command instanceof Command.StopNode c) {
            nodeLoss.stop(c, out);
        } else if (command instanceof Command.CheckRunning c) {
            nodeLoss.checkRunning(c, out);
        } else {
            throw new IllegalStateException("should never happen: unhandled command " + command);
        }
        nodes.stopDrained(out);
    }

    private void admit(Command.Admit c, Outcome out) {
        JobEntry e = new JobEntry(c.job(), waiting, changedJobs, queue);
        jobs.admit(e);
        for (TaskEntry t : e.keptTasks()) {
            if (t.state == JobState.QUEUED) {
                t.comment = "waiting for the scheduler";
            } else if (t.state == JobState.HELD) {
                t.comment = "held by the user";
            }
        }
        if (e.unstarted.in(JobState.QUEUED)) {
            e.unstarted.comment = "waiting for the scheduler";
        } else if (e.unstarted.in(JobState.HELD)) {
            e.unstarted.comment = "held by the user";
        }
        out.answer(e.toRecord());
        out.reschedule();
    }

    private JobEntry resolve(JobId.JobRef ref) {
        JobEntry e = jobs.get(ref.number());
        if (e == null || ref.cluster().map(c -> !c.equals(cluster) && !cluster.startsWith(c + ".")
                && !c.startsWith(cluster + ".")).orElse(false)) {
            throw Rejection.unknownJob(ref.toString());
        }
        if (ref.arrayIndex().isPresent() && !e.has(ref.arrayIndex().get())) {
            throw Rejection.unknownJob(ref.toString());
        }
        return e;
    }

    /**
     * The kept tasks a reference names: one index of an array job (taken apart from the unstarted ones, so that
     * it may change alone), or all kept tasks of the job; a command on the whole job acts on its unstarted
     * tasks as well ({@link #namesWholeJob}).
     */
    private List<TaskEntry> tasksOf(JobEntry e, JobId.JobRef ref) {
        if (ref.arrayIndex().isPresent()) {
            return List.of(e.touch(ref.arrayIndex().get()));
        }
        return new ArrayList<>(e.keptTasks());
    }

    private static boolean namesWholeJob(JobId.JobRef ref) {
        return ref.arrayIndex().isEmpty();
    }

    private void cancel(Command.Cancel c, Outcome out) {
        JobEntry e = resolve(c.job());
        List<TaskEntry> targets = tasksOf(e, c.job());
        JobEntry.Unstarted unstarted = e.unstarted;
        boolean unstartedLive = namesWholeJob(c.job())
                && (unstarted.in(JobState.QUEUED) || unstarted.in(JobState.HELD));
        boolean anyLive = unstartedLive || targets.stream().anyMatch(t -> !t.state.isTerminal());
        if (!anyLive) {
            throw Rejection.notAllowed("job " + c.job() + " has already finished (" + e.state()
                    + "); there is nothing to cancel");
        }
        for (TaskEntry t : targets) {
            if (t.state == JobState.QUEUED || t.state == JobState.HELD) {
                t.moveTo(JobState.CANCELLED);
                t.reason = EndReason.CANCELLED;
                t.exitStatus = 256 + 15;
                t.end = c.now();
                t.comment = "cancelled by " + c.user() + " before it started";
            } else if (t.state == JobState.RUNNING && !t.cancelRequested) {
                t.cancelRequested = true;
                t.comment = "cancelled by " + c.user() + "; waiting for its processes to end";
                for (NodeSlot s : t.current().nodes()) {
                    out.effect(new Effect.Kill(s.node(), t.currentAttemptId(), EndReason.CANCELLED));
                }
                NodeEntry first = nodes.get(t.current().nodes().get(0).node());
                if (first == null || !first.up) {
                    attempts.endRunning(t, c.now(), JobState.CANCELLED, EndReason.CANCELLED, 256 + 15);
                }
            }
        }
        if (unstartedLive) {
            unstarted.moveTo(JobState.CANCELLED);
            unstarted.reason = EndReason.CANCELLED;
            unstarted.exitStatus = 256 + 15;
            unstarted.end = c.now();
            unstarted.comment = "cancelled by " + c.user() + " before it started";
        }
        e.cancelledBy = c.user();
        e.changed();
        out.answer(e.toRecord());
        out.reschedule();
    }

    private void hold(Command.Hold c, Outcome out) {
        JobEntry e = resolve(c.job());
        int held = 0;
        for (TaskEntry t : tasksOf(e, c.job())) {
            if (t.state == JobState.QUEUED) {
                t.moveTo(JobState.HELD);
                t.holds = Holds.add("", c.types());
                t.comment = Holds.comment(t.holds, c.user());
                held++;
            } else if (t.state == JobState.HELD) {
                t.holds = Holds.add(t.holds, c.types());
                t.comment = Holds.comment(t.holds, c.user());
                held++;
            }
        }
        JobEntry.Unstarted u = e.unstarted;
        if (namesWholeJob(c.job()) && (u.in(JobState.QUEUED) || u.in(JobState.HELD))) {
            if (u.state == JobState.QUEUED) {
                u.moveTo(JobState.HELD);
                u.holds = Holds.add("", c.types());
            } else {
                u.holds = Holds.add(u.holds, c.types());
            }
            u.comment = Holds.comment(u.holds, c.user());
            held += u.indices.size();
        }
        if (held == 0) {
            throw Rejection.notAllowed("job " + c.job() + " is " + e.state()
                    + "; only queued jobs can be held (Request invalid for state of job)");
        }
        e.changed();
        out.answer(e.toRecord());
    }

    private void release(Command.Release c, Outcome out) {
        JobEntry e = resolve(c.job());
        int released = 0;
        for (TaskEntry t : tasksOf(e, c.job())) {
            if (t.state == JobState.HELD && Holds.overlaps(t.holds, c.types())) {
                t.holds = Holds.remove(t.holds, c.types());
                released++;
                if (t.holds.isEmpty()) {
                    t.moveTo(JobState.QUEUED);
                    t.comment = "waiting for the scheduler";
                } else {
                    t.comment = Holds.comment(t.holds, c.user());
                }
            }
        }
        JobEntry.Unstarted u = e.unstarted;
        if (namesWholeJob(c.job()) && u.in(JobState.HELD) && Holds.overlaps(u.holds, c.types())) {
            u.holds = Holds.remove(u.holds, c.types());
            released += u.indices.size();
            if (u.holds.isEmpty()) {
                u.moveTo(JobState.QUEUED);
                u.comment = "waiting for the scheduler";
            } else {
                u.comment = Holds.comment(u.holds, c.user());
                e.changed();
            }
        }
        if (released == 0) {
            throw Rejection.notAllowed("job " + c.job() + " is " + e.state()
                    + " and has no " + Holds.describe(c.types()) + " hold to release");
        }
        e.changed();
        out.answer(e.toRecord());
        out.reschedule();
    }

    private void start(Command.Start c, Outcome out) {
        for (Placement p : c.placements()) {
            JobEntry e = jobs.get(p.task().jobNumber());
            if (e == null || !nodes.canTake(p.slots(), e.spec)) {
                continue; // stale placement: the next cycle decides again
            }
            TaskEntry t = queuedTask(e, p.task().index());
            if (t == null) {
                continue;
            }
            t.moveTo(JobState.RUNNING);
            long attemptId = attempts.nextId();
            long gpusPerNode = t.job.spec.resources().generic().getOrDefault(NodeEntry.GPU, 0L);
            List<NodeSlot> slots = new ArrayList<>(p.slots().size());
            for (NodeSlot s : p.slots()) {
                NodeEntry n = nodes.get(s.node());
                n.occupy(attemptId, s, t.job.spec);
                // which of the node's GPUs, not only how many: the job sees those alone (CUDA_VISIBLE_DEVICES)
                slots.add(gpusPerNode > 0 ? s.withGpus(n.takeGpus(gpusPerNode)) : s);
            }
            t.attempts.add(new Attempt(attemptId, slots, c.now(), Instant.EPOCH, JobState.RUNNING,
                    EndReason.NONE, 0));
            t.comment = "";
            e.running++;
            running.put(attemptId, t);
            out.effect(new Effect.Launch(slots.get(0).node(), launches.of(t, attemptId, slots)));
        }
    }

    /** The queued task with this index, taken apart from the unstarted ones when it is one; null when none. */
    private static TaskEntry queuedTask(JobEntry e, int index) {
        TaskEntry t = e.task(index);
        if (t != null) {
            return t.state == JobState.QUEUED ? t : null;
        }
        return e.unstarted.in(JobState.QUEUED) ? e.touch(index) : null;
    }

    /**
     * Applies a result from a worker; a result of any but the current attempt is stale and changes nothing.
     */
    private void finish(String node, TaskResult result, Outcome out) {
        out.effect(new Effect.Ack(node, result.attemptId()));
        TaskEntry t = running.get(result.attemptId());
        if (t == null || t.state != JobState.RUNNING || t.currentAttemptId() != result.attemptId()) {
            return;
        }
        if (t.preemptor != null && !t.cancelRequested) {
            preemption.ended(t, result, out);
            killSpawnsOnOtherNodes(t, node, result.attemptId(), EndReason.PREEMPTED, out);
            out.reschedule();
            return;
        }
        JobState outcome;
        EndReason reason = result.reason();
        if (t.cancelRequested || reason == EndReason.CANCELLED) {
            outcome = JobState.CANCELLED;
            reason = EndReason.CANCELLED;
        } else if (reason == EndReason.EXITED && result.exitStatus() == 0) {
            outcome = JobState.COMPLETED;
        } else {
            outcome = JobState.FAILED;
        }
        attempts.endRunning(t, result.end(), outcome, reason, result.exitStatus());
        if (outcome == JobState.FAILED && !result.detail().isBlank()) {
            t.comment = reason.description() + ": " + result.detail();
        }
        killSpawnsOnOtherNodes(t, node, result.attemptId(), reason, out);
        out.reschedule();
    }

    /**
     * The script of a multi-node attempt ended on its first node: the other nodes of the allocation
     * kill what they still run for it (commands spawned by MPI or {@code hpc dsh}; docs/mpi.md).
     */
    private void killSpawnsOnOtherNodes(TaskEntry t, String reportingNode, long attemptId, EndReason reason,
                                        Outcome out) {
        for (NodeSlot s : t.current().nodes()) {
            if (!s.node().equals(reportingNode) && nodes.isUp(s.node())) {
                out.effect(new Effect.Kill(s.node(), attemptId, reason));
            }
        }
    }

    /**
     * The attempt when it is the current, running attempt of its task and no cancel is under way:
     * the only kind into which its job may spawn commands (docs/mpi.md).
     */
    public java.util.Optional<SpawnTarget> spawnTarget(long attemptId) {
        TaskEntry t = running.get(attemptId);
        if (t == null || t.state != JobState.RUNNING || t.currentAttemptId() != attemptId || t.cancelRequested) {
            return java.util.Optional.empty();
        }
        // a command spawned on a node is bound as the job's script would be there (issue 18)
        return java.util.Optional.of(new SpawnTarget(attemptId, t.job.id.number(), t.name(), t.job.spec.owner(),
                t.current().nodes(), dev.hpc.api.ProcessLimits.of(t.job.spec.recorded()), launches.gpuBindings(t)));
    }

    /**
     * A worker (re)registers: record its capacity, take its buffered results, keep the attempts it
     * still runs that are current, kill the stale ones, and requeue what it no longer runs.
     */
    private void register(Command.RegisterNode c, Outcome out) {
        Register r = c.registration();
        NodeEntry n = nodes.getOrAdd(r.node());
        n.host = r.host();
        n.cores = r.cores();
        n.memory = r.memory();
        n.generic = new TreeMap<>(r.generic());
        n.traits = r.traits();
        n.up = true;
        n.registeredHere = true;
        n.lastHeartbeat = c.now();
        n.watchedSince = c.now();
        n.reason = "";
        nodes.registered(n, r, c.now(), out);
        for (TaskResult result : r.finished()) {
            finish(r.node(), result, out);
        }
        Set<Long> reported = new java.util.HashSet<>();
        for (RunningTask rt : r.running()) {
            reported.add(rt.attemptId());
            if (!attempts.isCurrentOn(rt.attemptId(), r.node())) {
                out.effect(new Effect.Kill(r.node(), rt.attemptId(), EndReason.NODE_FAILURE));
            }
        }
        for (long attemptId : new ArrayList<>(n.attempts)) {
            TaskEntry t = running.get(attemptId);
            // A registration may have been sent before a launch that is still on its way: a young
            // attempt is left to the heartbeat check, which requeues it if it never shows up.
            boolean young = t != null && t.current().start().plus(launchGrace).isAfter(c.now());
            if (t != null && t.current().nodes().get(0).node().equals(r.node()) && !reported.contains(attemptId)
                    && !young) {
                attempts.requeueOrFail(t, c.now(), EndReason.NODE_FAILURE, out, r.node(),
                        "its worker registered again without it");
            }
        }
        out.changed(nodes.changed(n));
        out.reschedule();
    }

    /**
     * {@code qrerun}: every running task the reference names goes back to the queue with a new attempt to come,
     * as after a node failure, but its attempt ends as cancelled: the node is neither blamed nor avoided. The
     * whole request is checked before anything changes.
     */
    private void rerun(Command.Rerun c, Outcome out) {
        JobEntry e = resolve(c.job());
        List<TaskEntry> targets = runningTasks(e, c.job(), "rerun",
                ": a queued job starts by itself, a held one after qrls");
        for (TaskEntry t : targets) {
            if (t.cancelRequested) {
                throw Rejection.notAllowed("task " + t.name() + " is being cancelled; it cannot be rerun");
            }
            if (!t.job.spec.rerunnable()) {
                throw Rejection.notAllowed("job " + c.job() + " was submitted as not rerunnable (qsub -r n); "
                        + "it cannot be rerun. Cancel it (qdel) and submit it again instead");
            }
        }
        for (TaskEntry t : targets) {
            long attemptId = t.currentAttemptId();
            int attempt = t.attempts.size();
            for (NodeSlot s : t.current().nodes()) {
                if (nodes.isUp(s.node())) {
                    // CANCELLED, a reason every worker knows: its result for this attempt is stale and ignored anyway
                    out.effect(new Effect.Kill(s.node(), attemptId, EndReason.CANCELLED));
                }
            }
            attempts.closeRunningAttempt(t, c.now(), JobState.QUEUED, EndReason.CANCELLED, -1);
            t.comment = "requeued by " + c.user() + " (qrerun)";
            out.alert(Alert.of(Alert.Kind.TASK_REQUEUED, t.name(), "task " + t.name() + " requeued by " + c.user()
                    + " (qrerun); attempt " + attempt + " was killed", c.now()));
        }
        e.changed();
        out.answer(e.toRecord());
        out.reschedule();
    }

    // ------------------------------------------------------------------ preemption (docs/scheduling.md)

    /** Whether a preempted task's grace has passed by {@code now} without its SIGKILL sent. */
    public boolean preemptionDue(Instant now) {
        return preemption.due(now);
    }


    /** The running tasks the reference names; refused, in PBS's words, when none runs. */
    private List<TaskEntry> runningTasks(JobEntry e, JobId.JobRef ref, String verb, String alternative) {
        List<TaskEntry> targets = new ArrayList<>();
        for (TaskEntry t : tasksOf(e, ref)) {
            if (t.state == JobState.RUNNING) {
                targets.add(t);
            }
        }
        if (targets.isEmpty()) {
            throw Rejection.notAllowed("job " + ref + " is " + e.state() + "; only running jobs can be "
                    + verb + " (Request invalid for state of job)" + alternative);
        }
        return targets;
    }

    /**
     * {@code qsig}: the signal goes to every node of each running task's attempt, where the worker sends it to the
     * script's processes and to the commands spawned into the attempt. Nothing in the job changes, so nothing is
     * written; the effects still go out only after every earlier change is durable.
     */
    private void signal(Command.Signal c, Outcome out) {
        JobEntry e = resolve(c.job());
        for (TaskEntry t : runningTasks(e, c.job(), "signalled", "")) {
            long attemptId = t.currentAttemptId();
            for (NodeSlot s : t.current().nodes()) {
                if (nodes.isUp(s.node())) {
                    out.effect(new Effect.Signal(s.node(), attemptId, c.signal()));
                }
            }
        }
        out.answer(e.toRecord());
    }

    /** {@code qmsg}: the line goes to the node where each running task's script runs, which holds its files. */
    private void message(Command.Message c, Outcome out) {
        JobEntry e = resolve(c.job());
        for (TaskEntry t : runningTasks(e, c.job(), "sent a message",
                ": a job's output file is written on its node while it runs")) {
            NodeSlot first = t.current().nodes().get(0);
            if (nodes.isUp(first.node())) {
                out.effect(new Effect.AppendOutput(first.node(), t.currentAttemptId(), c.stream(), c.text()));
            }
        }
        out.answer(e.toRecord());
    }

    /**
     * {@code qorder}: two waiting jobs of one queue and priority swap their places: the rank that orders a queue
     * group (the job number until a swap) and the time their age counts from. A job's place is its priority
     * first (docs/scheduling.md), so jobs of different queues or {@code -p} are refused: swapping their ranks
     * would not swap their order.
     */
    private void order(Command.Order c, Outcome out) {
        JobEntry a = waitingJob(c.job(), "qorder reorders", "reordered");
        JobEntry b = waitingJob(c.other(), "qorder reorders", "reordered");
        if (a == b) {
            throw Rejection.notAllowed("qorder needs two different jobs; " + c.job() + " and " + c.other()
                    + " are both job " + a.id);
        }
        if (!a.spec.queue().equals(b.spec.queue())) {
            throw Rejection.notAllowed("jobs " + a.id + " (queue " + a.spec.queue() + ") and " + b.id
                    + " (queue " + b.spec.queue() + ") are in different queues; qorder swaps jobs of one queue "
                    + "here: qmove one of them first");
        }
        if (a.spec.priority() != b.spec.priority()) {
            throw Rejection.notAllowed("jobs " + a.id + " (-p " + a.spec.priority() + ") and " + b.id + " (-p "
                    + b.spec.priority() + ") have different priorities, which order them before their places do: "
                    + "give them the same priority with qalter -p first");
        }
        queue.regroup(a, () -> queue.regroup(b, () -> {
            long rank = a.rank;
            Instant since = a.rankSince;
            a.rank = b.rank;
            a.rankSince = b.rankSince;
            b.rank = rank;
            b.rankSince = since;
        }));
        for (JobEntry e : List.of(a, b)) {
            JobEntry other = e == a ? b : a;
            String comment = "place swapped with job " + other.id + " by " + c.user() + " (qorder)";
            for (TaskEntry t : e.keptTasks()) {
                if (t.state == JobState.QUEUED) {
                    t.comment = comment;
                }
            }
            if (e.unstarted.in(JobState.QUEUED)) {
                e.unstarted.comment = comment;
            }
            e.changed();
        }
        out.answer(a.toRecord());
        out.reschedule();
    }

    private void dependencyNeverMet(Command.DependencyNeverMet c, Outcome out) {
        for (long number : c.jobNumbers()) {
            JobEntry e = jobs.get(number);
            if (e == null) {
                continue;
            }
            for (TaskEntry t : new ArrayList<>(e.keptTasks())) {
                if (t.state == JobState.QUEUED || t.state == JobState.HELD) {
                    t.moveTo(JobState.CANCELLED);
                    t.reason = EndReason.DEPENDENCY_NEVER_MET;
                    t.exitStatus = -1;
                    t.end = c.now();
                    t.comment = EndReason.DEPENDENCY_NEVER_MET.description();
                }
            }
            JobEntry.Unstarted u = e.unstarted;
            if (u.in(JobState.QUEUED) || u.in(JobState.HELD)) {
                u.moveTo(JobState.CANCELLED);
                u.reason = EndReason.DEPENDENCY_NEVER_MET;
                u.exitStatus = -1;
                u.end = c.now();
                u.comment = EndReason.DEPENDENCY_NEVER_MET.description();
            }
            e.changed();
        }
        out.reschedule();
    }

    private void expire(Command.Expire c, Outcome out) {
        for (JobEntry e : jobs.expireEndedBefore(c.cutoff())) {
            dependencies.remember(e.id.number(), e.state(), e.toRecord().exitStatus());
            out.expired(e.id.number(), e.segments());
        }
    }

    /**
     * Gives the tasks the scheduler looked at its reasons. An array's unstarted tasks share the reason of the
     * first of them it looked at (the next to start); one with an estimated start is taken apart to hold it.
     */
    private void explain(Command.Explain c) {
        Set<JobEntry> unstartedExplained = new java.util.HashSet<>();
        c.reasons().forEach((key, reason) -> {
            JobEntry e = jobs.get(key.jobNumber());
            if (e == null) {
                return;
            }
            Instant estimate = c.estimates().getOrDefault(key, Instant.EPOCH);
            boolean dependency = reason.startsWith(dev.hpc.head.sched.Scheduler.DEPENDENCY_REASON);
            TaskEntry t = e.task(key.index());
            if (t == null && e.unstarted.in(JobState.QUEUED) && e.unstarted.indices.contains(key.index())) {
                if (estimate.equals(Instant.EPOCH)) {
                    if (unstartedExplained.add(e)) {
                        e.unstarted.comment = reason;
                        e.unstarted.dependencyWait = dependency;
                    }
                    return;
                }
                t = e.touch(key.index());
            }
            if (t != null && t.state == JobState.QUEUED) {
                // a requeued victim of preemption keeps saying so while it waits again
                t.comment = t.comment.startsWith(TaskEntry.PREEMPTED_BY)
                        ? t.comment.split("; ", 2)[0] + "; " + reason : reason;
                t.dependencyWait = dependency;
                t.estimatedStart = estimate;
            }
        });
    }

    /**
     * Attempts a worker says it runs that are not the current attempt of a task started on it: stale
     * (a launch that crossed a requeue, a worker back from a cut). They are to be killed.
     */
    public List<Effect> staleAttempts(String node, List<Long> runningAttempts) {
        return attempts.stale(node, runningAttempts);
    }

    // ------------------------------------------------------------------ scheduling view

    /** A view of the queue and nodes for one plan, usage not decayed; valid until the next command. */
    public ClusterSnapshot snapshot() {
        return snapshot(Instant.EPOCH);
    }

    /**
     * A view for one plan at {@code now}: the queue in groups, the nodes, the running tasks with
     * their walltimes, the queue definitions and each user's decayed usage. Valid until the next command.
     */
    public ClusterSnapshot snapshot(Instant now) {
        return snapshots.at(now);
    }

    // ------------------------------------------------------------------ node health and administration

    // ------------------------------------------------------------------ queues, fair-share and qalter (docs/scheduling.md)

    /**
     * The queues of the head's configuration; {@code defaultName} takes jobs that name none. With no
     * queue at all, every queue name is accepted and none has limits.
     */
    public void useQueues(List<dev.hpc.head.sched.QueueDef> defs, String defaultName) {
        queues.use(defs, defaultName);
    }

    /** The queue of a job that names none: the configuration's, or the one {@code qmgr} made the default. */
    public String defaultQueue() {
        return queues.defaultName();
    }

    /** Whether the queues are those {@code qmgr} committed, which win over the configuration file's. */
    public boolean queuesCommitted() {
        return queues.committed();
    }

    /** The queues {@code qmgr} committed, as the store or a replica holds them ({@link QueueSettings#body}). */
    public void restoreQueues(String body) {
        queues.restore(body);
    }

    /** The committed queues' body, when {@code qmgr} made them; for a recommit of everything. */
    public java.util.Optional<String> committedQueues() {
        return queues.committedBody();
    }

    /** The queues with the counts of their jobs, for {@code qstat -Q}; one open queue when none is configured. */
    public List<dev.hpc.api.QueueInfo> queueInfos(Instant now) {
        return queues.infos(jobs.all(), reservations.all(), now);
    }

    private void changeQueue(Command.ChangeQueue c, Outcome out) {
        out.queuesChanged(queues.change(c, name -> jobs.all().stream()
                .filter(j -> j.spec.queue().equals(name) && !j.state().isTerminal()).count()));
        out.reschedule();
    }

    // ------------------------------------------------------------------ advance reservations

    /** The reservations not yet ended, in number order. */
    public List<dev.hpc.head.sched.Reservation> reservations() {
        return reservations.all();
    }

    /** Whether a reservation's window has ended by {@code now}: an {@link Command.EndReservations} is due. */
    public boolean reservationEndedBy(Instant now) {
        return reservations.anyEndedBy(now);
    }

    /** The reservations as the store or a replica holds them ({@link dev.hpc.head.sched.ReservationSettings}). */
    public void restoreReservations(String body) {
        reservations.restore(body);
    }

    /** The committed reservations' body, once any was made; for a recommit of everything. */
    public java.util.Optional<String> committedReservations() {
        return reservations.committedBody();
    }

    private void reserve(Command.Reserve c, Outcome out) {
        out.answer(reservations.reserve(c, () -> snapshot(c.now()), queues.defs()));
        reservationsChanged(out);
    }

    private void alterReservation(Command.AlterReservation c, Outcome out) {
        out.answer(reservations.alter(c, () -> snapshot(c.now()), queues.defs()));
        reservationsChanged(out);
    }

    private void unreserve(Command.Unreserve c, Outcome out) {
        dev.hpc.head.sched.Reservation r = reservations.remove(c);
        cancelJobsOf(r.queue(), st -> !st.isTerminal(), "deleted by " + c.user() + " with reservation " + r.queue(),
                c.now(), out);
        reservationsChanged(out);
    }

    /**
     * The jobs of a reservation that ended are deleted, as PBS does; a standing reservation goes on to its next
     * window, and only what runs now ends with this one: what waits in its queue waits for the next.
     */
    private void endReservations(Command.EndReservations c, Outcome out) {
        List<Reservations.Ended> ended = reservations.endBy(c.now());
        for (Reservations.Ended e : ended) {
            dev.hpc.head.sched.Reservation r = e.reservation();
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

    private void cancelJobsOf(String queue, java.util.function.Predicate<JobState> which, String by, Instant now,
                              Outcome out) {
        for (JobEntry e : new ArrayList<>(jobs.all())) {
            if (e.spec.queue().equals(queue) && which.test(e.state())) {
                cancel(new Command.Cancel(new JobId.JobRef(e.id.number(), java.util.Optional.empty(), false,
                        java.util.Optional.empty()), by, now), out);
            }
        }
    }

    private void reservationsChanged(Outcome out) {
        out.reservationsChanged(reservations.changed());
        out.reschedule();
    }

    /**
     * Host resource names the site declares in the head's configuration ({@code host-resources=}),
     * known before any worker that has them registers.
     */
    public void useHostResources(java.util.Set<String> names) {
        admission.hostResources(names);
    }

    /** How fast recorded usage loses weight: it halves every {@code halfLife}. */
    public void useFairShare(Duration halfLife) {
        fairShare.halfLife(halfLife);
    }

    /** Loads a user's usage (core-seconds, decayed to {@code asOf}) from the store at activation. */
    public void restoreUsage(String user, double coreSeconds, Instant asOf) {
        fairShare.add(user, coreSeconds, asOf);
    }

    /** Every user's usage in core-seconds, decayed to {@code now}, in user order. */
    public Map<String, Double> usage(Instant now) {
        return fairShare.at(now);
    }

    /** {@code qalter}: the new spec is checked like a submission, then the job's tasks are re-queued under it. */
    private void alter(Command.Alter c, Outcome out) {
        JobEntry e = waitingJob(c.job(), "qalter changes", "altered");
        changeWaiting(e, c.change().apply(e.spec), "altered by " + c.user(), out);
    }

    /** {@code qmove}: as {@code qalter -q}, with qmove's words in its refusals. */
    private void move(Command.Move c, Outcome out) {
        JobEntry e = waitingJob(c.job(), "qmove moves", "moved to another queue");
        if (e.spec.queue().equals(c.queue())) {
            throw Rejection.notAllowed("job " + e.id + " is in queue '" + c.queue() + "' already; name "
                    + "another queue to move it to");
        }
        changeWaiting(e, e.spec.withQueue(c.queue()), "moved from queue " + e.spec.queue() + " by " + c.user(), out);
    }

    /** The whole job the reference names, when all its tasks are queued or held; refused otherwise. */
    private JobEntry waitingJob(JobId.JobRef ref, String what, String done) {
        JobEntry e = resolve(ref);
        if (ref.arrayIndex().isPresent()) {
            throw Rejection.notAllowed(what + " a whole job; name the job (" + e.id
                    + "), not one of its array tasks");
        }
        if (!e.allWaiting()) {
            JobState other = e.unstarted.isEmpty() || WaitingCounts.waiting(e.unstarted.state)
                    ? e.keptTasks().stream().map(t -> t.state).filter(st -> !WaitingCounts.waiting(st)).findFirst()
                    .orElseGet(e::sealedState) : e.unstarted.state;
            boolean single = e.taskCount() == 1;
            throw Rejection.notAllowed("job " + e.id + " has " + (single ? "state " : "a task that is ") + other
                    + "; only a job whose tasks are all queued or held can be " + done);
        }
        return e;
    }

    /** Checks the new spec as a submission (queue, limits, feasibility), then applies it whole. */
    private void changeWaiting(JobEntry e, JobSpec wanted, String why, Outcome out) {
        JobSpec next = admission.admit(wanted, e.spec.queue());
        queue.regroup(e, () -> e.spec = next);
        String comment = why + "; waiting for the scheduler";
        for (TaskEntry t : e.keptTasks()) {
            if (t.state == JobState.QUEUED) {
                t.comment = comment;
            }
        }
        if (e.unstarted.in(JobState.QUEUED)) {
            e.unstarted.comment = comment;
        }
        e.changed();
        out.answer(e.toRecord());
        out.reschedule();
    }
}
