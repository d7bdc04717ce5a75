package dev.hpc.api.job;

import dev.hpc.api.pbs.Sizes;
import dev.hpc.api.pbs.Walltimes;
import java.util.Map;
import java.util.Optional;

/**
 * The per-process limits a worker sets (setrlimit(2)) on every process of a job, from Torque's and
 * OpenPBS's {@code -l vmem}/{@code pvmem} (address space, {@code RLIMIT_AS}), {@code cput}/{@code pcput}
 * (CPU seconds, {@code RLIMIT_CPU}) and {@code file} (largest file, {@code RLIMIT_FSIZE}); 0 is no limit.
 *
 * <p>Each is a limit of one process, as PBS's node daemon sets it. {@code vmem} and {@code cput} name a
 * whole job's amount: no one process may exceed it, so it bounds each process too; when both forms are
 * given the smaller wins. The sum over a job's processes is not enforced (docs/commands.md says so).
 * A value of 0 sets no limit, as a limit of nothing would stop the job's shell before its first line.
 */
public record ProcessLimits(long addressSpace, long cpuSeconds, long fileSize) {
    public static final ProcessLimits NONE = new ProcessLimits(0, 0, 0);

    public ProcessLimits {
        if (addressSpace < 0 || cpuSeconds < 0 || fileSize < 0) {
            throw new IllegalArgumentException("process limits are 0 (none) or more, got " + addressSpace + ", "
                    + cpuSeconds + ", " + fileSize);
        }
    }

    public boolean any() {
        return addressSpace > 0 || cpuSeconds > 0 || fileSize > 0;
    }

    /** The limits of the directives a submission recorded ({@link JobSpec#recorded()}, as qstat -f shows them). */
    public static ProcessLimits of(Map<String, String> recorded) {
        long as = smallest(size(recorded, "vmem"), size(recorded, "pvmem"));
        long cpu = smallest(seconds(recorded, "cput"), seconds(recorded, "pcput"));
        return new ProcessLimits(as, cpu, size(recorded, "file"));
    }

    private static long size(Map<String, String> recorded, String name) {
        return Optional.ofNullable(recorded.get("Resource_List." + name)).map(Sizes::parsePbs).orElse(0L);
    }

    private static long seconds(Map<String, String> recorded, String name) {
        return Optional.ofNullable(recorded.get("Resource_List." + name))
                .map(v -> Walltimes.parsePbs(v).toSeconds()).orElse(0L);
    }

    /** The smaller of two limits where 0 means none. */
    private static long smallest(long a, long b) {
        if (a == 0) {
            return b;
        }
        return b == 0 ? a : Math.min(a, b);
    }
}
