package dev.hpc.head;

import dev.hpc.head.sched.ClusterSnapshot;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Preemptions;
import dev.hpc.head.sched.Scheduler;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.state.Command;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Decides, on the state thread, what starts where: a cycle takes a snapshot of the state, has the scheduler plan
 * from it (the pure core, which reads no clock), and applies the plan, which the state checks again placement by
 * placement. A cycle runs on request (a command freed or queued work) and once a second; requests made while one
 * waits to run make that one cycle. Deadlines that are not placements (a preemption's grace, a reservation's end)
 * are kept here too, since they free or take cores the cycle decides with.
 */
final class SchedulingLoop {
    private final Clock clock;
    private final StateThread stateThread;
    private final LoopRunner loops;
    private final CommitPipeline commits;
    /** Read at each cycle: the settings may be set before the head becomes active. */
    private final Supplier<SchedulingSettings> settings;
    private final AtomicBoolean cycleRequested = new AtomicBoolean();
    private final CycleStats cycleStats = new CycleStats();
    /** Told how long each scheduling cycle's plan took, in nanoseconds (on the state thread). */
    private volatile LongConsumer cycleTimes = nanos -> { };

    SchedulingLoop(Clock clock, StateThread stateThread, LoopRunner loops, CommitPipeline commits,
                   Supplier<SchedulingSettings> settings) {
        this.clock = clock;
        this.stateThread = stateThread;
        this.loops = loops;
        this.commits = commits;
        this.settings = settings;
    }

    /** Asks for a cycle once a second, for what time alone makes due (a dependency's hold, a reservation's start). */
    void start() {
        loops.every("scheduling cycle", Duration.ofSeconds(1), Duration.ofSeconds(1),
                this::requestCycle);
    }

    /** Asks for a scheduling cycle; many requests before it runs make one cycle. */
    void requestCycle() {
        if (cycleRequested.compareAndSet(false, true)) {
            stateThread.execute(() -> {
                cycleRequested.set(false);
                if (stateThread.leading() && state().preemptionDue(clock.instant())) {
                    loops.step("preemption grace", () -> commits.apply(new Command.PreemptDeadlines(clock.instant())));
                }
                if (stateThread.leading() && state().reservationEndedBy(clock.instant())) {
                    loops.step("reservation end", () -> commits.apply(new Command.EndReservations(clock.instant())));
                }
                // An empty queue needs no cycle: with thousands of nodes registering, a snapshot of every
                // node per request kept the state thread busy with nothing to decide.
                if (stateThread.leading() && state().hasQueued()) {
                    loops.step("scheduling cycle", this::cycle);
                }
            });
        }
    }

    private ClusterState state() {
        return stateThread.state();
    }

    private void cycle() {
        Instant now = clock.instant();
        long began = System.nanoTime();
        ClusterSnapshot snapshot = state().snapshot(now);
        Plan plan = Scheduler.plan(snapshot, settings.get().policy(), now);
        List<Preemptions.Preemption> preemptions = Preemptions.plan(snapshot, plan);
        long took = System.nanoTime() - began;
        cycleStats.record(took, plan.placements().size());
        cycleTimes.accept(took);
        if (!plan.unsatisfiable().isEmpty()) {
            commits.apply(new Command.DependencyNeverMet(plan.unsatisfiable(), now));
        }
        if (!plan.placements().isEmpty()) {
            commits.apply(new Command.Start(plan.placements(), now));
        }
        if (!preemptions.isEmpty()) {
            commits.apply(new Command.Preempt(preemptions, now));
        }
        if (!plan.waiting().isEmpty()) {
            // why each waiting job waits changes nothing durable: nothing to commit
            state().apply(new Command.Explain(plan.waiting(), plan.estimates()));
        }
    }

    void onCycle(LongConsumer times) {
        this.cycleTimes = times;
    }

    Map<String, Object> figures() {
        return cycleStats.toMap();
    }
}
