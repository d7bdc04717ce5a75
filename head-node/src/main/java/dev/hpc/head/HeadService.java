package dev.hpc.head;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobSpec;
import dev.hpc.head.access.AdminTokenFile;
import dev.hpc.head.access.SubmitLimiter;
import dev.hpc.head.access.TokenRegistry;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.state.Command;
import dev.hpc.head.state.Outcome;
import dev.hpc.head.store.JobStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * The head's one door: the edges (REST, gateway, leadership, the daemon) talk to the state only through this
 * class, which wires the parts and hands each caller the facade it needs: {@link JobCommands} (users' commands on
 * their jobs), {@link ClusterAdmin} (queues, reservations, nodes), {@link StateReads} (queries), {@link
 * WorkerEvents} (what the gateway hears), {@link Term} (what the leadership starts, guards and ends) and {@link
 * HeadFigures}. Behind them, {@link StateThread} runs the state on one thread; {@link CommitPipeline} commits what a
 * command changed before its effects go out and its caller is answered; {@link SchedulingLoop}, {@link
 * FailureDetector}, {@link ResultIntake} and {@link SubmissionIntake} are the head's work; {@link AlertRelay} passes
 * alerts on; {@link LoopRunner} keeps every loop going.
 */
public final class HeadService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HeadService.class.getName());

    private final HeadConfig config;
    private final Clock clock;
    private final JobStore store;
    private final AtomicBoolean loopsStarted = new AtomicBoolean();
    private volatile Runnable onActivation = () -> { };
    private final StateThread stateThread;
    /** Runs the periodic loops and guards every step of a loop. */
    private final LoopRunner loops = new LoopRunner(this::failStop);
    private final LaunchesInFlight launchesInFlight = new LaunchesInFlight();
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
    private final Term term;
    private final WorkerEvents workerEvents;
    private final StateReads reads;
    private final HeadFigures figures;
    /** The tokens callers present (docs/security.md). */
    private final TokenRegistry tokens;
    private final SubmitLimiter submitLimiter;

    private HeadService(HeadConfig config, Clock clock, JobStore store) {
        this.config = config;
        this.clock = clock;
        this.store = store;
        this.startedAt = clock.instant();
        this.tokens = new TokenRegistry(store.tokens(), clock);
        this.submitLimiter = new SubmitLimiter(config.access().submitRate(), config.access().submitBurst(), clock);
        this.stateThread = new StateThread(config.name(), loops);
        this.alerts = new AlertRelay(store, listeners, loops);
        this.commits = new CommitPipeline(clock, store, stateThread, loops, alerts, listeners, launchesInFlight,
                this::requestCycle);
        this.schedulingLoop = new SchedulingLoop(clock, stateThread, loops, commits, this::scheduling);
        this.failureDetector = new FailureDetector(config, clock, stateThread, loops, commits, launchesInFlight);
        this.results = new ResultIntake(stateThread, loops, commits);
        this.progress = new ProgressWatch(stateThread, store);
        this.submissions = new SubmissionIntake(config, clock, store, stateThread, commits);
        this.loader = new StateLoader(config, clock, store);
        this.jobCommands = new JobCommands(config, clock, commits, this::state);
        this.clusterAdmin = new ClusterAdmin(config, clock, stateThread, commits, this::state);
        this.term = new Term(config, stateThread, loader, commits, submissions, progress, new Term.ActivationSteps() {
            @Override
            public void prepare(ClusterState loaded) {
                clusterAdmin.activated(loaded);
            }

            @Override
            public void activated(ClusterState loaded) {
                figures.activated();
                if (loopsStarted.compareAndSet(false, true)) {
                    startLoops();
                }
                onActivation.run();
                requestCycle();
            }
        });
        this.workerEvents = new WorkerEvents(failureDetector, results, stateThread);
        this.reads = new StateReads(stateThread, commits, store);
        this.figures = new HeadFigures(loops, schedulingLoop);
    }

    /** A single head: opens the store and becomes active at once with the state it holds. */
    public static HeadService start(HeadConfig config, Clock clock) {
        HeadService service = open(config, clock);
        service.activateFromStore();
        return service;
    }

    /** Opens the store; the head is not active until {@link Term#activate} gives it a state. */
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

    /** This head's term as the active one: what the leadership starts, guards and ends. */
    public Term term() {
        return term;
    }

    /** The jobs, nodes and figures as the state holds them, read on the state thread. */
    public StateReads reads() {
        return reads;
    }

    /** The event log, and where alerts raised outside the state (a takeover) go. */
    public AlertRelay alerts() {
        return alerts;
    }

    /** Takeovers, loop errors and scheduling cycles, for {@code /metrics} and the cluster status. */
    public HeadFigures figures() {
        return figures;
    }

    /** Where the worker gateway hands what the workers say. */
    public WorkerEvents workerEvents() {
        return workerEvents;
    }

    public TokenRegistry tokens() {
        return tokens;
    }

    public SubmitLimiter submitLimiter() {
        return submitLimiter;
    }

    /** A single head with scheduling settings: opens the store and becomes active at once. */
    public static HeadService start(HeadConfig config, SchedulingSettings scheduling, Clock clock) {
        HeadService service = open(config, clock);
        service.term.useScheduling(scheduling);
        service.activateFromStore();
        return service;
    }

    /** Makes this head, alone, the active one with the state its own store holds, at a new epoch. */
    public void activateFromStore() {
        term.activate(term.stateFromStore(store.nextEpoch(0)));
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
        return stateThread.epoch();
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

    private SchedulingSettings scheduling() {
        return term.scheduling();
    }

    private ClusterState state() {
        return stateThread.state();
    }

    /** Whether this head acts as the active one right now: active, not stopped and within its lease. */
    public boolean isLeading() {
        return stateThread.leading();
    }

    /** Runs {@code work} on the state thread, after everything queued there (tests hold the thread with it). */
    void onStateThread(Runnable work) {
        stateThread.execute(work);
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

    /** A batch of jobs, accepted all or none in one commit ({@link SubmissionIntake#submitAll}). */
    public CompletableFuture<List<Job>> submitAll(List<JobSpec> specs, boolean limited) {
        return submissions.submitAll(specs, limited);
    }

    /** Asks for a scheduling cycle; many requests before it runs make one cycle. */
    public void requestCycle() {
        schedulingLoop.requestCycle();
    }

    @Override
    public void close() {
        loops.close();
        stateThread.close();
        alerts.close();
        store.close();
    }
}
