package dev.hpc.head.state;

import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.ProcessLimits;
import dev.hpc.api.job.QueueInfo;
import dev.hpc.head.sched.ClusterSnapshot;
import dev.hpc.head.sched.Placement;
import dev.hpc.head.sched.QueueDef;
import dev.hpc.head.sched.QueueSettings;
import dev.hpc.head.sched.Reservation;
import dev.hpc.head.sched.ReservationSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The job table, the node table and the allocations, changed only through {@link #apply}. Keeps
 * its own indexes (the queue in priority order, running attempts by id) so that a scheduling cycle
 * never scans the whole job table.
 *
 * <p>This class dispatches every command and holds submission, starts and the queries; the parts that are one
 * idea each are classes of this package it delegates to: {@link JobTable} (the live jobs, their counts and
 * submission keys), {@link Admission} (may a job enter), {@link JobRefs} (what a command names), {@link
 * WaitingJobCommands} (holds, qalter, qmove, qorder), {@link RunningJobCommands} (qdel, qrerun, qsig, qmsg),
 * {@link Results} (a worker's result), {@link Registrations} (a worker's registration), {@link NodeTable} (the
 * nodes, their marks and health), {@link NodeLoss} (work lost with a node), {@link RunningAttempts} (how an
 * attempt ends), {@link Preemption}, {@link Queues}, {@link Reservations} and {@link ReservationCommands},
 * {@link FairShareLedger}, {@link Dependencies}, {@link WaitReasons}, {@link LaunchOrders} and {@link
 * SnapshotBuilder} (the scheduler's view).
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
    private final Submissions submissions;
    private final LaunchOrders launches;
    private final SnapshotBuilder snapshots;
    private final WaitingJobCommands waitingJobs;
    private final RunningJobCommands runningJobs;
    private final ReservationCommands reservationCommands;
    private final Results results;
    private final Registrations registrations;
    private long nextJobNumber;
    /**
     * How long a started attempt may be missing from its worker's registration before it counts as
     * lost: the launch may still be on its way. The head sets it to the node timeout.
     */
    private Duration launchGrace = Duration.ofSeconds(5);
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
        this.submissions = new Submissions(cluster, admission, dependencies, versions);
        this.launches = new LaunchOrders(nodes);
        this.snapshots = new SnapshotBuilder(queue, nodes, running, dependencies, queues, reservations, fairShare);
        JobRefs refs = new JobRefs(cluster, jobs);
        this.waitingJobs = new WaitingJobCommands(refs, queue, admission);
        this.runningJobs = new RunningJobCommands(refs, nodes, attempts);
        this.reservationCommands = new ReservationCommands(reservations, queues, jobs, runningJobs, this::snapshot);
        this.results = new Results(running, nodes, attempts, preemption);
        this.registrations = new Registrations(running, nodes, attempts, results);
        this.nextJobNumber = Math.max(1, nextJobNumber);
    }

    public String cluster() {
        return cluster;
    }

    public void launchGrace(Duration grace) {
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
    public Optional<String> ownerOf(long number) {
        JobEntry e = jobs.get(number);
        return e == null ? Optional.empty() : Optional.of(e.spec.owner());
    }

    /** The full id of a live job, for messages. */
    public Optional<JobId> idOf(long number) {
        JobEntry e = jobs.get(number);
        return e == null ? Optional.empty() : Optional.of(e.id);
    }

    /** How many queued or held tasks the owner has (the per-user queued limit). */
    public int waitingTasks(String owner) {
        return waiting.of(owner);
    }

    /** How many jobs with a queued or held task the owner has (the per-user queued jobs limit). */
    public int waitingJobs(String owner) {
        return waiting.jobsOf(owner);
    }

    /** The job as it is now; its record is kept for readers ({@link #keptJob}) until the job changes. */
    public Optional<Job> job(long number) {
        return jobs.record(number);
    }

    /** The one query safe from any thread: the record a read here built, while the job is unchanged since. */
    public Optional<Job> keptJob(long number) {
        return jobs.keptRecord(number);
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

    public Optional<NodeInfo> node(String name) {
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

    /** Numbers a job that can run here, not entering it: made durable first, it enters by {@link Command.Admit}. */
    public Job prepareSubmit(JobSpec spec, Instant now) {
        return prepareSubmitAll(List.of(spec), now).get(0);
    }

    /**
     * Numbers a batch of submissions once each has passed admission: one refused leaves every number untaken.
     * Jobs of one batch cannot depend on each other, as none is known until the batch is admitted.
     */
    public List<Job> prepareSubmitAll(List<JobSpec> specs, Instant now) {
        List<Job> numbered = new ArrayList<>(specs.size());
        for (JobSpec spec : submissions.admitted(specs)) {
            numbered.add(submissions.fresh(spec, nextJobNumber++, now));
        }
        return numbered;
    }

    /**
     * The live job its owner submitted with this idempotency key, if any: a retry of a submission is
     * answered with it. Keys are remembered as long as their job is in memory (at least the keep time).
     */
    public Optional<Job> jobBySubmitKey(String owner, String key) {
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
        } finally {
            // before this step ends, so before its commit, its answer and its effects: see JobRecordCache
            jobs.forgetRecords(changedJobs.drainShown());
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
            runningJobs.cancel(c, out);
        } else if (command instanceof Command.Hold c) {
            waitingJobs.hold(c, out);
        } else if (command instanceof Command.Release c) {
            waitingJobs.release(c, out);
        } else if (command instanceof Command.Start c) {
            start(c, out);
        } else if (command instanceof Command.Finish c) {
            results.finish(c.node(), c.result(), out);
        } else if (command instanceof Command.FinishAll c) {
            for (Command.Finish f : c.results()) {
                results.finish(f.node(), f.result(), out);
            }
        } else if (command instanceof Command.RegisterNode c) {
            registrations.register(c, launchGrace, out);
        } else if (command instanceof Command.Heartbeat c) {
            nodes.heartbeat(c, launchGrace, out);
        } else if (command instanceof Command.LoseNode c) {
            nodeLoss.lose(c, out);
        } else if (command instanceof Command.DependencyNeverMet c) {
            dependencies.neverMet(c, out);
        } else if (command instanceof Command.Expire c) {
            expire(c, out);
        } else if (command instanceof Command.Alter c) {
            waitingJobs.alter(c, out);
        } else if (command instanceof Command.Rerun c) {
            runningJobs.rerun(c, out);
        } else if (command instanceof Command.Signal c) {
            runningJobs.signal(c, out);
        } else if (command instanceof Command.Message c) {
            runningJobs.message(c, out);
        } else if (command instanceof Command.Order c) {
            waitingJobs.order(c, out);
        } else if (command instanceof Command.Move c) {
            waitingJobs.move(c, out);
        } else if (command instanceof Command.ChangeQueue c) {
            changeQueue(c, out);
        } else if (command instanceof Command.Reserve c) {
            reservationCommands.reserve(c, out);
        } else if (command instanceof Command.Unreserve c) {
            reservationCommands.unreserve(c, out);
        } else if (command instanceof Command.AlterReservation c) {
            reservationCommands.alter(c, out);
        } else if (command instanceof Command.EndReservations c) {
            reservationCommands.end(c, out);
        } else if (command instanceof Command.Explain c) {
            WaitReasons.explain(jobs, c);
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

    private void start(Command.Start c, Outcome out) {
        for (Placement p : c.placements()) {
            JobEntry e = jobs.get(p.task().jobNumber());
            if (e == null || !nodes.canTake(p.slots(), e.spec)) {
                continue; // stale placement: the next cycle decides again
            }
            TaskEntry t = e.queuedTask(p.task().index());
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

    /**
     * The attempt when it is the current, running attempt of its task and no cancel is under way:
     * the only kind into which its job may spawn commands (docs/mpi.md).
     */
    public Optional<SpawnTarget> spawnTarget(long attemptId) {
        TaskEntry t = running.get(attemptId);
        if (t == null || t.state != JobState.RUNNING || t.currentAttemptId() != attemptId || t.cancelRequested) {
            return Optional.empty();
        }
        // a command spawned on a node is bound as the job's script would be there (issue 18)
        return Optional.of(new SpawnTarget(attemptId, t.job.id.number(), t.name(), t.job.spec.owner(),
                t.current().nodes(), ProcessLimits.of(t.job.spec.recorded()), launches.gpuBindings(t)));
    }

    // ------------------------------------------------------------------ preemption (docs/scheduling.md)

    /** Whether a preempted task's grace has passed by {@code now} without its SIGKILL sent. */
    public boolean preemptionDue(Instant now) {
        return preemption.due(now);
    }

    private void expire(Command.Expire c, Outcome out) {
        for (JobEntry e : jobs.expireEndedBefore(c.cutoff())) {
            dependencies.remember(e.id.number(), e.state(), e.toRecord().exitStatus());
            out.expired(e.id.number(), e.segments());
        }
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

    // ------------------------------------------------------------------ queues and fair-share (docs/scheduling.md)

    /**
     * The queues of the head's configuration; {@code defaultName} takes jobs that name none. With no
     * queue at all, every queue name is accepted and none has limits.
     */
    public void useQueues(List<QueueDef> defs, String defaultName) {
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
    public Optional<String> committedQueues() {
        return queues.committedBody();
    }

    /** The queues with the counts of their jobs, for {@code qstat -Q}; one open queue when none is configured. */
    public List<QueueInfo> queueInfos(Instant now) {
        return queues.infos(jobs.all(), reservations.all(), now);
    }

    private void changeQueue(Command.ChangeQueue c, Outcome out) {
        out.queuesChanged(queues.change(c, name -> jobs.all().stream()
                .filter(j -> j.spec.queue().equals(name) && !j.state().isTerminal()).count()));
        out.reschedule();
    }

    // ------------------------------------------------------------------ advance reservations

    /** The reservations not yet ended, in number order. */
    public List<Reservation> reservations() {
        return reservations.all();
    }

    /** Whether a reservation's window has ended by {@code now}: an {@link Command.EndReservations} is due. */
    public boolean reservationEndedBy(Instant now) {
        return reservations.anyEndedBy(now);
    }

    /** The reservations as the store or a replica holds them ({@link ReservationSettings}). */
    public void restoreReservations(String body) {
        reservations.restore(body);
    }

    /** The committed reservations' body, once any was made; for a recommit of everything. */
    public Optional<String> committedReservations() {
        return reservations.committedBody();
    }

    /**
     * Host resource names the site declares in the head's configuration ({@code host-resources=}),
     * known before any worker that has them registers.
     */
    public void useHostResources(Set<String> names) {
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

}
