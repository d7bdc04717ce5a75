package dev.hpc.cli.bench.chaos;

import dev.hpc.api.HpcException;
import dev.hpc.cli.bench.BenchSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A machine that loses power: its agent and every process of its tasks stop at once, and none of them runs
 * again. The agent is frozen first, so it launches nothing more; then its descendants are frozen round after
 * round until no new one appears (a frozen process cannot fork), and only then is everything killed. So no task
 * of the crashed node outlives it, which the accounting relies on: a run on a crashed node ended when it was
 * frozen. Linux only ({@code /proc}, {@code kill}).
 */
final class NodeCrash {
    private static final Duration GONE_WAIT = Duration.ofSeconds(10);

    private NodeCrash() {
    }

    /**
     * Kills the frozen process {@code agent} and its whole tree; returns when the tree was frozen, in
     * nanoseconds since the epoch (the clock of the marker lines).
     */
    static long killTree(long agent) {
        Set<Long> frozen = new LinkedHashSet<>();
        for (int round = 0; round < 100; round++) {
            List<Long> fresh = ProcessHandle.of(agent).map(h -> h.descendants().map(ProcessHandle::pid)
                    .filter(p -> !frozen.contains(p)).toList()).orElse(List.of());
            if (fresh.isEmpty()) {
                break;
            }
            signal("-STOP", fresh);
            frozen.addAll(fresh);
        }
        long at = wallNanos();
        List<Long> all = new ArrayList<>();
        all.add(agent);
        all.addAll(frozen);
        signal("-KILL", all);
        long deadline = System.nanoTime() + GONE_WAIT.toNanos();
        while (all.stream().anyMatch(NodeCrash::running) && System.nanoTime() - deadline < 0) {
            BenchSupport.pause(Duration.ofMillis(20));
        }
        return at;
    }

    static long wallNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static void signal(String signal, List<Long> pids) {
        List<String> cmd = new ArrayList<>(List.of("kill", signal));
        pids.forEach(p -> cmd.add(Long.toString(p)));
        try {
            // a process that ended meanwhile makes kill fail for that pid only: the others still get the signal
            new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        } catch (IOException e) {
            throw new HpcException("cannot run kill " + signal + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HpcException("interrupted while sending " + signal);
        }
    }

    /** Alive and not a zombie (a zombie may wait long for a reaper in a container). */
    private static boolean running(long pid) {
        if (ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            int close = stat.lastIndexOf(')');
            return !(close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z');
        } catch (IOException e) {
            return false;
        }
    }
}
