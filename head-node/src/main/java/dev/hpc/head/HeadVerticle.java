package dev.hpc.head;

import dev.hpc.api.job.JobState;
import dev.hpc.api.wire.SpawnProtocol;
import dev.hpc.head.api.ApiRoutes;
import dev.hpc.head.api.OutputRoutes;
import dev.hpc.head.edge.EdgeSettings;
import dev.hpc.head.edge.HttpEdge;
import dev.hpc.head.gateway.WorkerGateway;
import dev.hpc.head.lease.LeaseVoterRoutes;
import dev.hpc.head.metrics.ClusterHistory;
import dev.hpc.head.metrics.ClusterHistoryRoutes;
import dev.hpc.head.metrics.HeadMetrics;
import dev.hpc.head.metrics.MetricsRoutes;
import dev.hpc.head.metrics.MetricsSettings;
import dev.hpc.head.replication.Leadership;
import dev.hpc.head.replication.Witnesses;
import dev.hpc.head.spawn.SessionRoute;
import dev.hpc.head.spawn.SpawnKeys;
import dev.hpc.head.spawn.SpawnRelay;
import dev.hpc.head.web.WebView;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.PfxOptions;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The head's network edge: the REST API, the worker link and the web view on one port, served by one router and
 * one set of WebSocket handlers, which several HTTP servers share, each on its own event loop ({@link
 * HttpListener}).
 */
public final class HeadVerticle extends VerticleBase {
    private static final Logger LOG =
            Logger.getLogger(HeadVerticle.class.getName());
    /** How long a worker may take to answer a read of a task's output (hpc peek) before the caller gets 504. */
    private static final Duration OUTPUT_READ_TIMEOUT = Duration.ofSeconds(5);
    /** The web view's charts: a sample of the cluster's figures this often, the last 30 minutes of them. */
    private static final Duration HISTORY_EVERY = Duration.ofSeconds(10);
    private static final int HISTORY_KEPT = 180;
    private final HeadService head;
    private final Optional<Leadership> leadership;
    private final Witnesses witnesses;
    private final Clock clock;
    private HttpServer server;
    private HttpEdge edge;
    private Router router;
    private volatile WorkerGateway gateway;
    private Optional<LeaseVoterRoutes> leaseVoter = Optional.empty();
    private Duration spawnAdoptionGrace = SpawnRelay.ADOPTION_GRACE;
    private Optional<MetricsSettings> metricsSettings = Optional.empty();
    private HeadMetrics metrics;
    private final ClusterHistory history =
            new ClusterHistory(HISTORY_EVERY, HISTORY_KEPT);
    private long historyTimer = -1;
    /** The HTTP servers on the head's port, each on an event loop of its own ({@link HttpListener}). */
    private int listeners = HttpListener.count();

    /** A single head, with no standby. */
    public HeadVerticle(HeadService head) {
        this(head, Optional.empty(), new Witnesses(Duration.ofSeconds(3)), Clock.systemUTC());
    }

    public HeadVerticle(HeadService head, Optional<Leadership> leadership, Witnesses witnesses, Clock clock) {
        this.head = head;
        this.leadership = leadership;
        this.witnesses = witnesses;
        this.clock = clock;
    }

    /**
     * How long after it becomes active this head keeps the spawned commands no caller follows yet, for the
     * callers of the previous head to come back (default a minute); call before deploying.
     */
    public HeadVerticle spawnAdoptionGrace(Duration grace) {
        this.spawnAdoptionGrace = grace;
        return this;
    }

    /**
     * Who may read {@code /metrics} and whether it names users (docs/monitoring.md); by default from the head's
     * access settings. Call before deploying.
     */
    public HeadVerticle metrics(MetricsSettings settings) {
        this.metricsSettings = Optional.of(settings);
        return this;
    }

    /**
     * How many servers listen on the head's port, each on its own event loop ({@link HttpListener}); a head on port
     * 0 (any free port) has one.
     */
    public HeadVerticle listeners(int servers) {
        if (servers < 1) {
            throw new IllegalArgumentException("at least one server listens, not " + servers);
        }
        this.listeners = servers;
        return this;
    }

    /** Serves this head's vote in the leadership lease (a head with a standby); call before deploying. */
    public void serveLeaseVoter(LeaseVoterRoutes voter) {
        this.leaseVoter = Optional.of(voter);
    }

