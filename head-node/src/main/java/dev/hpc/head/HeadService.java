package dev.hpc.head;

import dev.hpc.api.Alert;
import dev.hpc.api.Health;
import dev.hpc.api.HpcException;
import dev.hpc.api.Job;
import dev.hpc.api.JobSpec;
import dev.hpc.api.JobState;
import dev.hpc.api.NodeInfo;
import dev.hpc.api.NodeState;
import dev.hpc.api.WireMessage.Register;
import dev.hpc.api.WireMessage.TaskResult;
import dev.hpc.head.access.AdminTokenFile;
import dev.hpc.head.access.SubmitLimiter;
import dev.hpc.head.access.TokenRegistry;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.state.Command;
import dev.hpc.head.state.JobFigures;
import dev.hpc.head.state.JobFilter;
import dev.hpc.head.state.NodeFigures;
import dev.hpc.head.state.Outcome;
import dev.hpc.head.state.SpawnTarget;
import dev.hpc.head.store.JobStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The head's one door: the edges (REST, gateway, leadership, the daemon) talk to the state only through this
 * class, which wires the parts and hands each call to its own. {@link StateThread} runs the state on one thread;
 * {@link CommitPipeline} commits what a command changed before its effects go out and its caller is answered;
 * {@link SchedulingLoop}, {@link FailureDetector}, {@link ResultIntake} and {@link SubmissionIntake} are the
 * head's work; {@link AlertRelay} passes alerts on; {@link LoopRunner} keeps every loop going. The commands of
 * users on their jobs are {@link JobCommands}, those of administrators on queues, reservations and nodes {@link
 * ClusterAdmin}.
 */
