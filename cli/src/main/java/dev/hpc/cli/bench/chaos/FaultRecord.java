package dev.hpc.cli.bench.chaos;

import java.time.Instant;

/**
 * What one injected fault did.
 *
 * @param fault       the planned fault
 * @param target      the daemon it hit
 * @param atMs        when, in milliseconds since the cluster was up
 * @param at          when, by the wall clock (to find it in the daemons' logs)
 * @param acceptedMs  for a fault of the active head: from the SIGKILL or SIGSTOP to the first submission a head
 *                    accepted (a probe resent every 10 ms with one key); -1 for other faults or when none was
 *                    accepted in time
 * @param recoveredMs from the fault to the cluster being whole again (every daemon running, one head ACTIVE and
 *                    the other STANDBY, every worker up); it includes the deliberate dead or frozen time
 */
public record FaultRecord(Fault fault, String target, long atMs, Instant at, long acceptedMs,
                          long recoveredMs) {
}
