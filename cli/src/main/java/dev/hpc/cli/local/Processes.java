package dev.hpc.cli.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether a recorded process is still the one we started and alive. A pid may be reused by another
 * program after ours died, so the recorded start time must match; a zombie (dead, not yet reaped,
 * which happens when no init reaps orphans, as in some containers) counts as dead.
 */
final class Processes {
    private Processes() {
    }

    static boolean alive(long pid, Instant recordedStart) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive() || zombie(pid)) {
            return false;
        }
        Optional<Instant> start = h.get().info().startInstant();
        if (recordedStart.equals(Instant.EPOCH) || start.isEmpty()) {
            return true;
        }
        return Duration.between(start.get(), recordedStart).abs().compareTo(Duration.ofSeconds(2)) <= 0;
    }

    static Instant startOf(long pid) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).orElse(Instant.EPOCH);
    }

    /** Linux only: the state letter of /proc/PID/stat is Z. Elsewhere nothing is a zombie. */
    static boolean zombie(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try {
            String s = Files.readString(stat, StandardCharsets.UTF_8);
            int close = s.lastIndexOf(')');
            return close > 0 && close + 2 < s.length() && s.charAt(close + 2) == 'Z';
        } catch (IOException e) {
            return false;
        }
    }
}