public final class HeadService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HeadService.class.getName());

    private final HeadConfig config;
    private final Clock clock;
    /** Queues, priority weights, fair-share and backfill settings (docs/scheduling.md). */
    private volatile SchedulingSettings scheduling;
    private final JobStore store;
    private final AtomicBoolean loopsStarted = new AtomicBoolean();
    private volatile Runnable onActivation = () -> { };
    private final StateThread stateThread;
    /** Runs the periodic loops and guards every step of a loop. */
    private final LoopRunner loops = new LoopRunner(this::failStop);
    private final LaunchesInFlight launchesInFlight = new LaunchesInFlight();
    /** How many times this head became active (its first start included). */
    private final AtomicLong activations = new AtomicLong();
    private final Instant startedAt;
    private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
    private final AlertRelay alerts;
    private final CommitPipeline commits;
    private final SchedulingLoop schedulingLoop;
    private final FailureDetector failureDetector;
    private final ResultIntake results;
    private final ProgressWatch progress;
    private final SubmissionIntake submissions;
    private final StateLoader loader;
    private final JobCommands jobCommands;
    private final ClusterAdmin clusterAdmin;
    /** The tokens callers present (docs/security.md). */
    private final TokenRegistry tokens;
    private final SubmitLimiter submitLimiter;

    private HeadService(HeadConfig config, Clock clock, JobStore store) {
        this.config = config;
        this.clock = clock;
        this.store = store;
        this.scheduling = SchedulingSettings.defaults(config.defaultQueue());
        this.startedAt = clock.instant();
        this.tokens = new TokenRegistry(store.tokens(), clock);
        this.submitLimiter = new SubmitLimiter(config.access().submitRate(), config.access().submitBurst(), clock);
        this.stateThread = new StateThread(config.name(), loops);
        this.alerts = new AlertRelay(store, listeners, loops);
        this.commits = new CommitPipeline(clock, store, stateThread, loops, alerts, listeners, launchesInFlight,
                this::requestCycle);
        this.schedulingLoop = new SchedulingLoop(clock, stateThread, loops, commits, () -> scheduling);
        this.failureDetector = new FailureDetector(config, clock, stateThread, loops, commits, launchesInFlight);
        this.results = new ResultIntake(stateThread, loops, commits);
        this.progress = new ProgressWatch(stateThread, store);
        this.submissions = new SubmissionIntake(config, clock, store, stateThread, commits);
        this.loader = new StateLoader(config, clock, store);
        this.jobCommands = new JobCommands(config, clock, commits, this::state);
        this.clusterAdmin = new ClusterAdmin(config, clock, stateThread, commits, this::state);
    }

    /** A single head: opens the store and becomes active at once with the state it holds. */
    public static HeadService start(HeadConfig config, Clock clock) {
        HeadService service = open(config, clock);
        long epoch = service.store.nextEpoch(0);
        service.activate(service.stateFromStore(epoch));
        return service;
    }

    /** Opens the store; the head is not active until {@link #activate} gives it a state. */
    public static HeadService open(HeadConfig config, Clock clock) {
        HeadService service = new HeadService(config, clock, JobStore.open(config.dataDir()));
        try {
            service.registerAdminToken();
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        return service;
    }

    /** The bootstrap admin token, for the account that runs the head; the same file gives the same token. */
    private void registerAdminToken() {
        Path file = config.access().adminTokenFile();
        String admin = System.getProperty("user.name", "root");
        tokens.registerAdminFile(AdminTokenFile.ensure(file), admin);
        LOG.info("admin token of " + admin + " in " + file);
    }

    /** qdel, qhold, qrls, qrerun, qsig, qmsg, qorder, qmove and qalter. */
    public JobCommands jobCommands() {
        return jobCommands;
    }

    /** Queues, reservations and node administration. */
    public ClusterAdmin clusterAdmin() {
        return clusterAdmin;
    }

    public TokenRegistry tokens() {
        return tokens;
    }

    public SubmitLimiter submitLimiter() {
        return submitLimiter;
    }

    /** The state as this head's own store holds it: a cold start, or a restart after a crash. */
    public ClusterState stateFromStore(long epoch) {
        return loader.fromStore(epoch);
    }

    /** A single head with scheduling settings: opens the store and becomes active at once. */
    public static HeadService start(HeadConfig config, SchedulingSettings scheduling, Clock clock) {
        HeadService service = open(config, clock);
        service.useScheduling(scheduling);
        service.activateFromStore();
        return service;
    }

    /** Makes this head, alone, the active one with the state its own store holds, at a new epoch. */
    public void activateFromStore() {
        activate(stateFromStore(store.nextEpoch(0)));
    }

    /** Sets the queues and scheduling policy; call before the head becomes active. */
    public void useScheduling(SchedulingSettings settings) {
        this.scheduling = settings;
    }

    /**
     * How many ended tasks of an array are sealed together and stored apart from its body
     * ({@link ClusterState#sealEndedTasksAt}); call before the head becomes active.
     */
    public void useArraySegmentTasks(int tasks) {
        if (tasks < 1) {
            throw new HpcException("--array-segment-tasks must be at least 1, not " + tasks);
        }
        this.arraySegmentTasks = tasks;
    }

    private volatile int arraySegmentTasks = DEFAULT_ARRAY_SEGMENT_TASKS;
    /** The key of the queues qmgr committed among the settings the store and the replicas hold. */
    public static final String QUEUES_SETTING = "queues";

    /** The key of the advance reservations among the settings (docs/scheduling.md). */
    public static final String RESERVATIONS_SETTING = "reservations";

    /** About 380 KB of ended tasks at most in a body; a million-task array is a thousand segments. */
    public static final int DEFAULT_ARRAY_SEGMENT_TASKS = 1000;

    public SchedulingSettings scheduling() {
        return scheduling;
    }

    /** Makes this head the active one with the given state; waits until it is in place. */
    public void activate(ClusterState loaded) {
        loader.configure(loaded, scheduling, arraySegmentTasks);
        clusterAdmin.activated(loaded);
        submissions.numberFrom(loaded);
        stateThread.activate(loaded);
        activations.incrementAndGet();
        if (loopsStarted.compareAndSet(false, true)) {
            startLoops();
        }
        LOG.info("head " + config.name() + " active for cluster " + config.cluster() + " with epoch "
                + loaded.epoch());
        onActivation.run();
        requestCycle();
    }

    /** Stops acting as the active head (a newer epoch exists elsewhere); the state is dropped. */
    public void deactivate() {
        stateThread.stepDown();
        LOG.warning("head " + config.name() + " is no longer active");
    }

    /**
     * Whether this head's state thread and store writer came round within {@code within}, or {@code busyWithin}
     * while they use the processor ({@link ProgressWatch}); the lease is renewed only while they do. Call it at a
     * steady pace: it samples the threads' processor time.
     */
    public boolean progressing(Duration within, Duration busyWithin) {
        return progress.progressing(within, busyWithin);
    }

    /** Whether a commit has waited for the head cluster's backups for at least {@code within}. */
    public boolean replicationWaiting(Duration within) {
        return progress.replicationWaiting(within);
    }

    public boolean isActive() {
        return stateThread.isActive();
    }

    /** Run when this head becomes active, after the state is in place: the gateway welcomes its workers. */
    public void onActivation(Runnable action) {
        this.onActivation = action;
    }

    private void startLoops() {
        failureDetector.start();
        schedulingLoop.start();
        loops.every("expiry", Duration.ofSeconds(10), Duration.ofSeconds(10), () -> stateThread.whileActive("expiry", () -> {
            Outcome out = state().apply(new Command.Expire(clock.instant().minus(config.keepCompleted())));
            store.forgetLive(out.expiredJobs(), out.expiredSegments());
        }));
    }

    public void effectSink(EffectSink sink) {
        commits.effectSink(sink);
    }

    public void addListener(ChangeListener listener) {
        listeners.add(listener);
    }

    public HeadConfig config() {
        return config;
    }

    /** The epoch of this head's term while active, 0 otherwise. */
    public long epoch() {
        ClusterState s = state();
        return s == null ? 0 : s.epoch();
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** The clock this head runs on: "now" for the edges that answer with times (the usage report). */
    public Clock clock() {
        return clock;
    }

    public JobStore store() {
        return store;
    }

    private ClusterState state() {
        return stateThread.state();
    }

    /**
     * What to do when this head can no longer keep its state: by default it only stops being active; the
     * daemon ends its process, so that its standby takes over from what was replicated.
     */
    public void onFailStop(Consumer<String> action) {
        stateThread.onFailStop(action);
    }

    /**
     * Makes every answer, effect and loop step wait on the lease: checked right before each, with the clock of
     * that moment, so that a head that wakes from a freeze past its lease acts on nothing, whichever of its
     * threads runs first.
     */
    public void leaseGuard(BooleanSupplier holds) {
        stateThread.leaseGuard(holds);
    }

    /**
     * Gives out only job numbers up to what {@code reserved} says the voters reserved for this head, so that a
     * head that takes over, whatever store it leads from, starts above every number given out before it
     * (docs/failover.md). A submission beyond it waits for the next reservation: {@code 503}, which clients resend.
     */
    public void numberGuard(LongSupplier reserved) {
        submissions.numberGuard(reserved);
    }

    /** The number the next submission gets, as last seen on the state thread. */
    public long nextJobNumber() {
        return submissions.nextJobNumber();
    }


    /** Whether this head acts as the active one right now: active, not stopped and within its lease. */
    public boolean isLeading() {
        return stateThread.leading();
    }

    /**
     * A worker obeys {@code epoch}: when it is newer than this head's, another head leads and this one, which
     * still believes it does, stops (fail-stop) before it commands anyone again.
     */
    public void newerEpochSeen(String node, long newer) {
        long own = epoch();
        if (isActive() && newer > own) {
            failStop("worker " + node + " obeys epoch " + newer + ", newer than this head's " + own
                    + ": another head leads");
        }
    }

    /** Runs {@code work} on the state thread, after everything queued there (tests hold the thread with it). */
    void onStateThread(Runnable work) {
        stateThread.execute(work);
    }

    /** Whether a failed commit stopped this head. */
    public boolean failStopped() {
        return stateThread.stopped();
    }

    private void failStop(String why) {
        stateThread.failStop(why);
    }

    /**
     * Accepts a job; the future completes when it is safe to acknowledge. An idempotency key its owner already
     * used is answered with the first submission's job ({@link SubmissionIntake}).
     */
    public CompletableFuture<Job> submit(JobSpec spec) {
        return submit(spec, true);
    }

    /**
     * As {@link #submit(JobSpec)}; {@code limited} is whether the owner's queued limits apply (a user's own
     * submission; operators and admins are not limited, docs/security.md).
     */
    public CompletableFuture<Job> submit(JobSpec spec, boolean limited) {
        return submissions.submit(spec, limited);
    }

    /** A worker registers: see {@link FailureDetector#registered}. */
    public void registered(Register registration, Runnable welcome, Consumer<String> refuse) {
        failureDetector.registered(registration, welcome, refuse);
    }

    public void heartbeat(String node, Health health, List<Long> runningAttempts) {
        failureDetector.heartbeat(node, health, runningAttempts);
    }

    /** How long a worker whose link ended without a close frame has to come back (at most the configured grace). */
    public static final Duration ABRUPT_LINK_GRACE = Duration.ofMillis(500);

    /** A registered worker's link closed: see {@link FailureDetector#linkClosed}. */
    public void linkClosed(String node, BooleanSupplier linkedAgain) {
        failureDetector.linkClosed(node, false, linkedAgain);
    }

    /** As {@link #linkClosed(String, BooleanSupplier)}, for a link that ended without a goodbye. */
    public void linkClosed(String node, boolean abrupt, BooleanSupplier linkedAgain) {
        failureDetector.linkClosed(node, abrupt, linkedAgain);
    }

    /** A worker's task result, applied in a batch with those that arrived with it ({@link ResultIntake}). */
    public void finished(String node, TaskResult result) {
        results.finished(node, result);
    }

    /** Commits every job and node this head holds again: see {@link CommitPipeline#recommitAll}. */
    public CompletableFuture<HeldJobs> recommitAll() {
        return commits.recommitAll(submissions::firstUnheld);
    }

    /**
     * The numbers of the jobs a head holds, and the first number from which it may not hold every job yet: its next
     * number, or that of a submission still being written. Map entries numbered from it on are never stale.
     */
    public record HeldJobs(Set<Long> numbers, long nextNumber) {
    }

    public CompletableFuture<Optional<Job>> job(long number) {
        return stateThread.onState(() -> state().job(number)).thenApply(found -> found.isPresent() ? found : store.job(number));
    }

    public CompletableFuture<ClusterState.Page> jobs(JobFilter filter, long after, int limit) {
        return stateThread.onState(() -> state().jobs(filter, after, limit));
    }

    public CompletableFuture<List<NodeInfo>> nodes() {
        return stateThread.onState(() -> state().nodes());
    }

    /** The attempt into which its job may spawn commands now, if any (docs/mpi.md). */
    public CompletableFuture<Optional<SpawnTarget>> spawnTarget(long attemptId) {
        return stateThread.onState(() -> state().spawnTarget(attemptId));
    }

    public CompletableFuture<Optional<NodeInfo>> node(String name) {
        return stateThread.onState(() -> state().node(name));
    }

    public CompletableFuture<Summary> summary() {
        return stateThread.onState(() -> {
            List<NodeInfo> nodes = state().nodes();
            long up = nodes.stream().filter(n -> n.state() != NodeState.DOWN).count();
            int[] cores = state().coreTotals();
            return new Summary(state().jobCounts(), (int) up, nodes.size(), cores[0], cores[1]);
        });
    }

    public record Summary(Map<JobState, Integer> jobs, int nodesUp, int nodesTotal, int cores, int coresUsed) {
    }

    /**
     * The figures {@code /metrics} shows of the cluster, read on the state thread from counts the state keeps
     * (docs/monitoring.md); empty while this head does not lead. Cheap: no pass over the jobs.
     */
    public CompletableFuture<Optional<Figures>> figures() {
        return CompletableFuture.supplyAsync(() -> stateThread.leading()
                ? Optional.of(new Figures(state().jobFigures(), state().nodeFigures(), state().queuedTasks()))
                : Optional.<Figures>empty(), stateThread.executor());
    }

    /** The cluster as {@code /metrics} shows it; {@code queuedTasks} is the scheduler's queue length. */
    public record Figures(JobFigures jobs, NodeFigures nodes,
                          long queuedTasks) {
    }

    /** How many times this head became active: its first start, and each takeover it made. */
    public long activations() {
        return activations.get();
    }

    /** Loop steps, listeners and alerts that failed and were logged (each loop goes on). */
    public long loopErrors() {
        return loops.errors();
    }

    /** Tells {@code times} how long each scheduling cycle's plan takes, in nanoseconds. */
    public void onCycle(LongConsumer times) {
        schedulingLoop.onCycle(times);
    }

    /** The scheduling cycles' figures: snapshot and plan, as measured around them (docs/performance.md). */
    public Map<String, Object> cycleFigures() {
        return schedulingLoop.figures();
    }

    /** Asks for a scheduling cycle; many requests before it runs make one cycle. */
    public void requestCycle() {
        schedulingLoop.requestCycle();
    }

    /** The newest {@code limit} alerts of the event log, oldest first. */
    public CompletableFuture<List<Alert>> eventLog(int limit) {
        return alerts.eventLog(limit);
    }

    /** The event log's alerts about the tasks of one job ({@code tracejob}), oldest first. */
    public CompletableFuture<List<Alert>> jobEventLog(long jobNumber, int limit) {
        return alerts.jobEventLog(jobNumber, limit);
    }

    /** Records alerts raised outside the state (a takeover) like those the state raises. */
    public void alert(Alert alert) {
        alerts.raise(List.of(alert));
    }

    @Override
    public void close() {
        loops.close();
        stateThread.close();
        alerts.close();
        store.close();
    }
}
