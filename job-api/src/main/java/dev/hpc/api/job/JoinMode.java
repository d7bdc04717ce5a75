package dev.hpc.api.job;

/** {@code qsub -j}: whether stderr goes into the stdout file ({@code oe}), the reverse, or neither. */
public enum JoinMode {
    NONE,
    STDOUT_STDERR,
    STDERR_STDOUT
}
