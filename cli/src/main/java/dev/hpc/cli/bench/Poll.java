package dev.hpc.cli.bench;

import dev.hpc.api.HpcException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waiting for a condition with a timeout, never for a fixed time: a probe is asked every few milliseconds until
 * it gives a value. A probe that fails with an {@link HpcException} counts as "not yet", unless
 * {@link #failingOn} makes that failure end the wait; the last such error is told with the timeout.
 */
public final class Poll {
    private final Duration timeout;
    private final Duration step;
    private final boolean inSeconds;
    private final Predicate<HpcException> fatal;

    private Poll(Duration timeout, Duration step, boolean inSeconds, Predicate<HpcException> fatal) {
        this.timeout = timeout;
        this.step = step;
        this.inSeconds = inSeconds;
        this.fatal = fatal;
    }

    /** Polls for up to {@code timeout}, every 50 ms; the timeout is told in milliseconds. */
    public static Poll within(Duration timeout) {
        return new Poll(timeout, Duration.ofMillis(50), false, e -> false);
    }

    /** Asks the probe every {@code step} instead. */
    public Poll every(Duration step) {
        return new Poll(timeout, step, inSeconds, fatal);
    }

    /** Tells the timeout in whole seconds. */
    public Poll inSeconds() {
        return new Poll(timeout, step, true, fatal);
    }

    /** Failures of the probe that end the wait at once, thrown on, rather than count as "not yet". */
    public Poll failingOn(Predicate<HpcException> fatal) {
        return new Poll(timeout, step, inSeconds, fatal);
    }

    public void until(String what, BooleanSupplier done) {
        value(what, () -> done.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /** The probe's first value; an {@link HpcException} naming {@code what} when none came in time. */
    public <T> T value(String what, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (true) {
            try {
                Optional<T> v = probe.get();
                if (v.isPresent()) {
                    return v.get();
                }
            } catch (HpcException e) {
                if (fatal.test(e)) {
                    throw e;
                }
                last = e.getMessage();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new HpcException("timed out after " + (inSeconds ? timeout.toSeconds() + " s"
                        : timeout.toMillis() + " ms") + " waiting until " + what
                        + (last.isEmpty() ? "" : " (last error: " + last + ")"));
            }
            BenchSupport.pause(step);
        }
    }
}
