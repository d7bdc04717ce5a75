package dev.hpc.cli;

/**
 * The exit codes of every command, so scripts can tell a typo from an outage.
 *
 * <table>
 * <caption>exit codes</caption>
 * <tr><td>0</td><td>success</td></tr>
 * <tr><td>1</td><td>the request was refused (bad input, a 4xx answer, an unknown node, a file that cannot
 * be read)</td></tr>
 * <tr><td>2</td><td>usage: a wrong option, or no head address configured</td></tr>
 * <tr><td>3</td><td>no head answered within the wait (cluster down or taking too long to fail over)</td></tr>
 * <tr><td>153</td><td>an unknown job id: PBS's PBSE_UNKJOBID (15001) modulo 256, as qstat and qdel exit</td></tr>
 * </table>
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int ERROR = 1;
    public static final int USAGE = 2;
    public static final int UNAVAILABLE = 3;
    public static final int UNKNOWN_JOB = 153;

    private ExitCodes() {
    }
}
