package dev.hpc.head.state;

import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Resources;
import dev.hpc.head.sched.ClusterSnapshot;
import dev.hpc.head.sched.NodeCapacity;
import dev.hpc.head.sched.PendingTask;
import dev.hpc.head.sched.QueueDef;
import dev.hpc.head.sched.QueueGroup;
import dev.hpc.head.sched.Reservation;
import dev.hpc.head.sched.RunningTask;
import dev.hpc.head.sched.TaskKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds the view one scheduling plan reads: the queue in groups, the nodes, the running tasks with their
 * walltimes, the queue definitions, the reservations and each user's decayed usage. The queued tasks are built
 * as the scheduler reads them, so that a cycle that stops early never builds the rest.
 */
final class SnapshotBuilder {
    private final QueueIndex queue;
    private final NodeTable nodes;
    private final Map<Long, TaskEntry> running;
    private final Dependencies dependencies;
    private final Queues queues;
    private final Reservations reservations;
    private final FairShareLedger fairShare;

    SnapshotBuilder(QueueIndex queue, NodeTable nodes, Map<Long, TaskEntry> running, Dependencies dependencies,
                    Queues queues, Reservations reservations, FairShareLedger fairShare) {
        this.queue = queue;
        this.nodes = nodes;
        this.running = running;
        this.dependencies = dependencies;
        this.queues = queues;
        this.reservations = reservations;
        this.fairShare = fairShare;
    }

    /** The view at {@code now}; valid until the next command. */
    ClusterSnapshot at(Instant now) {
        List<NodeCapacity> capacities = nodes.capacities();
        List<QueueGroup> groups = new ArrayList<>();
        queue.groups().forEach((g, queued) -> groups.add(new QueueGroup(g.queue(), g.owner(), g.priority(),
                () -> pendingOf(queued))));
        List<RunningTask> runningTasks = new ArrayList<>(running.size());
        Map<TaskKey, TaskKey> preempting = new TreeMap<>();
        for (TaskEntry t : running.values()) {
            if (t.state != JobState.RUNNING) {
                continue;
            }
            Resources r = t.job.spec.resources();
            runningTasks.add(new RunningTask(t.key(), t.job.spec.owner(), t.job.spec.queue(), t.current().nodes(),
                    r.generic(), t.current().start(), r.walltime(), r.access().sharing(), t.job.spec.priority()));
            if (t.preemptor != null) {
                preempting.put(t.key(), t.preemptor);
            }
        }
        Map<String, QueueDef> defs = Collections.unmodifiableMap(new TreeMap<>(queues.defs()));
        Map<String, Double> decayed = fairShare.at(now);
        List<Reservation> advance = reservations.all();
        return new ClusterSnapshot() {
            @Override
            public List<Reservation> reservations() {
                return advance;
            }

            @Override
            public Iterable<PendingTask> queue() {
                List<JobEntry> queued = new ArrayList<>();
                queue.groups().values().forEach(queued::addAll);
                return () -> pendingOf(queued);
            }

            @Override
            public List<NodeCapacity> nodes() {
                return capacities;
            }

            @Override
            public List<QueueGroup> groups() {
                return groups;
            }

            @Override
            public List<RunningTask> running() {
                return runningTasks;
            }

            @Override
            public Map<String, QueueDef> queues() {
                return defs;
            }

            @Override
            public Map<String, Double> usage() {
                return decayed;
            }

            @Override
            public Map<TaskKey, TaskKey> preempting() {
                return preempting;
            }
        };
    }

    /** The queued tasks of these jobs, job by job, each job's in index order; built as they are read. */
    private Iterator<PendingTask> pendingOf(Iterable<JobEntry> queued) {
        Iterator<JobEntry> jobsLeft = queued.iterator();
        return new Iterator<>() {
            private JobEntry job;
            private PrimitiveIterator.OfInt indices;

            @Override
            public boolean hasNext() {
                while ((indices == null || !indices.hasNext()) && jobsLeft.hasNext()) {
                    job = jobsLeft.next();
                    indices = job.queuedIndices();
                }
                return indices != null && indices.hasNext();
            }

            @Override
            public PendingTask next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return pending(job, indices.nextInt());
            }
        };
    }

    /** A queued task as the scheduler sees it; an unstarted task has no attempts and so avoids no node. */
    private PendingTask pending(JobEntry e, int index) {
        TaskEntry t = e.task(index);
        JobSpec s = e.spec;
        Dependencies.Verdict dependency = dependencies.of(s);
        int throttle = s.array().map(a -> a.throttle()).orElse(0);
        return new PendingTask(new TaskKey(e.id.number(), index), s.owner(), s.queue(), s.resources(), s.priority(),
                s.notBefore(), dependency.readiness(), dependency.waitingFor(), throttle, e.running,
                t == null ? Set.of() : nodesThatFailed(t), e.rankSince);
    }

    /** The nodes on which an attempt of this task ended by a node failure: a requeued task avoids them. */
    private static Set<String> nodesThatFailed(TaskEntry t) {
        Set<String> out = Set.of();
        for (Attempt a : t.attempts) {
            if (a.reason() == EndReason.NODE_FAILURE) {
                if (out.isEmpty()) {
                    out = new TreeSet<>();
                }
                for (NodeSlot s : a.nodes()) {
                    out.add(s.node());
                }
            }
        }
        return out;
    }
}
