package dev.hpc.head;

import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Holds an API request that reaches a standby while no head is active, for as long as a takeover takes at most,
 * and lets it through once this head is active. Answered 503 at once, the client would wait out its back-off
 * (100 ms, then 200, 400) before it asked again: a takeover of 200 ms cost a user 300 to 400 ms. Held, the
 * request is served as soon as the head is active, in the order it came; one that waited {@code hold} in vain
 * gets the 503 it would have got.
 */
final class TakeoverHold {
    /** Longer than a takeover after a kill; the client asks the other heads beside a silent one after 500 ms. */
    static final Duration HOLD = Duration.ofSeconds(1);
    /** How often a held request looks whether the head is active: a fraction of a takeover. */
    static final Duration POLL = Duration.ofMillis(5);
    /** Beyond these a request is refused at once: a held request keeps a connection and a timer. */
    static final int MAX_HELD = 1_000;

    private final Duration hold;
    private final Duration poll;
    private final AtomicInteger held = new AtomicInteger();

    TakeoverHold(Duration hold, Duration poll) {
        this.hold = hold;
        this.poll = poll;
    }

    /**
     * Pauses {@code ctx}'s request and calls {@code then} on its event loop once {@code over} is true, or once the
     * hold has passed; at once when too many are held already. Call it from the route's handler, before any body
     * handler, so that none of the body is lost: {@code then} passes the request on (a body handler resumes it)
     * or resumes it and answers.
     *
     * @return whether the request is held ({@code then} will run); false when too many are
     */
    boolean hold(RoutingContext ctx, BooleanSupplier over, Runnable then) {
        if (held.incrementAndGet() > MAX_HELD) {
            held.decrementAndGet();
            return false;
        }
        ctx.request().pause();
        long deadline = System.nanoTime() + hold.toNanos();
        // a timer set on the request's own event loop: then runs where Vert.x expects the request's handlers
        ctx.vertx().setPeriodic(poll.toMillis(), timer -> {
            boolean gone = ctx.response().closed() || ctx.response().ended();
            if (!gone && !over.getAsBoolean() && System.nanoTime() - deadline < 0) {
                return;
            }
            ctx.vertx().cancelTimer(timer);
            held.decrementAndGet();
            if (!gone) {
                then.run();
            }
        });
        return true;
    }

    /** Requests held now. */
    int held() {
        return held.get();
    }
}
