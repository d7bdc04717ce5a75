package dev.hpc.worker;

import dev.hpc.api.wire.WireCodec;
import dev.hpc.api.wire.WireMessage.Challenge;
import dev.hpc.api.wire.WireMessage.FromHead;
import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage.Hello;
import dev.hpc.api.wire.WireMessage.Refused;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.RunningTask;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.api.wire.WireMessage.Welcome;
import dev.hpc.api.wire.WorkerHandshake;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The worker's link to one head: connects, registers, and reconnects with a doubling, jittered
 * backoff whenever the connection fails or closes. A head that refuses the registration (a
 * standby) keeps the link for heartbeats, and the registration is offered again after a backoff,
 * so that a standby that takes over learns this worker within the longest backoff. A welcome that
 * answers no registration (a head that took over on an open link) is answered with a fresh
 * registration, so that the head always gets the full state. With a cluster secret, the link first
 * proves it both ways ({@link WorkerHandshake}); a head that fails is logged and dropped, and nothing
 * it sent is obeyed. Confined to the verticle's context.
 */
final class HeadLink {
    static final String PATH = WireCodec.LINK_PATH;
    /** How long a registration may go unanswered before it is offered again on the same link. */
    static final Duration REGISTRATION_ANSWER_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = Logger.getLogger(HeadLink.class.getName());

    /** What the link asks of the worker and tells it. */
    interface Listener {
        /** The registration to send now: resources, running attempts, unacknowledged results. */
        Register registration();

        /** Every message from the head, welcomes and refusals included, in arrival order. */
        void onMessage(HeadLink link, FromHead message);

        /** The connection closed (the link reconnects by itself). */
        void onClosed(HeadLink link);
    }

    /** Where the link stands. */
    enum Status { DISCONNECTED, AUTHENTICATING, REGISTERING, WELCOMED, REFUSED, STOPPED }

    private final Vertx vertx;
    private final WebSocketClient client;
    private final HeadAddress address;
    private final WorkerConfig config;
    private final Listener listener;

    private Optional<WebSocket> socket = Optional.empty();
    private WorkerHandshake handshake;
    private Status status = Status.DISCONNECTED;
    private long welcomeEpoch;
    private String headName = "";
    private boolean registrationOutstanding;
    private Set<Long> registeredResults = Set.of();
    private Set<Long> registeredWithPid = Set.of();
    private Duration reconnectDelay;
    private Duration reregisterDelay;
    private Optional<Long> timer = Optional.empty();
    /** Offers the registration again when the head left the last one unanswered. */
    private Optional<Long> answerTimer = Optional.empty();
    /**
     * How long the registration now out may go unanswered: doubles while answers stay away (a head whose state
     * thread is behind with thousands of registrations after a takeover is not sent them all again every few
     * seconds), back to the first on any answer.
     */
    private Duration answerTimeout = REGISTRATION_ANSWER_TIMEOUT;
    private int failuresInARow;

    HeadLink(Vertx vertx, WebSocketClient client, HeadAddress address, WorkerConfig config, Listener listener) {
        this.vertx = vertx;
        this.client = client;
        this.address = address;
        this.config = config;
        this.listener = listener;
        this.reconnectDelay = config.reconnectMin();
        this.reregisterDelay = config.reconnectMin();
    }

    HeadAddress address() {
        return address;
    }

    Status status() {
        return status;
    }

    boolean isOpen() {
        return socket.isPresent() && !socket.get().isClosed();
    }

    /** Open and answered (welcomed or refused): the head takes heartbeats on it. */
    boolean answered() {
        return isOpen() && (status == Status.WELCOMED || status == Status.REFUSED);
    }

    boolean welcomed() {
        return isOpen() && status == Status.WELCOMED;
    }

    /** The epoch of the last welcome on this connection (meaningful while {@link #welcomed()}). */
    long welcomeEpoch() {
        return welcomeEpoch;
    }

    /** The name the head gave in its welcome, empty before one. */
    String welcomedBy() {
        return headName;
    }

    String headName() {
        return headName.isEmpty() ? address.toString() : headName + " (" + address + ")";
    }

    /** Whether the last registration on this connection carried this result. */
    boolean registeredResult(long attemptId) {
        return registeredResults.contains(attemptId);
    }

    /** Whether the last registration on this connection carried this attempt with its pid. */
    boolean registeredWithPid(long attemptId) {
        return registeredWithPid.contains(attemptId);
    }

    void start() {
        connect();
    }

