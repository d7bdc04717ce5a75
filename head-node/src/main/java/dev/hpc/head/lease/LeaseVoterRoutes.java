package dev.hpc.head.lease;

import dev.hpc.api.ClusterSecret;
import dev.hpc.api.HpcException;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * {@code POST /cluster/v1/lease}: a voter's answer to a head that asks for the leadership lease or renews it.
 * Served by every head and by the arbiter. The decision writes to disk when it promises a new epoch, so it
 * runs off the event loop.
 */
public final class LeaseVoterRoutes {
    private static final Logger LOG = Logger.getLogger(LeaseVoterRoutes.class.getName());
    private static final int MAX_BODY = 4096;
    private final Vertx vertx;
    private final LeaseVoter voter;
    private final String voterName;
    private final Optional<ClusterSecret> secret;

    public LeaseVoterRoutes(Vertx vertx, LeaseVoter voter, String voterName, Optional<ClusterSecret> secret) {
        this.vertx = vertx;
        this.voter = voter;
        this.voterName = voterName;
        this.secret = secret;
    }

    public void mount(Router router) {
        router.post(LeaseWire.PATH).handler(BodyHandler.create(false).setBodyLimit(MAX_BODY)).handler(this::vote);
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
        vertx.executeBlocking(() -> voter.request(asked.head(), asked.epoch(), asked.duration(), asked.sentAt(),
                asked.active(), asked.soleCopy(), asked.numbersUpTo()), false)
                .onSuccess(answer -> ctx.response().putHeader("Content-Type", "application/json")
                        .end(LeaseWire.write(answer, asked, voterName, secret)))
                .onFailure(e -> {
                    LOG.severe("the lease voter failed: " + e.getMessage());
                    ctx.response().setStatusCode(500).putHeader("Content-Type", "text/plain").end(e.getMessage());
                });
    }
}
