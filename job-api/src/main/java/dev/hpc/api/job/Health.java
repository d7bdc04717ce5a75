package dev.hpc.api.job;

/**
 * Health figures a worker sends with each heartbeat. {@code checkPassed} and {@code checkMessage}
 * are the verdict of the node's health-check script, passed when none is configured.
 */
public record Health(double loadAverage, long freeMemory, long freeDisk, boolean checkPassed, String checkMessage) {
    public static final Health UNKNOWN = new Health(0, 0, 0, true, "");
}
