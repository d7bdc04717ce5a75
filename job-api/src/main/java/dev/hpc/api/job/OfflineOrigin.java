package dev.hpc.api.job;

/** Who took a node offline, which decides who may bring it back. */
public enum OfflineOrigin {
    /** Not offline. */
    NONE,
    /** An administrator ({@code pbsnodes -o}); only an administrator clears it ({@code pbsnodes -c}). */
    ADMIN,
    /** The node's health-check script failed; its next passing check, or an administrator, clears it. */
    HEALTH_CHECK
}
