package dev.hpc.cli;

import dev.hpc.api.job.ArraySpec;
import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.Dependency;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Health;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Jobs and nodes built by intent for the format and command tests. */
final class TestJobs {
    static final String CLUSTER = "cluster";
    /** Tue Nov 24 00:14:32 2026 UTC. */
    static final Instant T0 = Instant.parse("2026-11-24T00:14:32Z");

    private TestJobs() {
    }

    /** A job spec with everything at its default; change fields before {@link #build()}. */
    static final class Spec {
        String name = "hello";
        String owner = "alice";
        String host = "login1";
        String dir = "/home/alice/run";
        Map<String, String> env = new TreeMap<>();
        String queue = "batch";
        Resources resources = Resources.DEFAULT;
        Optional<ArraySpec> array = Optional.empty();
        List<Dependency> deps = List.of();
        boolean userHold;
        int priority;
        boolean rerunnable = true;
        String stdout = "";
        String stderr = "";
        JoinMode join = JoinMode.NONE;
        Instant notBefore = Instant.EPOCH;

        JobSpec build() {
            return new JobSpec(name, owner, host, "#!/bin/sh\necho hi\n", dir, dir, env, queue, resources, array,
                    deps, userHold, priority, rerunnable, stdout, stderr, join, "", List.of(), "", notBefore);
        }
    }

    static Spec spec() {
        return new Spec();
    }

    static JobId id(long n) {
        return new JobId(n, CLUSTER, false);
    }

    static Job job(long n, JobSpec spec, JobState state, List<Task> tasks) {
        return new Job(new JobId(n, CLUSTER, spec.isArray()), spec, state, T0, tasks, "", 1);
    }

    static Job aQueuedJob(long n, String name) {
        Spec s = spec();
        s.name = name;
        return job(n, s.build(), JobState.QUEUED, List.of(Task.fresh(Task.NO_INDEX, false)));
    }

    static Job aHeldJob(long n, String name) {
        Spec s = spec();
        s.name = name;
        s.userHold = true;
        return job(n, s.build(), JobState.HELD, List.of(Task.fresh(Task.NO_INDEX, true)));
    }

    static Task running(int index, Instant start, NodeSlot... slots) {
        Attempt a = new Attempt(1, List.of(slots), start, Instant.EPOCH, JobState.RUNNING, EndReason.NONE, 0);
        return new Task(index, JobState.RUNNING, List.of(a), 0, EndReason.NONE, "", Instant.EPOCH);
    }

    static Task ended(int index, JobState state, Instant start, Duration ran, int exit, EndReason reason,
                      NodeSlot... slots) {
        Instant end = start.plus(ran);
        Attempt a = new Attempt(1, List.of(slots), start, end, state, reason, exit);
        return new Task(index, state, List.of(a), exit, reason, "", end);
    }

    static Job aRunningJob(long n, String name, Instant start, NodeSlot... slots) {
        Spec s = spec();
        s.name = name;
        return job(n, s.build(), JobState.RUNNING, List.of(running(Task.NO_INDEX, start, slots)));
    }

    static Job aCompletedJob(long n, String name, Duration ran, int exit) {
        Spec s = spec();
        s.name = name;
        JobState state = exit == 0 ? JobState.COMPLETED : JobState.FAILED;
        return job(n, s.build(), state, List.of(ended(Task.NO_INDEX, state, T0.plusSeconds(5), ran, exit,
                EndReason.EXITED, new NodeSlot("node1", 1, 0))));
    }

    /** An array job 1-N: index 1 running on node1 since T0+10s, the others queued. */
    static Job anArrayJob(long n, String name, int size) {
        Spec s = spec();
        s.name = name;
        List<Integer> indices = new ArrayList<>();
        List<Task> tasks = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            indices.add(i);
            tasks.add(i == 1 ? running(1, T0.plusSeconds(10), new NodeSlot("node1", 1, 0))
                    : Task.fresh(i, false));
        }
        s.array = Optional.of(new ArraySpec("1-" + size, indices, 2));
        return job(n, s.build(), JobState.RUNNING, tasks);
    }

    static NodeSlot slot(String node, int cores) {
        return new NodeSlot(node, cores, 0);
    }

    static NodeInfo aFreeNode(String name) {
        return new NodeInfo(name, name + ".example", NodeState.FREE, 2, 0, 4L << 30,
                0, new Health(0.12, 3L << 30, 10L << 30, true, ""), T0, "", List.of());
    }

    static NodeInfo aBusyNode(String name, String... tasks) {
        return new NodeInfo(name, name + ".example", NodeState.BUSY, 2, 2, 4L << 30,
                1L << 30, new Health(1.5, 2L << 30, 10L << 30, true, ""), T0, "", List.of(tasks));
    }

    static NodeInfo aDownNode(String name, String reason) {
        return new NodeInfo(name, "", NodeState.DOWN, 4, 0, 8L << 30, 0, Health.UNKNOWN, Instant.EPOCH, reason,
                List.of());
    }
}
