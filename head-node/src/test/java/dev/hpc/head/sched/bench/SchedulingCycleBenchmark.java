package dev.hpc.head.sched.bench;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Resources;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.QueueDef;
import dev.hpc.head.sched.Scheduler;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.state.Command;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One scheduling cycle of the real state and core at 100,000 queued jobs and 10,000 nodes: the
 * state's snapshot (the queue in groups, the nodes, the running tasks, the usage) and the plan, as
 * {@code HeadService} runs them; the plan is not applied, so every invocation sees the same state.
 *
 * <ul>
 *   <li>{@code busy}: every core taken by running jobs with walltimes, except 1% of the jobs that have
 *       just ended, scattered; 100,000 jobs of 1 to 8 cores from 40 users in three queues wait.
 *       The cycle backfills into the holes and makes its reservations.</li>
 *   <li>{@code idle}: nothing runs; the cycle starts its maximum of 2,000 tasks.</li>
 *   <li>{@code fragmented}: one free core on each node and every queued job wants two or more:
 *       nothing can start, the worst walk (bounded by the policy's tasks examined).</li>
 * </ul>
 *
 * Not part of {@code mvn verify}; run as docs/performance.md says.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx6g", "-Xms6g"})
public class SchedulingCycleBenchmark {
    static final int NODES = 10_000;
    static final int CORES = 8;
    static final int QUEUED = 100_000;
    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    @Param({"busy", "idle", "fragmented"})
    public String scenario;

    private ClusterState state;
    private Instant now;
    private final Policy policy = Policy.DEFAULT;

    @Setup(Level.Trial)
    public void setUp() {
        state = new ClusterState("bench", 1, 1, 3);
        state.useQueues(List.of(new QueueDef("batch", 0, Set.of(), Duration.ofHours(1), Duration.ofHours(48), 0, 0,
                        true, true),
                new QueueDef("long", -100, Set.of(), Duration.ofHours(12), Duration.ofDays(7), 0, 0, true, true),
                new QueueDef("express", 500, Set.of(), Duration.ofMinutes(10), Duration.ofHours(1), 64, 50, true,
                        true)), "batch");
        for (int i = 0; i < NODES; i++) {
            String name = String.format("node%05d", i);
            state.apply(new Command.RegisterNode(new Register(name, name, CORES, 64L << 30, Map.of(), "", List.of(),
                    List.of()), T0));
        }
        Random random = new Random(42);
        for (int u = 0; u < 40; u++) {
            state.restoreUsage("user" + u, random.nextInt(1_000_000), T0);
        }
        now = T0.plusSeconds(3600);
        int fragmentedCores = scenario.equals("fragmented") ? CORES - 1 : 0;
        if (!scenario.equals("idle")) {
            fill(random, fragmentedCores);
        }
        for (int i = 0; i < QUEUED; i++) {
            int cores = scenario.equals("fragmented") ? 2 + random.nextInt(7) : 1 << random.nextInt(4);
            submit(random, cores, T0.plusMillis(i));
        }
        if (scenario.equals("busy")) {
            endSomeRunningJobs(random);
        }
    }

    /** Fills every node: one job of all its cores, or of all but one for the fragmented scenario. */
    private void fill(Random random, int coresPerJob) {
        List<Long> numbers = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            numbers.add(submit(random, coresPerJob > 0 ? coresPerJob : CORES, T0.minusSeconds(7200)).id().number());
        }
        Plan plan = Scheduler.plan(state.snapshot(T0), new Policy(NODES * 2), T0);
        state.apply(new Command.Start(plan.placements(), T0.minusSeconds(random.nextInt(3000))));
        if (plan.placements().size() != NODES) {
            throw new IllegalStateException("the fill started " + plan.placements().size() + " jobs");
        }
    }

    private void endSomeRunningJobs(Random random) {
        for (long n = 1; n <= NODES; n++) {
            if (random.nextInt(100) == 0) {
                Job j = state.job(n).orElseThrow();
                NodeSlot slot = j.tasks().get(0).currentNodes().get(0);
                state.apply(new Command.Finish(slot.node(), new TaskResult(j.tasks().get(0).currentAttemptId(),
                        j.id().toString(), 0, EndReason.EXITED, now)));
            }
        }
    }

    private Job submit(Random random, int cores, Instant at) {
        String owner = "user" + random.nextInt(40);
        int q = random.nextInt(10);
        String queue = q < 7 ? "batch" : q < 9 ? "long" : "express";
        Duration walltime = Duration.ofMinutes(5 + random.nextInt(queue.equals("express") ? 50 : 600));
        JobSpec spec = new JobSpec("bench", owner, "login", "#!/bin/bash\ntrue\n", "/home/" + owner,
                "/home/" + owner, Map.of(), queue, Resources.DEFAULT.withCoresPerNode(cores).withWalltime(walltime),
                Optional.empty(), List.of(), false, random.nextInt(3) - 1, true, "", "", JoinMode.NONE, "", List.of(),
                "", Instant.EPOCH);
        Job prepared = state.prepareSubmit(spec, at);
        return state.apply(new Command.Admit(prepared)).answer().orElseThrow();
    }

    @Benchmark
    public Plan cycle() {
        return Scheduler.plan(state.snapshot(now), policy, now);
    }

    /** Prints one plan's figures, to see what the benchmark measures. */
    public static void main(String[] args) {
        for (String s : args.length > 0 ? List.of(args) : List.of("busy", "idle", "fragmented")) {
            SchedulingCycleBenchmark b = new SchedulingCycleBenchmark();
            b.scenario = s;
            long t0 = System.nanoTime();
            b.setUp();
            long t1 = System.nanoTime();
            Plan p = b.cycle();
            long t2 = System.nanoTime();
            int rounds = Integer.getInteger("rounds", 20);
            for (int i = 0; i < rounds; i++) {
                p = b.cycle();
            }
            long t3 = System.nanoTime();
            System.out.printf("%s: setup %d ms, first cycle %d ms, then %.1f ms/cycle; %d starts, %d reasons, %d "
                            + "estimates%n", s, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / (rounds * 1e6),
                    p.placements().size(), p.waiting().size(), p.estimates().size());
        }
    }
}
