package dev.hpc.api.job;

import java.util.Locale;

/** The dependency kinds of {@code -W depend=} and {@code sbatch -d}. */
public enum DependencyType {
    /** Start once the other job has started. */
    AFTER,
    /** Start once the other job completed with exit status 0. */
    AFTEROK,
    /** Start once the other job ended with a non-zero status, or failed. */
    AFTERNOTOK,
    /** Start once the other job ended, however. */
    AFTERANY;

    public String pbsName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
