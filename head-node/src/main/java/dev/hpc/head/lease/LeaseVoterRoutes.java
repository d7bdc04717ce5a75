package dev.hpc.head.lease;

import dev.hpc.api.HpcException;
import dev.hpc.api.wire.ClusterSecret;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * {@code POST /cluster/v1/lease}: a voter's answer to a head that asks for the leadership lease or renews it, and
 * the heads' bonds with the voter ({@link LeaseBonds}). Served by every head and by the arbiter. The decision writes to disk when it promises a new epoch, so it
 * runs off the event loop.
 */
public final class LeaseVoterRoutes {
    private static final Logger LOG = Logger.getLogger(LeaseVoterRoutes.class.getName());
    private static final int MAX_BODY = 4096;
    private final Vertx vertx;
    private final LeaseVoter voter;
    private final String voterName;
    private final Optional<ClusterSecret> secret;
    private final LeaseBonds bonds;

    public LeaseVoterRoutes(Vertx vertx, LeaseVoter voter, String voterName, Optional<ClusterSecret> secret) {
        this.vertx = vertx;
        this.voter = voter;
        this.voterName = voterName;
        this.secret = secret;
        this.bonds = new LeaseBonds(vertx, voter, secret, System::nanoTime);
    }

    public void mount(Router router) {
        router.post(LeaseWire.PATH).handler(BodyHandler.create(false).setBodyLimit(MAX_BODY)).handler(this::vote);
    }

    /** The WebSocket path of the heads' bonds with this voter, which the HTTP server upgrades. */
    public static String bondPath() {
        return LeaseBonds.PATH;
    }

    /** A head's new bond ({@link LeaseBonds}), upgraded by the HTTP server at {@link #bondPath()}. */
    public void acceptBond(ServerWebSocket ws) {
        bonds.accept(ws);
    }

    private void vote(RoutingContext ctx) {
        LeaseWire.Request request;
        try {
            request = LeaseWire.readRequest(ctx.body().asString(), secret);
        } catch (SecurityException e) {
            LOG.warning(() -> "refused a lease request from " + ctx.request().remoteAddress() + ": " + e.getMessage());
            ctx.response().setStatusCode(403).putHeader("Content-Type", "text/plain").end(e.getMessage());
            return;
        } catch (IllegalArgumentException | HpcException e) {
            ctx.response().setStatusCode(400).putHeader("Content-Type", "text/plain").end(e.getMessage());
            return;
        }
        LeaseWire.Request asked = request;
        // bound only to a bond open here now: a bond that closed first cannot end the grant, so it is unbound
        String bond = bonds.isOpen(asked.head(), asked.bond()) ? asked.bond() : "";
        vertx.executeBlocking(() -> {
            if (asked.withdrawal()) {
                voter.withdraw(asked.head(), asked.epoch(), asked.sentAt());
                return voter.state();
            }
            return voter.request(asked.head(), asked.epoch(), asked.duration(), asked.sentAt(), asked.active(),
                    asked.soleCopy(), asked.numbersUpTo(), bond);
        }, false)
                .onSuccess(answer -> ctx.response().putHeader("Content-Type", "application/json")
                        .end(LeaseWire.write(answer, asked, voterName, secret)))
                .onFailure(e -> {
                    LOG.severe("the lease voter failed: " + e.getMessage());
                    ctx.response().setStatusCode(500).putHeader("Content-Type", "text/plain").end(e.getMessage());
                });
    }
}
