package dev.hpc.examples;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.opentest4j.AssertionFailedError;

/**
 * Waiting for something a real cluster does, never for a fixed time: a probe is asked again and
 * again (every 20 ms at first, then up to every 250 ms) until it answers or the timeout passes. An
 * exception from the probe (a head that is restarting) counts as "not yet". On timeout the test
 * fails with what did not happen and the last thing seen.
 */
final class Poll {
    /** The default patience of a wait on a cluster of two small workers. */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static final Duration FIRST = Duration.ofMillis(20);
    private static final Duration LONGEST = Duration.ofMillis(250);

    private Poll() {
    }

    /** Waits until {@code done} is true; {@code what} says what should happen ("job 3 finishes"). */
    static void until(String what, Duration timeout, BooleanSupplier done) {
        until(what, timeout, done, () -> "");
    }

    /** As {@link #until(String, Duration, BooleanSupplier)}; {@code state} describes what is seen instead. */
    static void until(String what, Duration timeout, BooleanSupplier done, Supplier<String> state) {
        value(what, timeout, () -> done.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty(), state);
    }

    /** Waits until {@code probe} gives a value and returns it. */
    static <T> T value(String what, Duration timeout, Supplier<Optional<T>> probe) {
        return value(what, timeout, probe, () -> "");
    }

    static <T> T value(String what, Duration timeout, Supplier<Optional<T>> probe, Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration pause = FIRST;
        RuntimeException lastError = null;
        while (true) {
            try {
                Optional<T> v = probe.get();
                if (v.isPresent()) {
                    return v.get();
                }
                lastError = null;
            } catch (RuntimeException e) {
                lastError = e;
            }
            if (System.nanoTime() - deadline > 0) {
                String seen;
                try {
                    seen = state.get();
                } catch (RuntimeException e) {
                    seen = "(cannot tell: " + e + ")";
                }
                throw new AssertionFailedError("timed out after " + timeout.toSeconds() + " s waiting until " + what
                        + (seen.isEmpty() ? "" : "; last seen: " + seen)
                        + (lastError == null ? "" : "; last error: " + lastError), lastError);
            }
            pause(pause);
            pause = pause.multipliedBy(2).compareTo(LONGEST) > 0 ? LONGEST : pause.multipliedBy(2);
        }
    }

    /** One step of a polling loop. Not for tests to wait with. */
    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting", e);
        }
    }
}
