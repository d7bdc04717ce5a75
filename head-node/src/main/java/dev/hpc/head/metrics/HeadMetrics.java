package dev.hpc.head.metrics;

import dev.hpc.api.job.JobState;
import dev.hpc.head.HeadFigures;
import dev.hpc.head.HeadService;
import dev.hpc.head.StateReads;
import dev.hpc.head.replication.Witnesses;
import dev.hpc.head.state.JobFigures;
import dev.hpc.head.state.NodeFigures;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * One head's meters, in a registry of its own (several heads may share a JVM in tests), and the scrape that
 * brings the cluster's figures up to date and writes them out.
 *
 * <p>Every head shows its own figures: whether it leads, its epoch, its takeovers, its store's commits (on a
 * standby, the mirror's), its scheduling cycles and its JVM. The cluster's figures (jobs, nodes, cores, queue,
 * users) are read from the state at each scrape, and only the head that leads has them: on any other head those
 * series are absent, not zero, so that a sum over heads counts the cluster once.
 */
public final class HeadMetrics implements AutoCloseable {
    /** How long a scrape waits for the state thread before it shows the figures it read last. */
    private static final Duration FIGURES_WAIT = Duration.ofSeconds(5);
    private static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2),
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final HeadService head;
    private final MetricsSettings settings;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Scrapes one at a time, in order: the gauges are brought up to date by this thread only. */
    private final ExecutorService scraper = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "metrics-scrape");
        t.setDaemon(true);
        return t;
    });
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Timer cycles;
    private volatile double lastCycleSeconds = Double.NaN;
    /** The cluster's gauge families, each with the rows it shows for the figures. */
    private final Map<MultiGauge, Function<StateReads.Figures, List<Row>>> families = new LinkedHashMap<>();
    /** The counters of the leading term, registered while this head leads; they count from its start. */
    private final List<Meter> termCounters = new ArrayList<>();
    /** The figures the gauges show; read by the row suppliers, written by the scrape thread. */
    private volatile Optional<StateReads.Figures> shown = Optional.empty();
    private Optional<StateReads.Figures> lastRead = Optional.empty();
    /**
     * The value holder of each series each family shows, by its labels; held here, since a gauge's registry keeps
     * only a weak reference to what it reads.
     */
    private final Map<MultiGauge, Map<Tags, double[]>> heldRows = new HashMap<>();

    /** One series: its labels and value. */
    private record Row(Tags tags, double value) {
    }

    public HeadMetrics(HeadService head, Witnesses witnesses, MetricsSettings settings, Clock clock) {
        this.head = head;
        this.settings = settings;
        registry.config().commonTags("cluster", head.config().cluster(), "head", head.config().name());
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc.bindTo(registry);

        Gauge.builder("hpc.head.active", head, h -> h.isLeading() ? 1 : 0).strongReference(true)
                .description("1 on the head that leads now (active, within its lease), 0 on a standby")
                .register(registry);
        Gauge.builder("hpc.head.epoch", head, HeadService::epoch).strongReference(true)
                .description("The epoch of this head's term while it is active, 0 otherwise; it rises at each takeover")
                .register(registry);
        FunctionCounter.builder("hpc.head.takeovers", head.figures(), HeadFigures::activations)
                .description("Times this head became the active one (its first start included)").register(registry);
        FunctionCounter.builder("hpc.head.loop.errors", head.figures(), HeadFigures::loopErrors)
                .description("Steps of the head's loops that failed, were logged and skipped").register(registry);
        Gauge.builder("hpc.head.workers.heard", witnesses, w -> w.count(clock.instant())).strongReference(true)
                .description("Workers that heartbeat to this head recently (the witnesses of a takeover)")
                .register(registry);

        Timer commits = Timer.builder("hpc.store.commit").serviceLevelObjectives(LATENCY_BUCKETS)
                .description("Time to replicate one batch of changes to the standby and commit it to this head's "
                        + "database (on a standby: to mirror it)").register(registry);
        head.store().onCommit(nanos -> commits.record(nanos, TimeUnit.NANOSECONDS));
        FunctionCounter.builder("hpc.store.commit.failures", head.store(), s -> s.writeFailures())
                .description("Batches whose commit failed (the head then stops being active)").register(registry);
        Gauge.builder("hpc.store.last.commit.timestamp.seconds", head.store(),
                        s -> s.lastCommit().toEpochMilli() / 1000.0).strongReference(true)
                .description("When this head's database last committed a batch (Unix time)").register(registry);

        cycles = Timer.builder("hpc.sched.cycle").serviceLevelObjectives(LATENCY_BUCKETS)
                .description("Time the scheduler took to plan one cycle (snapshot and plan)").register(registry);
        head.figures().onCycle(nanos -> {
            cycles.record(nanos, TimeUnit.NANOSECONDS);
            lastCycleSeconds = nanos / 1e9;
        });
        defineClusterFamilies();
    }

    private void defineClusterFamilies() {
        // Slurm's names (slurm_jobs_pending, ...): jobs the head holds, finished ones until keep-completed ends
        family("hpc.jobs", "Jobs the head holds, in any state", f -> one(total(f.jobs())));
        family("hpc.jobs.pending", "Jobs waiting to start: queued or held (Slurm's PENDING)",
                f -> one(f.jobs().jobs(JobState.QUEUED) + f.jobs().jobs(JobState.HELD)));
        family("hpc.jobs.hold", "Jobs held (qhold, a dependency, or a submission with -h)",
                f -> one(f.jobs().jobs(JobState.HELD)));
        family("hpc.jobs.running", "Jobs with a task running", f -> one(f.jobs().jobs(JobState.RUNNING)));
        family("hpc.jobs.completed", "Finished jobs that completed, until they leave the head",
                f -> one(f.jobs().jobs(JobState.COMPLETED)));
        family("hpc.jobs.failed", "Finished jobs that failed, until they leave the head",
                f -> one(f.jobs().jobs(JobState.FAILED)));
        family("hpc.jobs.cancelled", "Finished jobs that were cancelled, until they leave the head",
                f -> one(f.jobs().jobs(JobState.CANCELLED)));
        family("hpc.queue.jobs", "Jobs in each queue and state", f -> byQueue(f, true));
        family("hpc.queue.tasks", "Tasks (array elements count one each) in each queue and state",
                f -> byQueue(f, false));
        family("hpc.partition.jobs.pending", "Jobs waiting to start in each queue (Slurm's partition)",
                f -> perQueue(f, r -> r.jobs(JobState.QUEUED) + r.jobs(JobState.HELD)));
        family("hpc.partition.jobs.running", "Jobs with a task running in each queue (Slurm's partition)",
                f -> perQueue(f, r -> r.jobs(JobState.RUNNING)));
        if (settings.perUser()) {
            family("hpc.user.jobs.pending", "Jobs waiting to start, per user with work",
                    f -> perUser(f, u -> u[JobState.QUEUED.ordinal()] + u[JobState.HELD.ordinal()]));
            family("hpc.user.jobs.running", "Jobs with a task running, per user with work",
                    f -> perUser(f, u -> u[JobState.RUNNING.ordinal()]));
        }
        family("hpc.nodes", "Nodes the head knows", f -> one(f.nodes().nodes()));
        for (NodeFigures.Kind k : NodeFigures.Kind.values()) {
            family("hpc.nodes." + k.name().toLowerCase(Locale.ROOT), nodeHelp(k), f -> one(f.nodes().nodes(k)));
        }
        family("hpc.cpus", "Cores of every node the head knows", f -> one(f.nodes().cores()));
        family("hpc.cpus.alloc", "Cores held by running tasks", f -> one(f.nodes().coresAlloc()));
        family("hpc.cpus.idle", "Free cores on nodes that take work", f -> one(f.nodes().coresIdle()));
        family("hpc.cpus.other", "Cores on nodes down or offline, and free cores of draining nodes",
                f -> one(f.nodes().coresOther()));
        family("hpc.sched.queue.len", "Tasks queued for the scheduler (held ones not counted)",
                f -> one(f.queuedTasks()));
        family("hpc.sched.cycle.last.seconds", "How long the last scheduling cycle's plan took",
                f -> Double.isNaN(lastCycleSeconds) ? List.of() : one(lastCycleSeconds));
    }

    private static String nodeHelp(NodeFigures.Kind k) {
        return switch (k) {
            case IDLE -> "Nodes up and taking work with no core in use";
            case MIXED -> "Nodes up and taking work with some cores in use";
            case ALLOC -> "Nodes with every core in use";
            case DRAINING -> "Nodes draining: no new work, running work goes on";
            case DRAIN -> "Nodes offline (pbsnodes -o, or a failed health check)";
            case DOWN -> "Nodes down: silent past their timeout, or not registered since the head started";
        };
    }

    private void family(String name, String help, Function<StateReads.Figures, List<Row>> rows) {
        families.put(MultiGauge.builder(name).description(help).register(registry), rows);
    }

    private static List<Row> one(double value) {
        return List.of(new Row(Tags.empty(), value));
    }

    private static int total(JobFigures jobs) {
        int n = 0;
        for (JobState s : JobState.values()) {
            n += jobs.jobs(s);
        }
        return n;
    }

    private static List<Row> byQueue(StateReads.Figures f, boolean jobs) {
        List<Row> out = new ArrayList<>();
        f.jobs().byQueue().forEach((q, r) -> {
            for (JobState s : JobState.values()) {
                out.add(new Row(Tags.of("queue", q, "state", s.name().toLowerCase(Locale.ROOT)),
                        jobs ? r.jobs(s) : r.tasks(s)));
            }
        });
        return out;
    }

    private static List<Row> perQueue(StateReads.Figures f, ToIntFunction<JobFigures.Row> value) {
        List<Row> out = new ArrayList<>();
        f.jobs().byQueue().forEach((q, r) -> out.add(new Row(Tags.of("partition", q), value.applyAsInt(r))));
        return out;
    }

    private static List<Row> perUser(StateReads.Figures f, ToIntFunction<int[]> value) {
        List<Row> out = new ArrayList<>();
        f.jobs().byUser().forEach((u, r) -> out.add(new Row(Tags.of("username", u), value.applyAsInt(r))));
        return out;
    }

    /**
     * Reads the cluster's figures (when this head leads), brings the meters up to date and writes them in the
     * Prometheus text format. A state thread that does not answer within a few seconds gets the figures it
     * gave last, so that a scrape never hangs on a busy head.
     */
    public CompletableFuture<String> scrape() {
        CompletableFuture<Optional<StateReads.Figures>> asked;
        try {
            asked = head.reads().figures();
        } catch (RejectedExecutionException e) {
            asked = CompletableFuture.completedFuture(Optional.empty()); // the head is closing: no state to read
        }
        return asked.completeOnTimeout(null, FIGURES_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(e -> null)
                .thenApplyAsync(read -> {
                    Optional<StateReads.Figures> figures = read != null ? read
                            : head.isLeading() ? lastRead : Optional.empty();
                    lastRead = figures;
                    show(figures);
                    return registry.scrape();
                }, scraper);
    }

    /** The text format's content type, as Prometheus asks for it. */
    public static String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }

    private void show(Optional<StateReads.Figures> figures) {
        shown = figures;
        for (Map.Entry<MultiGauge, Function<StateReads.Figures, List<Row>>> e : families.entrySet()) {
            // A series that stays keeps its meter and gets its new value through its holder: re-registering
            // every series at each scrape cost a Prometheus registry ~80 ms with 500 users (MetricsScrapeCheck).
            Map<Tags, double[]> before = heldRows.getOrDefault(e.getKey(), Map.of());
            Map<Tags, double[]> now = new HashMap<>();
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            figures.ifPresent(f -> {
                for (Row r : e.getValue().apply(f)) {
                    double[] holder = before.containsKey(r.tags()) ? before.get(r.tags()) : new double[1];
                    holder[0] = r.value();
                    now.put(r.tags(), holder);
                    rows.add(MultiGauge.Row.of(r.tags(), holder, h -> h[0]));
                }
            });
            e.getKey().register(rows, false);
            heldRows.put(e.getKey(), now);
        }
        if (figures.isPresent() && termCounters.isEmpty()) {
            termCounters.add(FunctionCounter.builder("hpc.jobs.submitted", this,
                            m -> m.shownJobs().map(JobFigures::admitted).orElse(0L))
                    .description("Jobs admitted since this head became active").register(registry));
            for (JobState s : new JobState[] {JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED}) {
                termCounters.add(FunctionCounter.builder("hpc.jobs.ended", this,
                                m -> m.shownJobs().map(j -> j.ended(s)).orElse(0L))
                        .tag("state", s.name().toLowerCase(Locale.ROOT))
                        .description("Jobs that ended in each final state since this head became active")
                        .register(registry));
            }
        } else if (figures.isEmpty() && !termCounters.isEmpty()) {
            termCounters.forEach(registry::remove);
            termCounters.clear();
        }
    }

    private Optional<JobFigures> shownJobs() {
        return shown.map(StateReads.Figures::jobs);
    }

    @Override
    public void close() {
        scraper.shutdownNow();
        gc.close();
        registry.close();
    }
}
