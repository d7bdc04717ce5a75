package dev.hpc.api;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Durations as people write them on the daemons' and the benchmarks' command lines: {@code 500ms},
 * {@code 5s}, {@code 2m}, {@code 1h}, or a plain number of seconds. Each caller says in its own
 * words which setting was wrong.
 */
public final class Durations {
    private Durations() {
    }

    /** The duration {@code text} names; empty when it names none. */
    public static Optional<Duration> parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Optional.of(Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2))));
            }
            long n = Long.parseLong(t.replaceAll("[smh]$", ""));
            return Optional.of(switch (t.charAt(t.length() - 1)) {
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            });
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }
}
