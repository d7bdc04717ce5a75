package dev.hpc.head;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Holds the API requests that reach a standby while it takes over, for as long as a takeover takes at most, and
 * lets them through once it is over. Answered 503 at once, a client would wait out its back-off (100 ms, then 200,
 * 400) before it asked again: a takeover of 450 ms cost a user's {@code qsub} about 800 ms. Held, a request is
 * served as soon as the head is active, or sent on as soon as another head is; one that waited {@code hold} in
 * vain gets the 503 it would have got.
 */
final class TakeoverHold {
    /** Longer than a takeover after a kill; the client asks the other heads beside a silent one after 500 ms. */
    static final Duration HOLD = Duration.ofSeconds(1);
    /** How often the held requests look whether the takeover is over: a fraction of a takeover. */
    static final Duration POLL = Duration.ofMillis(5);
    /** Beyond these a request is refused at once: a held request keeps a connection. */
    static final int MAX_HELD = 1_000;

    private final BooleanSupplier over;
    private final Duration hold;
    private final Duration poll;
    private final Queue<Held> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger held = new AtomicInteger();
    /** Whether the one timer that looks for all the held requests is set. */
    private final AtomicBoolean watching = new AtomicBoolean();

    private record Held(RoutingContext ctx, Context context, long deadlineNanos, Runnable then) {
    }

    /** @param over whether the takeover is over, one way or the other; asked once a {@code poll} */
    TakeoverHold(BooleanSupplier over, Duration hold, Duration poll) {
        this.over = over;
        this.hold = hold;
        this.poll = poll;
    }

    /**
     * Pauses {@code ctx}'s request and calls {@code then} on the request's event loop once the takeover is over, or
     * once the hold has passed. Call it from the route's handler, before any body handler, so that none of the
     * body is lost: {@code then} passes the request on (a body handler resumes it) or resumes it and answers.
     *
     * @return whether the request is held ({@code then} will run); false when too many are
     */
    boolean hold(RoutingContext ctx, Runnable then) {
        if (held.incrementAndGet() > MAX_HELD) {
            held.decrementAndGet();
            return false;
        }
        ctx.request().pause();
        waiting.add(new Held(ctx, Vertx.currentContext(), System.nanoTime() + hold.toNanos(), then));
        watch(ctx.vertx());
        return true;
    }

    private void watch(Vertx vertx) {
        if (watching.compareAndSet(false, true)) {
            vertx.setPeriodic(poll.toMillis(), timer -> look(vertx, timer));
        }
    }

    /** One look for every held request: the question is the same for all of them. */
    private void look(Vertx vertx, long timer) {
        boolean done;
        try {
            done = over.getAsBoolean();
        } catch (RuntimeException e) {
            done = true; // the held requests go back through the filter, which answers them as it can
        }
        long now = System.nanoTime();
        for (Iterator<Held> i = waiting.iterator(); i.hasNext(); ) {
            Held h = i.next();
            if (done || now - h.deadlineNanos() >= 0) {
                i.remove();
                held.decrementAndGet();
                h.context().runOnContext(v -> {
                    if (!h.ctx().response().closed() && !h.ctx().response().ended()) {
                        h.then().run();
                    }
                });
            }
        }
        if (waiting.isEmpty()) {
            vertx.cancelTimer(timer);
            watching.set(false);
            if (!waiting.isEmpty()) {
                watch(vertx); // one came while the timer was being cancelled
            }
        }
    }

    /** Requests held now. */
    int held() {
        return held.get();
    }
}