    /** Sends one message if the link is open; false when it is not. */
    boolean send(FromWorker message) {
        if (!isOpen()) {
            return false;
        }
        socket.get().writeTextMessage(WireCodec.encode(message)).onFailure(e ->
                LOG.log(Level.FINE, "cannot write to head " + headName(), e));
        return true;
    }

    Future<Void> stop() {
        status = Status.STOPPED;
        cancelTimer();
        Optional<WebSocket> s = socket;
        socket = Optional.empty();
        return s.filter(ws -> !ws.isClosed()).map(WebSocket::close).orElse(Future.succeededFuture());
    }

    // ---- connection cycle

    private void connect() {
        if (status == Status.STOPPED) {
            return;
        }
        WebSocketConnectOptions options = new WebSocketConnectOptions()
                .setHost(address.host())
                .setPort(address.port())
                .setURI(PATH)
                .setSsl(config.linkTrust().tls())
                .setConnectTimeout(config.connectTimeout().toMillis())
                .setTimeout(config.connectTimeout().toMillis());
        client.connect(options).onComplete(ar -> {
            if (ar.succeeded()) {
                attach(ar.result());
            } else {
                failuresInARow++;
                if (failuresInARow == 1) {
                    LOG.warning(() -> "cannot reach head " + address + ": " + ar.cause().getMessage()
                            + "; retrying every " + config.reconnectMax().toMillis() + " ms at most");
                } else {
                    LOG.fine(() -> "cannot reach head " + address + ": " + ar.cause().getMessage());
                }
                scheduleReconnect();
            }
        });
    }

    private void attach(WebSocket ws) {
        if (status == Status.STOPPED) {
            ws.close();
            return;
        }
        socket = Optional.of(ws);
        LOG.info(() -> "connected to head " + address);
        ws.textMessageHandler(this::onText);
        ws.exceptionHandler(e -> LOG.log(Level.FINE, "link to head " + headName() + " failed", e));
        ws.closeHandler(v -> onClose(ws));
        handshake = new WorkerHandshake(config.linkTrust().clusterSecret());
        Optional<Hello> hello = handshake.hello();
        if (hello.isPresent()) {
            status = Status.AUTHENTICATING;
            send(hello.get());
        } else {
            status = Status.REGISTERING;
            register();
        }
    }

    /** Runs the handshake; false when the message must not be obeyed (the link is then being dropped). */
    private boolean trusted(FromHead message) {
        if (message instanceof Challenge c) {
            Optional<String> failure = handshake.check(c);
            if (failure.isPresent()) {
                drop(failure.get());
            } else if (status == Status.AUTHENTICATING) {
                LOG.fine(() -> "head " + c.headName() + " at " + address + " proved the cluster secret");
                status = Status.REGISTERING;
                register();
            }
            return false;
        }
        if (!handshake.trusted()) {
            Optional<String> reason = message instanceof Refused r ? Optional.of(": " + r.message()) : Optional.empty();
            drop("head at " + address + " sent " + message.getClass().getSimpleName() + reason.orElse("")
                    + " before proving the cluster secret; ignored it");
            return false;
        }
        return true;
    }

    /** Closes a link whose head failed the handshake; the usual backoff reconnects it later. */
    private void drop(String reason) {
        if (handshake.failed()) {
            return; // already closing: what else that head sent is ignored without more noise
        }
        handshake.fail();
        LOG.warning(() -> reason + "; closing the link to " + address);
        socket.filter(ws -> !ws.isClosed()).ifPresent(ws -> ws.close((short) 1008, "the head did not prove the "
                + "cluster secret"));
    }