    @Override
    public Future<?> start() {
        router = Router.router(vertx);
        edge = new HttpEdge(vertx, head.config().edge());
        edge.mount(router);
        new ProbeRoutes(head).mount(router);
        MetricsSettings ms = metricsSettings.orElseGet(() -> MetricsSettings.defaults(head.config().access()));
        metrics = new HeadMetrics(head, witnesses, ms, clock);
        new MetricsRoutes(metrics, head.tokens(), ms).mount(router);
        leaseVoter.ifPresent(v -> v.mount(router));
        gateway = new WorkerGateway(vertx, head, witnesses, clock);
        head.effectSink(gateway);
        gateway.mount(router);
        new ClusterStatusRoutes(head, leadership, witnesses, clock).mount(router);
        new ApiRoutes(vertx, head).mount(router);
        // after ApiRoutes, so behind its authenticator
        new ClusterHistoryRoutes(history).mount(router);
        recordHistory();
        historyTimer = vertx.setPeriodic(HISTORY_EVERY.toMillis(), id -> recordHistory());
        SpawnRelay relay = new SpawnRelay(vertx, head, gateway,
                SpawnKeys.of(head.config().linkSecurity().clusterSecret(),
                        head.config().dataDir()), EdgeSettings.KEEPALIVE, spawnAdoptionGrace);
        relay.mount(router);
        SessionRoute sessions = new SessionRoute(vertx, head, relay);
        OutputRoutes output = new OutputRoutes(vertx, head, gateway::send,
                OUTPUT_READ_TIMEOUT);
        gateway.outputAnswers(output::answer);
        output.mount(router);
        new WebView().mount(router);
        HttpServerOptions options = edge.options(new HttpServerOptions().setHost(head.config().bindHost())
                .setPort(head.config().port()).setMaxWebSocketMessageSize(16 * 1024 * 1024)
                .setMaxWebSocketFrameSize(1024 * 1024));
        LinkSecurity security = head.config().linkSecurity();
        security.tlsKeystore().ifPresent(keystore -> options.setSsl(true).setKeyCertOptions(new PfxOptions()
                .setPath(keystore.toString()).setPassword(security.tlsKeystorePassword())));
        server = vertx.createHttpServer(options);
        Map<String, Handler<ServerWebSocket>> sockets =
                new HashMap<>(Map.of(WorkerGateway.PATH, gateway::accept,
                        SpawnProtocol.SESSION_PATH, sessions::accept));
        leaseVoter.ifPresent(v -> sockets.put(LeaseVoterRoutes.bondPath(), v::acceptBond));
        Map<String, Handler<ServerWebSocket>> webSockets = Map.copyOf(sockets);
        edge.attach(server, webSockets);
        // Vert.x shares a port among the servers of one instance that name it, but gives each server that asks for
        // port 0 a port of its own (and refuses the negative ports it shares for TCP servers): a head on any free
        // port, as in tests, has one server
        int servers = head.config().port() == 0 ? 1 : listeners;
        return server.requestHandler(router).listen().compose(bound -> servers > 1
                ? vertx.deployVerticle(() -> new HttpListener(options, edge, router, webSockets),
                        new DeploymentOptions().setInstances(servers - 1))
                : Future.succeededFuture());
    }

    /** A sample of the figures while this head leads; a standby's would be its own empty state. */
    private void recordHistory() {
        if (!head.isActive()) {
            history.clear();
            return;
        }
        head.reads().summary().thenCombine(head.reads().figures(), (s, f) -> Map.entry(s, f.map(figures ->
                figures.jobs().ended(JobState.COMPLETED) + figures.jobs().ended(JobState.FAILED))
                .orElse(0L))).whenComplete((sample, error) -> {
            if (error == null) {
                StateReads.Summary s = sample.getKey();
                history.record(clock.instant(), s.jobs(), s.cores(), s.coresUsed(), sample.getValue());
            } else {
                LOG.log(Level.WARNING, "could not sample the cluster for its history", error);
            }
        });
    }

    @Override
    public Future<?> stop() {
        if (historyTimer >= 0) {
            vertx.cancelTimer(historyTimer);
        }
        if (metrics != null) {
            metrics.close();
        }
        return Future.succeededFuture();
    }

    public int port() {
        return server.actualPort();
    }

    /** Open HTTP connections (not WebSockets) to this head, once started. */
    public int openConnections() {
        return edge.connections();
    }

    /** Registered workers with an open link to this head, once started. */
    public int linkedWorkers() {
        return gateway.connectedWorkers();
    }

    /** The routes served, once started; tests compare them with the API's description. */
    public Router router() {
        return router;
    }
}
