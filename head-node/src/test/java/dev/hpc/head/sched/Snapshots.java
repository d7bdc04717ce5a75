package dev.hpc.head.sched;

import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builders of small snapshots for the scheduler's tests, named by intent. */
final class Snapshots {
    static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");

    private final List<PendingTask> queue = new ArrayList<>();
    private final List<NodeCapacity> nodes = new ArrayList<>();
    private final List<RunningTask> running = new ArrayList<>();
    private final Map<String, QueueDef> queues = new TreeMap<>();
    private final Map<String, Double> usage = new TreeMap<>();
    private final List<Reservation> reservations = new ArrayList<>();
    private final Map<TaskKey, TaskKey> preempting = new TreeMap<>();

    static Snapshots aCluster() {
        return new Snapshots();
    }

    Snapshots withFreeNode(String name, int cores) {
        nodes.add(new NodeCapacity(name, true, cores, cores, 0, 0));
        return this;
    }

    /** A free node of a kind: its properties and host resources. */
    Snapshots withFreeNode(String name, int cores, dev.hpc.api.job.NodeTraits traits) {
        nodes.add(new NodeCapacity(name, true, cores, cores, 0, 0, Map.of(), Map.of(), traits));
        return this;
    }

    /** A node of a kind whose {@code runningCores} are taken by a task ending in {@code endsIn}. */
    Snapshots withBusyNode(String name, int cores, int runningCores, long job, Duration endsIn,
                           dev.hpc.api.job.NodeTraits traits) {
        nodes.add(new NodeCapacity(name, true, cores, cores - runningCores, 0, 0, Map.of(), Map.of(), traits));
        running.add(new RunningTask(new TaskKey(job, -1), "other", "batch",
                List.of(new NodeSlot(name, runningCores, 0)), Map.of(), NOW.minusSeconds(60), endsIn.plusSeconds(60)));
        return this;
    }

    Snapshots withGpuNode(String name, int cores, long gpus, long freeGpus) {
        nodes.add(new NodeCapacity(name, true, cores, cores, 0, 0, Map.of("gpu", gpus), Map.of("gpu", freeGpus)));
        return this;
    }

    /** A node on which {@code runningCores} cores are taken by a task of {@code owner} ending in {@code endsIn}. */
    Snapshots withBusyNode(String name, int cores, int runningCores, long job, String owner, Duration endsIn) {
        nodes.add(new NodeCapacity(name, true, cores, cores - runningCores, 0, 0));
        running.add(new RunningTask(new TaskKey(job, -1), owner, "batch",
                List.of(new NodeSlot(name, runningCores, 0)), Map.of(), NOW.minusSeconds(60),
                endsIn.isZero() ? Duration.ZERO : endsIn.plusSeconds(60)));
        return this;
    }

    Snapshots withNode(NodeCapacity n) {
        nodes.add(n);
        return this;
    }

    Snapshots withRunning(RunningTask t) {
        running.add(t);
        return this;
    }

    Snapshots withQueue(QueueDef q) {
        queues.put(q.name(), q);
        return this;
    }

    Snapshots withReservation(Reservation r) {
        reservations.add(r);
        return this;
    }

    /** Reservation {@code R<number>} of alice: {@code cores} on each node, from {@code in} to {@code in + length}. */
    static Reservation aReservation(long number, Duration in, Duration length, int cores, String... nodes) {
        return new Reservation(number, "", "alice", NOW.plus(in), NOW.plus(in).plus(length),
                java.util.Set.of(nodes), cores, java.util.Set.of());
    }

    /** {@code victim} runs and is being preempted for {@code preemptor}. */
    Snapshots withPreempting(long victim, long preemptor) {
        preempting.put(new TaskKey(victim, -1), new TaskKey(preemptor, -1));
        return this;
    }

    Snapshots withUsage(String user, double coreSeconds) {
        usage.put(user, coreSeconds);
        return this;
    }

    Snapshots queued(PendingTask t) {
        queue.add(t);
        return this;
    }

    ClusterSnapshot build() {
        List<PendingTask> q = List.copyOf(queue);
        List<NodeCapacity> n = List.copyOf(nodes);
        List<RunningTask> r = List.copyOf(running);
        Map<String, QueueDef> qs = Map.copyOf(queues);
        Map<String, Double> u = Map.copyOf(usage);
        List<Reservation> rs = List.copyOf(reservations);
        Map<TaskKey, TaskKey> pre = Map.copyOf(preempting);
        return new ClusterSnapshot() {
            @Override
            public Map<TaskKey, TaskKey> preempting() {
                return pre;
            }

            @Override
            public Iterable<PendingTask> queue() {
                return q;
            }

            @Override
            public List<NodeCapacity> nodes() {
                return n;
            }

            @Override
            public List<RunningTask> running() {
                return r;
            }

            @Override
            public Map<String, QueueDef> queues() {
                return qs;
            }

            @Override
            public Map<String, Double> usage() {
                return u;
            }

            @Override
            public List<Reservation> reservations() {
                return rs;
            }
        };
    }

    Plan plan() {
        return Scheduler.plan(build(), Policy.DEFAULT, NOW);
    }

    Plan plan(Policy policy) {
        return Scheduler.plan(build(), policy, NOW);
    }

    // ---- tasks

    static PendingTask aJob(long number, String owner, int cores) {
        return aJob(number, owner, Resources.DEFAULT.withCoresPerNode(cores));
    }

    static PendingTask aJob(long number, String owner, Resources r) {
        return new PendingTask(new TaskKey(number, -1), owner, "batch", r, 0, Instant.EPOCH,
                PendingTask.Readiness.READY, "", 0, 0, java.util.Set.of(), NOW.minusSeconds(3600 - number));
    }

    static PendingTask inQueue(PendingTask t, String queue) {
        return new PendingTask(t.key(), t.owner(), queue, t.resources(), t.priority(), t.notBefore(), t.readiness(),
                t.waitingFor(), t.throttle(), t.runningInJob(), t.avoidNodes(), t.submitted());
    }

    static PendingTask withPriority(PendingTask t, int priority) {
        return new PendingTask(t.key(), t.owner(), t.queue(), t.resources(), priority, t.notBefore(), t.readiness(),
                t.waitingFor(), t.throttle(), t.runningInJob(), t.avoidNodes(), t.submitted());
    }

    static PendingTask waitingFor(PendingTask t, PendingTask.Readiness readiness, String what) {
        return new PendingTask(t.key(), t.owner(), t.queue(), t.resources(), t.priority(), t.notBefore(), readiness,
                what, t.throttle(), t.runningInJob(), t.avoidNodes(), t.submitted());
    }

    static Resources cores(int c, Duration walltime) {
        return Resources.DEFAULT.withCoresPerNode(c).withWalltime(walltime);
    }

    static List<Long> started(Plan plan) {
        return plan.placements().stream().map(p -> p.task().jobNumber()).toList();
    }

    static List<String> nodesOf(Plan plan, long job) {
        return plan.placements().stream().filter(p -> p.task().jobNumber() == job).findFirst().orElseThrow()
                .slots().stream().map(NodeSlot::node).toList();
    }

    static String reason(Plan plan, long job) {
        return plan.waiting().getOrDefault(new TaskKey(job, -1), "");
    }
}
