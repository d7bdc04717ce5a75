package dev.hpc.head.api;

import dev.hpc.api.job.Alert;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.head.ChangeListener;
import dev.hpc.head.HeadService;
import dev.hpc.head.StateReads;
import dev.hpc.head.access.Caller;
import dev.hpc.head.access.JobVisibility;
import dev.hpc.head.access.TokenRegistry;
import dev.hpc.head.edge.EdgeSettings;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code GET /api/v1/events}: the committed changes of the head as server-sent events, for the web
 * view and anyone else who wants to watch (see docs/web.md for the format).
 *
 * <p>One {@link ChangeListener} serves every client. It runs on the store's writer thread, so it only
 * queues the changed records and asks the Vert.x context to drain them; the drain coalesces several
 * changes of one job or node into its newest version, encodes each record once and writes the same
 * bytes to every client. A client that reads too slowly (more than {@link Settings#maxWriteQueue()}
 * bytes not yet on its socket) is closed instead of buffered without bound; its EventSource
 * reconnects and reloads. A head that is no longer active closes its streams. When the changes come faster
 * than the context drains them the queue is bounded too: past {@link Settings#maxPending()} changes
 * are dropped and every client gets a {@code resync} event telling it to reload. Alerts go out as
 * {@code alert} events.
 *
 * <p>Each client sees each job as {@link JobVisibility} lets its caller see it (issue #15): its own
 * jobs, and every job for an operator or admin, as listings show them; other users' jobs with their
 * public attributes only, or not at all when listings are private. Each form of a change is still
 * encoded once per drain, whatever the number of clients.
 *
 * <p>A stream lives no longer than the token it was opened with: when that token is revoked (here, or
 * on the active head and mirrored here) the stream gets a last {@code revoked} event, which the page
 * shows, and ends (issue #15). Its EventSource then reconnects and is refused with {@code 401}.
 */
public final class EventStream implements ChangeListener {
    private static final Logger LOG = Logger.getLogger(EventStream.class.getName());
    public static final String PATH = "/api/v1/events";

    /**
     * @param keepAlive    how often an idle stream gets a {@code : keepalive} comment, so proxies keep it open
     * @param clusterEvery at most how often a {@code cluster} summary follows changes
     * @param retry        how long a browser waits before it reconnects (the SSE {@code retry:} field)
     * @param maxPending   changes queued for the context before they are dropped for a {@code resync}
     * @param maxWriteQueue bytes a client may have unsent before it is closed as too slow
     */
    public record Settings(Duration keepAlive, Duration clusterEvery, Duration retry, int maxPending,
                           int maxWriteQueue) {
        public static final Settings DEFAULTS = new Settings(EdgeSettings.KEEPALIVE, Duration.ofSeconds(1),
                Duration.ofSeconds(2), 100_000, 4 * 1024 * 1024);
    }

    private final Vertx vertx;
    private final HeadService head;
    private final Settings settings;
    private final Context context;
    /**
     * Opened and closed on their connections' event loops, which are several (the head's port is served by one
     * server per loop), written to from {@link #context}.
     */
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private final Queue<Object> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicBoolean overflowed = new AtomicBoolean();
    /** Touched only on {@link #context}. */
    private long nextId = 1;
    private boolean clusterDirty;

    public EventStream(Vertx vertx, HeadService head) {
        this(vertx, head, Settings.DEFAULTS);
    }

    public EventStream(Vertx vertx, HeadService head, Settings settings) {
        this.vertx = vertx;
        this.head = head;
        this.settings = settings;
        this.context = vertx.getOrCreateContext();
    }

    public void mount(Router router) {
        router.get(PATH).handler(this::open);
        head.addListener(this);
        vertx.setPeriodic(settings.keepAlive().toMillis(), t -> broadcast(Buffer.buffer(": keepalive\n\n")));
        vertx.setPeriodic(settings.clusterEvery().toMillis(), t -> {
            if (!head.isActive() && !clients.isEmpty()) {
                // this head stepped down: its clients reconnect and are sent to the active head
                LOG.info("this head is no longer active: closing " + clients.size() + " event stream(s)");
                for (Client client : List.copyOf(clients)) {
                    remove(client);
                    client.response.end();
                }
                return;
            }
            if (clusterDirty && !clients.isEmpty()) {
                clusterDirty = false;
                sendCluster(null);
            }
        });
    }

    /** Number of connected clients; for tests and metrics. */
    public int clients() {
        return clients.size();
    }

    // ------------------------------------------------------------------ clients

    /** A connected client, who it is, and the bytes written to it that have not reached its socket yet. */
    private static final class Client {
        final HttpServerResponse response;
        final Caller caller;
        /** Counted up where a write is made and down on the connection's loop once it is on the socket. */
        final AtomicLong unsent = new AtomicLong();
        volatile TokenRegistry.Hold hold;

        Client(HttpServerResponse response, Caller caller) {
            this.response = response;
            this.caller = caller;
        }
    }

    private void open(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        Client client = new Client(response, Authenticator.caller(ctx));
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no")
                .setWriteQueueMaxSize(settings.maxWriteQueue());
        response.closeHandler(v -> remove(client));
        response.exceptionHandler(e -> {
            LOG.log(Level.FINE, "event stream client failed", e);
            remove(client);
        });
        clients.add(client);
        client.hold = head.tokens().whileValid(Authenticator.token(ctx),
                why -> context.runOnContext(v -> revoked(client, why)));
        write(client, Buffer.buffer("retry: " + settings.retry().toMillis() + "\n: connected to head "
                + head.config().name() + "\n\n"));
        sendCluster(client);
    }

    private void remove(Client client) {
        clients.remove(client);
        TokenRegistry.Hold hold = client.hold;
        if (hold != null) {
            hold.release();
        }
    }

    /** On the context: the stream's token was revoked; its last event says so, and it ends. */
    private void revoked(Client client, String why) {
        if (!clients.contains(client)) {
            return;
        }
        remove(client);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", "TOKEN_REVOKED");
        m.put("message", why + ": this stream ends; sign in with a valid token to go on");
        if (!client.response.closed() && !client.response.ended()) {
            client.response.end(Buffer.buffer(event(nextId++, "revoked", m).getBytes(StandardCharsets.UTF_8)));
        }
    }

    /**
     * A client that cannot keep up is closed; its EventSource reconnects and reloads what it shows. The
     * bytes not yet on its socket are counted here: the write queue of the connection alone did not
     * stop a reader that never reads (Vert.x 5.1 kept it "writable" past hundreds of megabytes).
     */
    private void write(Client client, Buffer bytes) {
        HttpServerResponse response = client.response;
        if (response.closed() || response.ended()) {
            remove(client);
            return;
        }
        // a client that has taken everything so far gets the next batch whatever its size
        long unsent = client.unsent.get();
        if (unsent > 0 && (unsent + bytes.length() > settings.maxWriteQueue() || response.writeQueueFull())) {
            LOG.warning("an event stream client reads too slowly (" + unsent + " bytes unsent): closing it;"
                    + " it will reconnect and reload");
            remove(client);
            response.reset();
            return;
        }
        int length = bytes.length();
        client.unsent.addAndGet(length);
        response.write(bytes).onComplete(r -> {
            client.unsent.addAndGet(-length);
            if (r.failed()) {
                remove(client);
            }
        });
    }

    private void broadcast(Buffer bytes) {
        for (Client client : List.copyOf(clients)) {
            write(client, bytes);
        }
    }

    // ------------------------------------------------------------------ changes

    /** On the store's writer thread: queue and hand over, nothing more. */
    @Override
    public void changed(List<Job> jobs, List<NodeInfo> nodes) {
        if (clients.isEmpty()) {
            return;
        }
        int size = jobs.size() + nodes.size();
        if (pendingCount.addAndGet(size) > settings.maxPending()) {
            pendingCount.addAndGet(-size);
            overflowed.set(true);
        } else {
            pending.addAll(jobs);
            pending.addAll(nodes);
        }
        if (drainScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> drain());
        }
    }

    /** An alert (node down, task requeued, ...) as {@code event: alert}, written on the context. */
    @Override
    public void alert(Alert alert) {
        if (clients.isEmpty()) {
            return;
        }
        context.runOnContext(v -> broadcast(Buffer.buffer(event(nextId++, "alert", Codec.toMap(alert))
                .getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * On the context: the newest version of each changed job and node, encoded once per form, written
     * to each client as its caller may see it.
     */
    private void drain() {
        drainScheduled.set(false);
        Map<String, Object> latest = new LinkedHashMap<>();
        Object change;
        while ((change = pending.poll()) != null) {
            pendingCount.decrementAndGet();
            if (change instanceof Job j) {
                String key = "job:" + j.id().number();
                Object before = latest.get(key);
                if (!(before instanceof Job b) || b.version() <= j.version()) {
                    latest.remove(key);
                    latest.put(key, j);
                }
            } else if (change instanceof NodeInfo n) {
                latest.remove("node:" + n.name());
                latest.put("node:" + n.name(), n);
            }
        }
        if (clients.isEmpty()) {
            overflowed.set(false);
            return;
        }
        List<Function<Caller, Optional<String>>> changes = new ArrayList<>();
        if (overflowed.getAndSet(false)) {
            String resync = event(nextId++, "resync", Map.of("reason",
                    "changes came faster than they could be sent; reload"));
            changes.add(caller -> Optional.of(resync));
        }
        JobVisibility visibility = head.config().access().jobVisibility();
        for (Object c : latest.values()) {
            long id = nextId++;
            if (c instanceof Job j) {
                // encoded once per form, for all the clients that see the job that way
                Map<JobVisibility.View, Optional<String>> forms = new EnumMap<>(JobVisibility.View.class);
                changes.add(caller -> forms.computeIfAbsent(visibility.view(caller, j.spec().owner()),
                        view -> visibility.summary(caller, j).map(m -> event(id, "job", m))));
            } else {
                String node = event(id, "node", Codec.toMap((NodeInfo) c));
                changes.add(caller -> Optional.of(node));
            }
        }
        clusterDirty = true;
        // every operator sees the same, and each user's clients (browser tabs) see the same: one buffer each
        Map<String, Buffer> byViewer = new HashMap<>();
        for (Client client : List.copyOf(clients)) {
            String viewer = client.caller.isOperator() ? "" : "user:" + client.caller.user();
            Buffer bytes = byViewer.computeIfAbsent(viewer, v -> {
                StringBuilder out = new StringBuilder();
                for (Function<Caller, Optional<String>> form : changes) {
                    form.apply(client.caller).ifPresent(out::append);
                }
                return Buffer.buffer(out.toString().getBytes(StandardCharsets.UTF_8));
            });
            if (bytes.length() > 0) {
                write(client, bytes);
            }
        }
    }

    /** One event in the SSE format; a data line per line of the JSON (it has none, but to be safe). */
    private static String event(long id, String name, Object data) {
        StringBuilder b = new StringBuilder();
        b.append("id: ").append(id).append('\n');
        b.append("event: ").append(name).append('\n');
        for (String line : Json.write(data).split("\n", -1)) {
            b.append("data: ").append(line).append('\n');
        }
        return b.append('\n').toString();
    }

    /** The cluster summary, to one new client or (with {@code null}) to every client. */
    private void sendCluster(Client only) {
        head.reads().summary().whenComplete((s, error) -> context.runOnContext(v -> {
            if (error != null) {
                LOG.log(Level.WARNING, "cluster summary for the event stream failed", error);
                return;
            }
            Buffer bytes = Buffer.buffer(event(nextId++, "cluster", summary(s)).getBytes(StandardCharsets.UTF_8));
            if (only == null) {
                broadcast(bytes);
            } else if (clients.contains(only)) {
                write(only, bytes);
            }
        }));
    }

    /**
     * The figures of {@code GET /api/v1/cluster} that change with jobs and nodes. Which heads there are
     * and their roles is that route's to say; a client reads it on connect and now and then.
     */
    private Map<String, Object> summary(StateReads.Summary s) {
        Map<String, Object> jobs = new LinkedHashMap<>();
        s.jobs().forEach((state, count) -> jobs.put(state.name(), count));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cluster", head.config().cluster());
        m.put("head", head.config().name());
        m.put("epoch", head.epoch());
        m.put("workers", Map.of("up", s.nodesUp(), "total", s.nodesTotal()));
        m.put("cores", Map.of("total", s.cores(), "used", s.coresUsed()));
        m.put("jobs", jobs);
        return m;
    }
}
