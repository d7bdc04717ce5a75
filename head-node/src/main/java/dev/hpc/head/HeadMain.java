package dev.hpc.head;

import dev.hpc.api.Durations;
import dev.hpc.api.HpcException;
import dev.hpc.api.client.UserHome;
import dev.hpc.api.job.Alert;
import dev.hpc.head.access.AccessSettings;
import dev.hpc.head.alert.AlertSettings;
import dev.hpc.head.alert.MailNotifier;
import dev.hpc.head.alert.WebhookNotifier;
import dev.hpc.head.edge.EdgeSettings;
import dev.hpc.head.edge.HttpEdge;
import dev.hpc.head.lease.LeaseHolder;
import dev.hpc.head.lease.LeaseVoter;
import dev.hpc.head.lease.LeaseVoterRoutes;
import dev.hpc.head.metrics.MetricsSettings;
import dev.hpc.head.replication.HeadCluster;
import dev.hpc.head.replication.Leadership;
import dev.hpc.head.replication.ReplicationConfig;
import dev.hpc.head.replication.Witnesses;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** Starts a head: {@code java -jar hpc-head.jar --name head1 --cluster c --port 8640 --data-dir DIR}. */
@Command(name = "hpc-head", mixinStandardHelpOptions = true,
        description = "The head daemon of the hpc batch scheduler: REST API, scheduler, worker gateway, store.")
