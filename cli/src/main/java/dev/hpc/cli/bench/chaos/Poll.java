package dev.hpc.cli.bench.chaos;

import dev.hpc.api.HpcException;
import dev.hpc.cli.bench.BenchSupport;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting for a condition with a timeout, never for a fixed time; a probe that throws counts as "not yet". */
final class Poll {
    private static final Duration STEP = Duration.ofMillis(50);

    private Poll() {
    }

    static void until(String what, Duration timeout, BooleanSupplier done) {
        value(what, timeout, () -> done.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    static <T> T value(String what, Duration timeout, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (true) {
            try {
                Optional<T> v = probe.get();
                if (v.isPresent()) {
                    return v.get();
                }
            } catch (HpcException e) {
                last = e.getMessage();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new HpcException("timed out after " + timeout.toMillis() + " ms waiting until " + what
                        + (last.isEmpty() ? "" : " (last error: " + last + ")"));
            }
            BenchSupport.pause(STEP);
        }
    }
}
