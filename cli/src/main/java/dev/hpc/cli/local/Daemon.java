package dev.hpc.cli.local;

import dev.hpc.api.HpcException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * One daemon of a local cluster as recorded in {@code local.json}: its name ({@code head1},
 * {@code node2}), role, the address it serves ({@code 127.0.0.1:8640} for a head, empty for a worker),
 * its process id, log file, the exact command that started it (used again by
 * {@link LocalCluster#startDaemon}) and the start time of that process, which tells a recycled pid
 * from ours ({@link Instant#EPOCH} when unknown).
 */
public record Daemon(String name, Role role, String address, long pid, Path log, List<String> command,
                     Instant started) {
    public enum Role {
        HEAD,
        WORKER,
        /** The third voter of the leadership lease beside two heads (docs/failover.md). */
        ARBITER;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The role of a label written by {@link #label()}. */
        static Role of(String label) {
            for (Role r : values()) {
                if (r.label().equals(label)) {
                    return r;
                }
            }
            throw new HpcException("daemon role must be head, worker or arbiter, got '" + label + "'");
        }
    }

    public Daemon {
        command = List.copyOf(command);
    }

    public Daemon withProcess(long newPid, Instant newStarted) {
        return new Daemon(name, role, address, newPid, log, command, newStarted);
    }
}