public final class HeadMain implements Callable<Integer> {
    @Option(names = "--config", description = "a properties file with settings (flags win over it)")
    Path configFile;
    @Option(names = "--name", description = "this head's name (default: head1)")
    String name;
    @Option(names = "--cluster", description = "the cluster name, the suffix of job ids (default: the short host name)")
    String cluster;
    @Option(names = "--bind", description = "address to listen on (default 127.0.0.1)")
    String bind;
    @Option(names = "--port", description = "HTTP port of the API and the worker link (default 8640; 0 = any free)")
    Integer port;
    @Option(names = "--data-dir", description = "where the head keeps its database (default ~/.hpc/head/NAME)")
    Path dataDir;
    @Option(names = "--heartbeat", description = "worker heartbeat interval, e.g. 1s or 500ms (default 1s)")
    String heartbeat;
    @Option(names = "--node-timeout", description = "a worker silent this long is down (default 5s)")
    String nodeTimeout;
    @Option(names = "--link-loss-grace",
            description = "a worker whose link closed and that is not back this long after is down "
                    + "(default two heartbeats; 0 = only --node-timeout); a link that ends without the "
                    + "worker's close frame gets at most 500 ms")
    String linkLossGrace;
    @Option(names = "--header-timeout", description = "a connection to the HTTP port must send a whole request "
            + "head this soon after it opens or after its last answer, or it is closed (default 20s)")
    String headerTimeout;
    @Option(names = "--body-timeout",
            description = "a request's body must arrive this soon after its headers, or 408 (default 60s)")
    String bodyTimeout;
    @Option(names = "--idle-timeout", description = "a connection with nothing read or written this long is "
            + "closed (default 60s, or three heartbeats if longer; at least 30s and two heartbeats)")
    String idleTimeout;
    @Option(names = "--link-handshake-timeout", description = "a worker link must prove the cluster secret and "
            + "register this soon after it opens, or it is closed (default 10s)")
    String linkHandshakeTimeout;
    @Option(names = "--max-request-line", description = "the longest request line in bytes (default 4096)")
    String maxRequestLine;
    @Option(names = "--max-header-size", description = "the most bytes of headers in a request (default 8192)")
    String maxHeaderSize;
    @Option(names = "--keep-completed", description = "how long finished jobs stay in plain qstat (default 5m)")
    String keepCompleted;
    @Option(names = "--max-requeues", description = "requeues after node failures before a task fails (default 3)")
    Integer maxRequeues;
    @Option(names = "--array-segment-tasks", paramLabel = "N", description = "an array's ended tasks are stored "
            + "apart from the job, N at a time, so that a change of a big array writes only what changed "
            + "(default 1000)")
    Integer arraySegmentTasks;
    @Option(names = "--peers", split = ",",
            description = "the head cluster's members (host:port of their --peer-port), this head's own included; "
                    + "without it the head runs alone, with no standby")
    List<String> peers;
    @Option(names = "--peer-port", description = "this head's port in the head cluster (default 5701)")
    Integer peerPort;
    @Option(names = "--peer-bind", paramLabel = "IP",
            description = "the private interface the head cluster port listens on (default: --bind); the peer "
                    + "port has no authentication, see docs/security.md")
    String peerBind;
    @Option(names = "--peer-public-address",
            description = "host:port the other heads reach this one at, when not its bind address and peer port")
    String peerPublicAddress;
    @Option(names = "--head-timeout",
            description = "a head that stops answering (not killed: hung) is dropped after this long (default 3s)")
    String headTimeout;
    @Option(names = "--voters", paramLabel = "HOST:PORT,...",
            description = "the voters of the leadership lease: every head's API address and the arbiter's (at least "
                    + "three in all); a head leads only while a majority grants it the lease. Needed with --peers")
    String voters;
    @Option(names = "--lease", description = "how long a grant of the leadership lease lasts (default 2500ms); a hung "
            + "head is replaced about this long after it stopped renewing")
    String leaseLength;
    @Option(names = "--force-stale-start", description = "when no head runs, start from this head's own store even "
            + "if another head led last and may hold jobs this one lacks (that head is lost for good); see "
            + "docs/failover.md")
    boolean forceStaleStart;
    @Option(names = "--arbiter", description = "run only a voter of the leadership lease (the third voter beside two "
            + "heads), on --bind and --port, keeping its promises in --data-dir")
    boolean arbiter;
    @Option(names = "--default-queue", description = "queue of jobs that name none (default batch)")
    String defaultQueue;
    @Option(names = "--alert-webhook", paramLabel = "URL",
            description = "POST every alert (node down/offline/back, task requeued/failed) as JSON to this URL")
    String alertWebhook;
    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "the bootstrap admin token: registered at start, made (mode 0600) when missing "
                    + "(default DATA-DIR/admin.token)")
    Path adminTokenFile;
    @Option(names = "--submit-rate", description = "submissions per second per user with role user (default 1000)")
    String submitRate;
    @Option(names = "--submit-burst", description = "submissions a user may make at once (default 10000)")
    String submitBurst;
    @Option(names = "--max-queued-per-user",
            description = "queued and held tasks one user may have, each task of an array counting one; 0 = no "
                    + "limit (default 1000000)")
    String maxQueuedPerUser;
    @Option(names = "--max-queued-jobs-per-user",
            description = "jobs with queued or held tasks one user may have, an array counting once; 0 = no limit "
                    + "(default 10000)")
    String maxQueuedJobsPerUser;
    @Option(names = "--query-other-jobs", paramLabel = "true|false",
            description = "whether users see other users' jobs (never their scripts or environments); false "
                    + "shows each user only their own (default true)")
    String queryOtherJobs;
    @Option(names = "--metrics-access", paramLabel = "open|token|operator",
            description = "who may read /metrics: anyone who reaches the port, any valid token, or an operator's "
                    + "or admin's token (default token); see docs/monitoring.md")
    String metricsAccess;
    @Option(names = "--metrics-per-user", paramLabel = "true|false",
            description = "whether /metrics shows pending and running jobs per user name (default: true when a "
                    + "token is needed and --query-other-jobs is true)")
    String metricsPerUser;
    @Option(names = "--cluster-secret-file", paramLabel = "FILE",
            description = "the key heads and workers prove to each other on the worker link: the same private "
                    + "file (chmod 600, at least 32 bytes) on every head and worker; see docs/security.md")
    Path clusterSecretFile;
    @Option(names = "--insecure-no-secret",
            description = "start without a cluster secret: any program that reaches the port can act as a worker")
    boolean insecureNoSecret;
    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "serve the API, web view and worker link over TLS with this PKCS12 key store")
    Path tlsKeystore;
    @Option(names = "--tls-keystore-password-file", paramLabel = "FILE",
            description = "a file holding the password of --tls-keystore")
    Path tlsKeystorePassword;

    /** The exit status of a head that stopped because it could not commit (EX_SOFTWARE of sysexits.h). */
    static final int FAIL_STOP_EXIT = 70;

    public static void main(String[] args) {
        int code = new CommandLine(new HeadMain()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() throws Exception {
        HeadConfig config;
        AlertSettings alerts;
        SchedulingSettings scheduling;
        MetricsSettings metrics;
        Optional<MailNotifier> mail;
        try {
            config = config();
            alerts = alertSettings();
            mail = mailNotifier(config);
            metrics = metricsSettings(config);
            scheduling = schedulingSettings(config);
            if (arraySegmentTasks != null && arraySegmentTasks < 1) {
                throw new HpcException("--array-segment-tasks must be at least 1, not " + arraySegmentTasks);
            }
        } catch (HpcException e) {
            System.err.println("hpc-head: " + e.getMessage());
            return 2;
        }
        int segmentTasks = arraySegmentTasks != null ? arraySegmentTasks : Term.DEFAULT_ARRAY_SEGMENT_TASKS;
        Duration lease;
        try {
            lease = duration("lease", leaseLength == null ? "2500ms" : leaseLength);
            if (lease.toMillis() < 300) {
                throw new HpcException("--lease must be at least 300ms, got " + leaseLength);
            }
        } catch (HpcException e) {
            System.err.println("hpc-head: " + e.getMessage());
            return 2;
        }
        if (arbiter) {
            return runArbiter(config, lease);
        }
        Clock clock = Clock.systemUTC();
        Witnesses witnesses = new Witnesses(config.heartbeatInterval().multipliedBy(3));
        Vertx vertx = Vertx.vertx();
        Optional<LeaseVoterRoutes> ownVoter = Optional.empty();
        HeadService service;
        Optional<HeadCluster> headCluster = Optional.empty();
        Optional<Leadership> leadership = Optional.empty();
        try {
            if (peers == null || peers.isEmpty()) {
                service = HeadService.open(config, clock);
                service.term().useScheduling(scheduling);
                service.term().useArraySegmentTasks(segmentTasks);
                service.activateFromStore();
            } else {
                if (config.port() == 0) {
                    throw new HpcException("--port must be a fixed port when --peers is given: the other heads "
                            + "send clients to it");
                }
                ReplicationConfig.requireReachableApiBind(config.bindHost());
                ReplicationConfig rc = new ReplicationConfig(peerBind != null ? peerBind : config.bindHost(), peerPort != null ? peerPort : 5701,
                        peers, peerPublicAddress == null ? "" : peerPublicAddress,
                        duration("head-timeout", headTimeout == null ? "3s" : headTimeout));
                List<String> voterList = voters == null ? List.of()
                        : Arrays.stream(voters.split(",")).map(String::strip).filter(v -> !v.isEmpty()).toList();
                if (voterList.size() < 3) {
                    throw new HpcException("--peers needs --voters naming at least three voters of the leadership "
                            + "lease: every head's API address and an arbiter's (hpc-head --arbiter), for example "
                            + "--voters h1:8640,h2:8640,arbiter:8639; see docs/failover.md");
                }
                service = HeadService.open(config, clock);
                service.term().useScheduling(scheduling);
                service.term().useArraySegmentTasks(segmentTasks);
                ownVoter = Optional.of(new LeaseVoterRoutes(vertx,
                        LeaseVoter.open(config.dataDir(), lease, System::nanoTime), config.name(),
                        config.linkSecurity().clusterSecret()));
                headCluster = Optional.of(HeadCluster.join(config.cluster(), config.name(),
                        config.bindHost() + ":" + config.port(), rc));
                leadership = Optional.of(new Leadership(headCluster.get(), service, witnesses, clock,
                        Duration.ofMillis(100), Optional.of(new LeaseHolder(vertx, voterList,
                        config.name(), lease, config.linkSecurity().clusterSecret(), System::nanoTime)),
                        forceStaleStart));
                HeadService active = service;
                leadership.get().onTakeover((previous, epoch, took) -> {
                    String message = "head " + config.name() + " took over from " + previous + " with epoch " + epoch
                            + ", " + took.toMillis() + " ms after the loss was seen";
                    System.out.println(message);
                    Alert takeover = Alert.of(Alert.Kind.HEAD_TAKEOVER, config.name(), message, clock.instant());
                    active.alerts().raise(List.of(takeover));
                });
            }
        } catch (HpcException e) {
            System.err.println("hpc-head: " + e.getMessage());
            vertx.close();
            return 1;
        }
        // A head that cannot commit holds state nobody else has: it ends its process rather than serve from it.
        // Its standby sees the member gone at once and takes over from what was replicated; a supervisor (or
        // hpc local start-head) brings it back, as a standby.
        service.term().onFailStop(why -> {
            System.err.println("hpc-head: " + config.name() + " stops (fail-stop): " + why);
            System.err.flush();
            Runtime.getRuntime().halt(FAIL_STOP_EXIT);
        });
        attachAlertWebhook(service, config, alerts);
        mail.ifPresent(service::addListener);
        HeadVerticle verticle = new HeadVerticle(service, leadership, witnesses, clock).metrics(metrics);
        ownVoter.ifPresent(verticle::serveLeaseVoter);
        try {
            vertx.deployVerticle(verticle).await();
        } catch (Exception e) {
            System.err.println("hpc-head: cannot listen on " + config.bindHost() + ":" + config.port() + ": "
                    + e.getMessage());
            service.close();
            vertx.close();
            return 1;
        }
        leadership.ifPresent(Leadership::start);
        Optional<Leadership> stopLeadership = leadership;
        Optional<HeadCluster> stopCluster = headCluster;
        HeadService stopService = service;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopLeadership.ifPresent(Leadership::close);
            vertx.close().await();
            stopCluster.ifPresent(HeadCluster::close);
            stopService.close();
        }, "head-shutdown"));
        System.out.println("head " + config.name() + " of cluster " + config.cluster() + " listening on "
                + config.bindHost() + ":" + verticle.port() + " (epoch " + service.epoch() + ")");
        if (config.linkSecurity().clusterSecret().isEmpty()) {
            System.out.println("warning: no cluster secret (--insecure-no-secret): any program that reaches port "
                    + verticle.port() + " can register as a worker");
        }
        System.out.flush();
        Thread.currentThread().join();
        return 0;
    }

    /**
     * The arbiter: a voter of the leadership lease and nothing else, so that two heads have a third voter
     * and the one that still reaches a majority leads (docs/failover.md).
     */
    private int runArbiter(HeadConfig config, Duration lease) throws InterruptedException {
        Vertx vertx = Vertx.vertx();
        try {
            LeaseVoter voter = LeaseVoter.open(config.dataDir(), lease,
                    System::nanoTime);
            Router router = Router.router(vertx);
            // the arbiter's port faces the same network as the heads': held to the same limits
            HttpEdge edge = new HttpEdge(vertx, config.edge());
            edge.mount(router);
            LeaseVoterRoutes routes = new LeaseVoterRoutes(vertx, voter,
                    config.name(), config.linkSecurity().clusterSecret());
            routes.mount(router);
            HttpServer server = vertx.createHttpServer(edge.options(
                    new HttpServerOptions().setHost(config.bindHost()).setPort(config.port())));
            edge.attach(server, Map.of(LeaseVoterRoutes.bondPath(), routes::acceptBond));
            server.requestHandler(router).listen().await();
            System.out.println("arbiter " + config.name() + " of cluster " + config.cluster() + " listening on "
                    + config.bindHost() + ":" + server.actualPort() + " (epoch promised so far: "
                    + voter.state().epoch() + ")");
            System.out.flush();
        } catch (RuntimeException e) {
            System.err.println("hpc-head: the arbiter cannot start on " + config.bindHost() + ":" + config.port()
                    + ": " + e.getMessage());
            vertx.close();
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await(), "arbiter-shutdown"));
        Thread.currentThread().join();
        return 0;
    }

    /** Defaults, then the file, then flags. */
    HeadConfig config() throws IOException {
        Properties file = configFileSettings();
        String headName = pick(name, file, "name", "head1");
        String clusterName = pick(cluster, file, "cluster", shortHostName());
        Path dir = dataDir != null ? dataDir : file.containsKey("data-dir") ? Path.of(file.getProperty("data-dir"))
                : UserHome.ofThisProcess().resolve(".hpc").resolve("head").resolve(headName);
        HeadConfig d = HeadConfig.defaults(headName, clusterName, dir);
        Duration beat = duration("heartbeat", pick(heartbeat, file, "heartbeat", "1s"));
        String grace = pick(linkLossGrace, file, "link-loss-grace", "");
        return new HeadConfig(headName, clusterName, pick(bind, file, "bind", d.bindHost()),
                port != null ? port : Integer.parseInt(pick(null, file, "port", String.valueOf(d.port()))), dir,
                beat,
                duration("node-timeout", pick(nodeTimeout, file, "node-timeout", "5s")),
                duration("keep-completed", pick(keepCompleted, file, "keep-completed", "5m")),
                maxRequeues != null ? maxRequeues
                        : Integer.parseInt(pick(null, file, "max-requeues", String.valueOf(d.maxRequeues()))),
                d.maxBodyBytes(), pick(defaultQueue, file, "default-queue", d.defaultQueue()),
                AccessSettings.from(file, dir, adminTokenFile, submitRate, submitBurst,
                        maxQueuedPerUser, maxQueuedJobsPerUser, queryOtherJobs),
                LinkSecurity.from(linkSettings(file)),
                grace.isBlank() ? HeadConfig.defaultLinkLossGrace(beat) : duration("link-loss-grace", grace),
                edgeSettings(file, beat));
    }

    /** The limits of the HTTP port (docs/security.md, "The network edge"). */
    private EdgeSettings edgeSettings(Properties file, Duration heartbeat) {
        EdgeSettings d = EdgeSettings.defaults(heartbeat);
        return new EdgeSettings(
                duration("header-timeout", pick(headerTimeout, file, "header-timeout", d.headerTimeout().toMillis() + "ms")),
                duration("body-timeout", pick(bodyTimeout, file, "body-timeout", d.bodyTimeout().toMillis() + "ms")),
                duration("idle-timeout", pick(idleTimeout, file, "idle-timeout", d.idleTimeout().toMillis() + "ms")),
                duration("link-handshake-timeout", pick(linkHandshakeTimeout, file, "link-handshake-timeout",
                        d.linkHandshakeTimeout().toMillis() + "ms")),
                bytes("max-request-line", pick(maxRequestLine, file, "max-request-line",
                        String.valueOf(d.maxRequestLineBytes()))),
                bytes("max-header-size", pick(maxHeaderSize, file, "max-header-size",
                        String.valueOf(d.maxHeaderBytes()))));
    }

    /** A size in bytes, as a whole number. */
    static int bytes(String setting, String text) {
        String t = text.strip();
        if (!t.matches("\\d{1,9}")) {
            throw new HpcException("--" + setting + " must be a whole number of bytes, got '" + text + "'");
        }
        return Integer.parseInt(t);
    }

    /** The security settings of the file with the flags over them (read by {@link LinkSecurity#from}). */
    private Properties linkSettings(Properties file) {
        Properties p = new Properties();
        for (String key : List.of("cluster-secret-file", "insecure-no-secret", "tls-keystore",
                "tls-keystore-password-file")) {
            if (file.containsKey(key)) {
                p.setProperty(key, file.getProperty(key));
            }
        }
        if (clusterSecretFile != null) {
            p.setProperty("cluster-secret-file", clusterSecretFile.toString());
        }
        if (insecureNoSecret) {
            p.setProperty("insecure-no-secret", "true");
        }
        if (tlsKeystore != null) {
            p.setProperty("tls-keystore", tlsKeystore.toString());
        }
        if (tlsKeystorePassword != null) {
            p.setProperty("tls-keystore-password-file", tlsKeystorePassword.toString());
        }
        return p;
    }

    /** The settings of {@code --config}, none without one. */
    private Properties configFileSettings() {
        Properties file = new Properties();
        if (configFile != null) {
            try (InputStream in = Files.newInputStream(configFile)) {
                file.load(in);
            } catch (IOException e) {
                throw new HpcException("cannot read --config " + configFile + ": " + e.getMessage());
            }
        }
        return file;
    }

    /** The webhook of {@code --alert-webhook}, else {@code alert-webhook} of the config file, else none. */
    AlertSettings alertSettings() throws IOException {
        Properties file = configFileSettings();
        return AlertSettings.webhook(pick(alertWebhook, file, "alert-webhook", ""));
    }

    /** Who may read /metrics and whether it names users (docs/monitoring.md). */
    MetricsSettings metricsSettings(HeadConfig config) throws IOException {
        Properties file = configFileSettings();
        return MetricsSettings.from(file, config.access(), metricsAccess, metricsPerUser);
    }

    /** Queues, priority weights and backfill limits from the config file (docs/scheduling.md). */
    SchedulingSettings schedulingSettings(HeadConfig config) throws IOException {
        Properties file = configFileSettings();
        return SchedulingSettings.from(file, config.defaultQueue());
    }

    /**
     * Job mail through {@code mail-command} of the config file ({@code /usr/sbin/sendmail -t}), waiting at most
     * {@code mail-timeout} (default 30s) for each; none when it is not set (docs/commands.md).
     */
    Optional<MailNotifier> mailNotifier(HeadConfig config) throws IOException {
        Properties file = configFileSettings();
        List<String> words = MailNotifier.commandWords(
                file.getProperty("mail-command", ""));
        if (words.isEmpty()) {
            return Optional.empty();
        }
        Path program = Path.of(words.get(0));
        if (!program.isAbsolute() || !Files.isRegularFile(program) || !Files.isExecutable(program)) {
            throw new HpcException("mail-command=" + String.join(" ", words) + ": " + words.get(0) + " is not an "
                    + "executable file given by its absolute path; install a mail transfer agent (its sendmail) "
                    + "or name yours, e.g. mail-command=/usr/sbin/sendmail -t, or remove the setting to send no mail");
        }
        Duration timeout = duration("mail-timeout", file.getProperty("mail-timeout", "30s"));
        System.out.println("job mail goes through " + String.join(" ", words));
        return Optional.of(new MailNotifier(words, timeout, 10_000, config.cluster()));
    }

    private static void attachAlertWebhook(HeadService service, HeadConfig config,
                                           AlertSettings alerts) {
        alerts.webhook().ifPresent(url -> {
            service.addListener(WebhookNotifier.of(alerts, config.cluster(), config.name()));
            System.out.println("alerts are posted to " + url);
        });
    }

    private static String pick(String flag, Properties file, String key, String fallback) {
        return flag != null ? flag : file.getProperty(key, fallback);
    }

    /** Durations as people write them: 500ms, 5s, 2m, 1h, or plain seconds. */
    static Duration duration(String setting, String text) {
        return Durations.parse(text).orElseThrow(() -> new HpcException("--" + setting
                + " must be a duration like 500ms, 5s, 2m or 1h, got '" + text + "'"));
    }

    static String shortHostName() {
        try {
            String host = InetAddress.getLocalHost().getHostName();
            int dot = host.indexOf('.');
            return dot > 0 ? host.substring(0, dot) : host;
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
