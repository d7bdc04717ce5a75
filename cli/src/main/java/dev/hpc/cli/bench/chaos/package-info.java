/**
 * {@code hpc bench chaos}: a fault suite. It starts a local cluster with a standby head, submits thousands of
 * short jobs through the REST client and through {@code qsub}, and meanwhile kills, freezes and restarts heads
 * and workers, and cuts and heals the network links between them ({@link dev.hpc.cli.bench.chaos.Forwarder}s of
 * a {@link dev.hpc.cli.bench.chaos.ChaosNetwork}), on a seeded random schedule. At the end it accounts for every acknowledged job from the lines the
 * job bodies themselves wrote (STYLE.md, "fault tests account for every acknowledged job from what the job
 * bodies wrote"), not from what the head says, and checks the head's final answer beside them.
 *
 * <p>The decisions are pure and tested alone: {@link dev.hpc.cli.bench.chaos.FaultSchedule} (which faults, in
 * which order, from a seed), {@link dev.hpc.cli.bench.chaos.ChaosAccount} (what the marker lines and the head's
 * answers say about each submission), {@link dev.hpc.cli.bench.chaos.AckOrder} (whether one head acknowledged
 * at a time) and {@link dev.hpc.cli.bench.chaos.ChaosReport} (the tables). The
 * machinery is apart: {@link dev.hpc.cli.bench.chaos.ChaosCluster} (the daemons), the
 * {@link dev.hpc.cli.bench.chaos.FaultInjector}, the {@link dev.hpc.cli.bench.chaos.Submitter} and
 * {@link dev.hpc.cli.bench.chaos.ChaosSuite}, which runs them and always stops what it started.
 *
 * <p>Invariants it checks (DESIGN.md): 1 (an acknowledged submission is never lost), 2 (at most one head
 * acknowledges at a time, from the head and epoch each answer names), 3 and 4 (a task is not run twice at once,
 * and completes once unless its node died or was cut off), and the idempotency of submissions through a
 * takeover (one job per submission).
 */
package dev.hpc.cli.bench.chaos;
