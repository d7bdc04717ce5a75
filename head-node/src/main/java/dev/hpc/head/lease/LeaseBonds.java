package dev.hpc.head.lease;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.wire.ClusterSecret;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * A voter's side of the lease bonds (docs/architecture.md, "A killed head hands over at once"): every head keeps a
 * WebSocket open to every voter, and a grant may be bound to it. When a head's process ends, its kernel closes
 * the bond, and the voter ends the grant bound to it at once: the standby is granted the lease within
 * milliseconds of a SIGKILL instead of a whole lease later. A frozen or cut-off head closes nothing, and its
 * lease runs out as before.
 *
 * <p>Safe because only the head's side ends a bond: its process ended, or it stopped counting on the grants bound
 * to the bond before it closed it ({@link LeaseHolder}). This voter never closes a bond itself but on a broken
 * handshake, and a close it hears after the bond was silent for longer than {@link #RECENT} ends nothing: that
 * may be the server's idle timeout (30 s at least) or the network's, not the head's doing, while a live head
 * speaks on its bonds every {@link HeadBonds#BOND_BEAT}. A frozen or cut-off head closes nothing, so only its
 * lease's end passes the lead on, as before.
 *
 * <p>The handshake: the voter sends a nonce; the head answers with its name and the proof of the cluster secret
 * over both. Only then is the bond the head's; its id is the nonce. When a grant ends so, every other head's
 * bond is told ({@code {"released": head}}), so that a standby asks at once.
 */
final class LeaseBonds {
    private static final Logger LOG = Logger.getLogger(LeaseBonds.class.getName());
    static final String PATH = "/cluster/v1/lease/bond";
    /** A close after a longer silence than this ends no grant. */
    static final Duration RECENT = Duration.ofSeconds(2);
    private static final Duration HANDSHAKE = Duration.ofSeconds(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Vertx vertx;
    private final LeaseVoter voter;
    private final Optional<ClusterSecret> secret;
    private final LongSupplier nanos;
    private final Map<ServerWebSocket, Bond> open = new ConcurrentHashMap<>();

    private static final class Bond {
        final String id;
        volatile String head = "";
        volatile long lastHeardNanos;

        Bond(String id, long now) {
            this.id = id;
            this.lastHeardNanos = now;
        }
    }

    LeaseBonds(Vertx vertx, LeaseVoter voter, Optional<ClusterSecret> secret, LongSupplier nanos) {
        this.vertx = vertx;
        this.voter = voter;
        this.secret = secret;
        this.nanos = nanos;
    }

    /** Whether {@code bond} is an open bond of {@code head}: only then may a grant be bound to it. */
    boolean isOpen(String head, String bond) {
        if (bond.isEmpty()) {
            return false;
        }
        for (Bond b : open.values()) {
            if (b.id.equals(bond) && b.head.equals(head)) {
                return true;
            }
        }
        return false;
    }

    /** A new bond, upgraded by the HTTP server at {@link #PATH}. */
    void accept(ServerWebSocket ws) {
        byte[] n = new byte[16];
        RANDOM.nextBytes(n);
        Bond bond = new Bond(HexFormat.of().formatHex(n), nanos.getAsLong());
        open.put(ws, bond);
        long timer = vertx.setTimer(HANDSHAKE.toMillis(), id -> {
            if (bond.head.isEmpty()) {
                LOG.warning(() -> "a lease bond from " + ws.remoteAddress() + " did not prove the cluster secret within "
                        + HANDSHAKE.toMillis() + " ms; closed");
                ws.close((short) 1008, "no proof");
            }
        });
        ws.textMessageHandler(text -> {
            bond.lastHeardNanos = nanos.getAsLong();
            if (!bond.head.isEmpty()) {
                return; // a beat
            }
            try {
                JsonFields f = Json.readObject(text).allowOnly(Set.of("head", "proof"));
                String head = f.string("head");
                if (head.isBlank() || secret.isPresent() && !ClusterSecret.matches(
                        secret.get().leaseBondProof(bond.id, head), f.string("proof", ""))) {
                    throw new SecurityException("the lease bond of '" + head + "' does not prove the cluster secret");
                }
                bond.head = head;
                vertx.cancelTimer(timer);
            } catch (RuntimeException e) {
                LOG.warning(() -> "refused a lease bond from " + ws.remoteAddress() + ": " + e.getMessage());
                ws.close((short) 1008, "refused");
            }
        });
        ws.closeHandler(v -> {
            vertx.cancelTimer(timer);
            open.remove(ws);
            closed(bond);
        });
        ws.exceptionHandler(e -> LOG.fine(() -> "lease bond " + bond.head + ": " + e.getMessage()));
        ws.writeTextMessage(Json.write(Map.of("nonce", bond.id)));
    }

    private void closed(Bond bond) {
        if (bond.head.isEmpty() || nanos.getAsLong() - bond.lastHeardNanos > RECENT.toNanos()) {
            return;
        }
        // the voter decides off the event loop, as its requests are
        vertx.executeBlocking(() -> voter.bondClosed(bond.head, bond.id), false).onSuccess(ended -> {
            if (ended) {
                LOG.warning(() -> "head " + bond.head + " closed its lease bond: its grant here ends now");
                String notice = Json.write(Map.of("released", bond.head));
                open.forEach((ws, b) -> {
                    if (!b.head.isEmpty() && !b.head.equals(bond.head)) {
                        ws.writeTextMessage(notice);
                    }
                });
            }
        });
    }
}