    /** Sends a registration; the status stays as it is until the head answers. */
    private void register() {
        Register r = listener.registration();
        registeredResults = r.finished().stream().map(TaskResult::attemptId).collect(Collectors.toUnmodifiableSet());
        registeredWithPid = r.running().stream().filter(t -> t.pid() > 0).map(RunningTask::attemptId)
                .collect(Collectors.toUnmodifiableSet());
        registrationOutstanding = true;
        send(handshake.prove(r));
        answerTimer.ifPresent(vertx::cancelTimer);
        Duration waited = answerTimeout;
        answerTimer = Optional.of(vertx.setTimer(waited.toMillis(), id -> {
            answerTimer = Optional.empty();
            if (registrationOutstanding && isOpen()) {
                // A head answers every registration, with a welcome or a refusal; one that said nothing (a
                // registration dropped by a head stepping down or taking over) would leave this worker unknown
                // to it for good, its results never acknowledged.
                LOG.warning(() -> "head " + headName() + " has not answered the registration in "
                        + waited.toSeconds() + " s: offering it again");
                answerTimeout = waited.multipliedBy(2).compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1)
                        : waited.multipliedBy(2);
                register();
            }
        }));
    }

    private void onText(String text) {
        FromHead message;
        try {
            message = WireCodec.decodeFromHead(text);
        } catch (RuntimeException e) {
            LOG.warning(() -> "ignored an unreadable message from head " + headName() + ": " + e.getMessage());
            return;
        }
        if (!trusted(message)) {
            return;
        }
        try {
            if (message instanceof Welcome w) {
                onWelcome(w);
            } else if (message instanceof Refused r) {
                onRefused(r);
            } else {
                listener.onMessage(this, message);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "handling " + message.getClass().getSimpleName() + " from head " + headName()
                    + " failed", e);
        }
    }

    private void onWelcome(Welcome w) {
        boolean answersRegistration = registrationOutstanding;
        registrationOutstanding = false;
        answerTimeout = REGISTRATION_ANSWER_TIMEOUT;
        status = Status.WELCOMED;
        welcomeEpoch = w.epoch();
        headName = w.headName();
        failuresInARow = 0;
        reconnectDelay = config.reconnectMin();
        reregisterDelay = config.reconnectMin();
        cancelTimer();
        listener.onMessage(this, w);
        if (!answersRegistration) {
            LOG.info(() -> "head " + headName() + " welcomed this worker without a registration: registering again");
            register();
        }
    }

    private void onRefused(Refused r) {
        registrationOutstanding = false;
        answerTimeout = REGISTRATION_ANSWER_TIMEOUT;
        boolean due = status == Status.REFUSED && timer.isPresent();
        status = Status.REFUSED;
        failuresInARow = 0;
        reconnectDelay = config.reconnectMin();
        if (due) {
            // A head that marked this worker down refuses each of its heartbeats too (a burst of them when a cut
            // that held them heals). The registration it asks for is already due: put off again at every
            // refusal, by more than a heartbeat, it never went out (issue 17).
            LOG.fine(() -> "head " + address + " refused again (epoch " + r.epoch() + "): " + r.message()
                    + "; the registration it asks for is due already");
            listener.onMessage(this, r);
            return;
        }
        Duration delay = jittered(reregisterDelay);
        reregisterDelay = doubled(reregisterDelay);
        LOG.info(() -> "head " + address + " refused the registration (epoch " + r.epoch() + "): " + r.message()
                + "; offering it again in " + delay.toMillis() + " ms");
        cancelTimer();
        timer = Optional.of(vertx.setTimer(delay.toMillis(), id -> {
            timer = Optional.empty();
            if (status == Status.REFUSED && isOpen()) {
                register();
            }
        }));
        listener.onMessage(this, r);
    }

    private void onClose(WebSocket ws) {
        if (socket.isEmpty() || socket.get() != ws) {
            return; // a socket we already gave up
        }
        socket = Optional.empty();
        registrationOutstanding = false;
        if (status == Status.STOPPED) {
            return;
        }
        String why = ws.closeReason() == null || ws.closeReason().isEmpty() ? "" : " (" + ws.closeReason() + ")";
        LOG.info(() -> "link to head " + headName() + " closed" + why + "; reconnecting");
        status = Status.DISCONNECTED;
        cancelTimer();
        listener.onClosed(this);
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        if (status == Status.STOPPED) {
            return;
        }
        status = Status.DISCONNECTED;
        Duration delay = jittered(reconnectDelay);
        reconnectDelay = doubled(reconnectDelay);
        cancelTimer();
        timer = Optional.of(vertx.setTimer(Math.max(1, delay.toMillis()), id -> {
            timer = Optional.empty();
            connect();
        }));
    }

    private void cancelTimer() {
        timer.ifPresent(vertx::cancelTimer);
        timer = Optional.empty();
    }

    private Duration doubled(Duration d) {
        Duration next = d.multipliedBy(2);
        return next.compareTo(config.reconnectMax()) > 0 ? config.reconnectMax() : next;
    }

    /** Up to a quarter less, so that ten thousand workers do not reconnect in step. */
    private static Duration jittered(Duration d) {
        long ms = d.toMillis();
        return Duration.ofMillis(ms - ThreadLocalRandom.current().nextLong(ms / 4 + 1));
    }
}
