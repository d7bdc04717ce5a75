package dev.hpc.cli.bench.chaos;

/**
 * A daemon that ended though the suite did not kill it (a head's fail-stop ends with status 70), found while
 * waiting for the cluster to be whole; it was started again.
 *
 * @param daemon     its name
 * @param exitStatus its status, or -1 when unknown
 * @param atMs       when it was found dead, in milliseconds since the cluster was up
 * @param afterFault the number of the last fault injected before it was found (it may have ended while the
 *                   cluster recovered from that fault, or in the gap after it), 0 for none
 * @param logTail    the last lines of its log
 */
public record UnplannedExit(String daemon, int exitStatus, long atMs, int afterFault, String logTail) {
}
