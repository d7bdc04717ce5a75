package dev.hpc.cli.bench.chaos;

/**
 * A worker crashed by the suite.
 *
 * @param node   the worker's name
 * @param wallNs when its task processes were stopped for good, in the clock of the marker lines (nanoseconds
 *               since the epoch): a run on that node that started before and never wrote its end line ended here
 */
public record NodeKill(String node, long wallNs) {
}
