package dev.hpc.head;

import dev.hpc.api.EndReason;
import dev.hpc.api.Health;
import dev.hpc.api.Job;
import dev.hpc.api.JobId;
import dev.hpc.api.JobSpec;
import dev.hpc.api.JobState;
import dev.hpc.api.NodeInfo;
import dev.hpc.api.WireMessage.Register;
import dev.hpc.api.WireMessage.TaskResult;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.Scheduler;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.state.Command;
import dev.hpc.head.state.Effect;
import dev.hpc.head.state.Outcome;
import dev.hpc.head.store.JobStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs the cluster state on its own thread and connects it to the store and the workers: a command
 * is applied, its changes are committed, and only then are its effects sent and its caller answered.
 * Also runs the loops of the head: the scheduling cycle, the failure detector and the expiry of old
 * finished jobs. The edges (REST, gateway) talk to the state only through this class.
 */
public final class HeadService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HeadService.class.getName());

    private final HeadConfig config;
    private final Clock clock;
    private final JobStore store;
    private final ClusterState state;
    private final ExecutorService stateThread;
    private final ScheduledExecutorService ticker;
    private final AtomicBoolean cycleRequested = new AtomicBoolean();
    private final AtomicLong loopErrors = new AtomicLong();
    private final Instant startedAt;
    private volatile EffectSink effects = effect -> { };
    private final List<ChangeListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    private HeadService(HeadConfig config, Clock clock, JobStore store, ClusterState state) {
        this.config = config;
        this.clock = clock;
        this.store = store;
        this.state = state;
        this.startedAt = clock.instant();
        this.stateThread = Executors.newSingleThreadExecutor(r -> daemon(r, "cluster-state"));
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "head-ticker"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Opens the store, raises the epoch and loads the state: a cold start or a restart after a crash. */
    public static HeadService start(HeadConfig config, Clock clock) {
        JobStore store = JobStore.open(config.dataDir());
        long epoch = store.nextEpoch();
        Instant now = clock.instant();
        Instant keepSince = now.minus(config.keepCompleted());
        ClusterState state = new ClusterState(config.cluster(), epoch, 1, config.maxRequeues());
        store.loadOutcomes(keepSince, state::restoreOutcome);
        store.loadLive(keepSince, state::restore);
        for (NodeInfo n : store.loadNodes()) {
            state.restore(n, now);
        }
        HeadService service = new HeadService(config, clock, store, state);
        service.startLoops();
        LOG.info("head " + config.name() + " active for cluster " + config.cluster() + " with epoch " + epoch);
        return service;
    }

    private void startLoops() {
        long tick = Math.max(100, config.heartbeatInterval().toMillis() / 2);
        ticker.scheduleWithFixedDelay(() -> stateThread.execute(() -> loopStep("failure detector",
                this::detectFailures)), tick, tick, TimeUnit.MILLISECONDS);
        ticker.scheduleWithFixedDelay(this::requestCycle, 1000, 1000, TimeUnit.MILLISECONDS);
        ticker.scheduleWithFixedDelay(() -> stateThread.execute(() -> loopStep("expiry", () ->
                state.apply(new Command.Expire(clock.instant().minus(config.keepCompleted()))))),
                10, 10, TimeUnit.SECONDS);
    }

    /** Loops never die: each step catches, logs, counts and goes on. */
    private void loopStep(String loop, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            loopErrors.incrementAndGet();
            LOG.log(Level.SEVERE, loop + " step failed", e);
        }
    }

    public void effectSink(EffectSink sink) {
        this.effects = sink;
    }

    public void addListener(ChangeListener listener) {
        listeners.add(listener);
    }

    public HeadConfig config() {
        return config;
    }

    public long epoch() {
        return state.epoch();
    }

    public Instant startedAt() {
        return startedAt;
    }

    public JobStore store() {
        return store;
    }

    // ------------------------------------------------------------------ commands

    private <T> CompletableFuture<T> onState(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, stateThread);
    }

    /** Applies on the state thread, then commits; effects go out and the future completes once durable. */
    private Outcome applyNow(Command command) {
        Outcome out = state.apply(command);
        publish(out);
        return out;
    }

    private CompletableFuture<Void> publish(Outcome out) {
        if (out.needsReschedule()) {
            requestCycle();
        }
        CompletableFuture<Void> durable = store.write(out.changedJobs(), out.changedNodes());
        List<Effect> toSend = out.effects();
        if (toSend.isEmpty() && (listeners.isEmpty() || out.changedJobs().isEmpty() && out.changedNodes().isEmpty())) {
            return durable;
        }
        return durable.thenRun(() -> {
            for (Effect e : toSend) {
                effects.deliver(e);
            }
            tellListeners(out.changedJobs(), out.changedNodes());
        });
    }

    private void tellListeners(List<Job> jobs, List<NodeInfo> nodes) {
        if (jobs.isEmpty() && nodes.isEmpty()) {
            return;
        }
        for (ChangeListener l : listeners) {
            try {
                l.changed(jobs, nodes);
            } catch (RuntimeException e) {
                loopErrors.incrementAndGet();
                LOG.log(Level.WARNING, "change listener failed", e);
            }
        }
    }

    private CompletableFuture<Job> command(Command command) {
        CompletableFuture<Outcome> applied = onState(() -> state.apply(command));
        return applied.thenCompose(out -> publish(out).thenApply(v -> out.answer().orElseThrow()));
    }

    /** Accepts a job: numbered, durable, then entered; the future completes when it is safe to acknowledge. */
    public CompletableFuture<Job> submit(JobSpec spec) {
        // The new job is durable before it enters the state; entering it writes nothing more.
        return onState(() -> state.prepareSubmit(spec, clock.instant()))
                .thenCompose(job -> store.write(List.of(job), List.of()).thenApply(v -> job))
                .thenCompose(job -> onState(() -> {
                    Outcome out = applyNow(new Command.Admit(job));
                    Job admitted = out.answer().orElseThrow();
                    tellListeners(List.of(admitted), List.of());
                    return admitted;
                }));
    }

    public CompletableFuture<Job> cancel(JobId.JobRef ref, String user) {
        return command(new Command.Cancel(ref, user, clock.instant()));
    }

    public CompletableFuture<Job> hold(JobId.JobRef ref, String user) {
        return command(new Command.Hold(ref, user));
    }

    public CompletableFuture<Job> release(JobId.JobRef ref, String user) {
        return command(new Command.Release(ref, user));
    }

    public void registered(Register registration) {
        stateThread.execute(() -> loopStep("registration of " + registration.node(),
                () -> applyNow(new Command.RegisterNode(registration, clock.instant()))));
    }

    public void heartbeat(String node, Health health, List<Long> runningAttempts) {
        stateThread.execute(() -> loopStep("heartbeat of " + node, () -> {
            state.apply(new Command.Heartbeat(node, health, clock.instant()));
            for (Effect kill : state.staleAttempts(node, runningAttempts)) {
                effects.deliver(kill);
            }
        }));
    }

    public void finished(String node, TaskResult result) {
        stateThread.execute(() -> loopStep("result of attempt " + result.attemptId() + " from " + node,
                () -> applyNow(new Command.Finish(node, result))));
    }

    // ------------------------------------------------------------------ queries

    public CompletableFuture<Optional<Job>> job(long number) {
        return onState(() -> state.job(number)).thenApply(found -> found.isPresent() ? found : store.job(number));
    }

    public CompletableFuture<ClusterState.Page> jobs(Predicate<Job> filter, long after, int limit) {
        return onState(() -> state.jobs(filter, after, limit));
    }

    public CompletableFuture<List<NodeInfo>> nodes() {
        return onState(state::nodes);
    }

    public CompletableFuture<Optional<NodeInfo>> node(String name) {
        return onState(() -> state.node(name));
    }

    public CompletableFuture<Summary> summary() {
        return onState(() -> {
            List<NodeInfo> nodes = state.nodes();
            long up = nodes.stream().filter(n -> n.state() != dev.hpc.api.NodeState.DOWN).count();
            int[] cores = state.coreTotals();
            return new Summary(state.jobCounts(), (int) up, nodes.size(), cores[0], cores[1]);
        });
    }

    public record Summary(Map<JobState, Integer> jobs, int nodesUp, int nodesTotal, int cores, int coresUsed) {
    }

    // ------------------------------------------------------------------ loops

    /** Asks for a scheduling cycle; many requests before it runs make one cycle. */
    public void requestCycle() {
        if (cycleRequested.compareAndSet(false, true)) {
            stateThread.execute(() -> {
                cycleRequested.set(false);
                loopStep("scheduling cycle", this::cycle);
            });
        }
    }

    private void cycle() {
        Instant now = clock.instant();
        Plan plan = Scheduler.plan(state.snapshot(), Policy.DEFAULT, now);
        if (!plan.unsatisfiable().isEmpty()) {
            applyNow(new Command.DependencyNeverMet(plan.unsatisfiable(), now));
        }
        if (!plan.placements().isEmpty()) {
            applyNow(new Command.Start(plan.placements(), now));
        }
        if (!plan.waiting().isEmpty()) {
            state.apply(new Command.Explain(plan.waiting()));
        }
    }

    private void detectFailures() {
        Instant now = clock.instant();
        for (String node : state.silentNodes(now.minus(config.nodeTimeout()))) {
            LOG.warning("node " + node + " silent for more than " + config.nodeTimeout().toMillis()
                    + " ms: marking it down");
            applyNow(new Command.LoseNode(node, "no heartbeat for " + config.nodeTimeout().toMillis() + " ms",
                    EndReason.NODE_FAILURE, now));
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        stateThread.shutdown();
        try {
            stateThread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }
}
