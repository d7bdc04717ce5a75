package dev.hpc.head.lease;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.wire.ClusterSecret;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.logging.Logger;

/**
 * A head's side of the lease bonds ({@link LeaseBonds}, the voter's side): a WebSocket to every voter, kept open
 * and reopened, on which this head speaks every {@link #BOND_BEAT}. {@link LeaseHolder} binds each request's
 * grant to the bond open with its voter: the bond's {@link #id} and its {@link #generation}, the count of that
 * voter's bonds that have closed. A bond that closes counts as closed here first, so no grant bound to it counts
 * from then on, and only then is its id cleared.
 */
final class HeadBonds {
    private static final Logger LOG = Logger.getLogger(LeaseHolder.class.getName());

    /** How often this head speaks on each bond: a voter takes a close after a longer silence for the network's. */
    static final Duration BOND_BEAT = Duration.ofMillis(250);
    private static final Duration BOND_RETRY = Duration.ofMillis(200);

    private final List<URI> voters;
    private final Vertx vertx;
    private final String head;
    private final Optional<ClusterSecret> secret;
    private final WebSocketClient bondClient;
    /** Per voter, the id of the open bond ("" when none). */
    private final AtomicReferenceArray<String> bondIds;
    private final AtomicReferenceArray<WebSocket> bondSockets;
    /** Per voter, how many of its bonds have closed: a grant bound at another count is void. */
    private final AtomicLongArray bondGenerations;
    private final List<Runnable> releaseListeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private final long beatTimer;

    /** Opens a bond with every voter, on the event loop. */
    HeadBonds(Vertx vertx, List<URI> voters, String head, Optional<ClusterSecret> secret, long timeout) {
        this.voters = voters;
        this.vertx = vertx;
        this.head = head;
        this.secret = secret;
        this.bondClient = vertx.createWebSocketClient(new WebSocketClientOptions().setConnectTimeout((int) timeout)
                .setTrustAll(true).setVerifyHost(false));
        int n = voters.size();
        this.bondIds = new AtomicReferenceArray<>(n);
        this.bondSockets = new AtomicReferenceArray<>(n);
        this.bondGenerations = new AtomicLongArray(n);
        for (int i = 0; i < n; i++) {
            bondIds.set(i, "");
            int voter = i;
            vertx.runOnContext(v -> connectBond(voter));
        }
        this.beatTimer = vertx.setPeriodic(BOND_BEAT.toMillis(), id -> {
            for (int i = 0; i < n; i++) {
                WebSocket ws = bondSockets.get(i);
                if (ws != null && !bondIds.get(i).isEmpty()) {
                    ws.writeTextMessage("beat");
                }
            }
        });
    }

    /** How many voters this head has an open bond with. */
    int open() {
        int open = 0;
        for (int i = 0; i < voters.size(); i++) {
            if (!bondIds.get(i).isEmpty()) {
                open++;
            }
        }
        return open;
    }

    /** The id of the bond open with a voter, or "" when none is. */
    String id(int voter) {
        return bondIds.get(voter);
    }

    /** How many of a voter's bonds have closed. */
    long generation(int voter) {
        return bondGenerations.get(voter);
    }

    /** Called, on an event loop, when a voter ends another head's grant because that head's bond closed. */
    void onReleased(Runnable listener) {
        releaseListeners.add(listener);
    }

    private void connectBond(int voter) {
        if (closed) {
            return;
        }
        URI v = voters.get(voter);
        WebSocketConnectOptions o = new WebSocketConnectOptions().setHost(v.getHost()).setPort(v.getPort())
                .setURI(LeaseBonds.PATH).setSsl("https".equals(v.getScheme()));
        bondClient.connect(o).onComplete(ar -> {
            if (ar.failed()) {
                retryBond(voter);
                return;
            }
            WebSocket ws = ar.result();
            if (closed) {
                ws.close();
                return;
            }
            bondSockets.set(voter, ws);
            ws.textMessageHandler(text -> onBondMessage(voter, ws, text));
            ws.closeHandler(x -> {
                // first: from now on no grant bound to this bond counts here
                bondGenerations.incrementAndGet(voter);
                bondIds.set(voter, "");
                bondSockets.compareAndSet(voter, ws, null);
                retryBond(voter);
            });
            ws.exceptionHandler(e -> LOG.fine(() -> "lease bond with " + v.getAuthority() + ": " + e.getMessage()));
        });
    }

    private void retryBond(int voter) {
        if (!closed) {
            vertx.setTimer(BOND_RETRY.toMillis(), id -> connectBond(voter));
        }
    }

    private void onBondMessage(int voter, WebSocket ws, String text) {
        try {
            JsonFields f = Json.readObject(text);
            if (f.has("nonce") && bondIds.get(voter).isEmpty()) {
                String nonce = f.string("nonce");
                ws.writeTextMessage(Json.write(Map.of("head", head,
                        "proof", secret.map(s -> s.leaseBondProof(nonce, head)).orElse(""))));
                bondIds.set(voter, nonce);
            } else if (f.has("released") && !f.string("released").equals(head)) {
                releaseListeners.forEach(Runnable::run);
            }
        } catch (RuntimeException e) {
            LOG.fine(() -> "a lease bond message not understood: " + e.getMessage());
        }
    }

    /**
     * Closes every bond: a voter ends a grant bound to one as it closes. The caller has stopped counting on those
     * grants before.
     */
    void close() {
        closed = true;
        vertx.cancelTimer(beatTimer);
        for (int i = 0; i < voters.size(); i++) {
            bondGenerations.incrementAndGet(i);
            WebSocket ws = bondSockets.getAndSet(i, null);
            if (ws != null) {
                ws.close();
            }
        }
        bondClient.close();
    }
}
