/**
 * {@code hpc bench}: measurements taken on a real cluster of this machine, never asserted by tests.
 *
 * <p>{@code hpc bench failover} starts a local cluster with a standby head
 * ({@link dev.hpc.cli.local.LocalCluster}), kills the active head with SIGKILL again and again, and
 * measures how long clients wait until a submission is accepted and until the new active head has
 * started a task; it checks on the way that a task running through the takeover is not restarted
 * (DESIGN.md invariant 3). The cluster is always stopped at the end. The figures are kept apart from
 * the machinery: {@link dev.hpc.cli.bench.FailoverReport} is a pure function of the measured runs.
 *
 * <p>{@code hpc bench recovery} ({@link dev.hpc.cli.bench.RecoveryBench}) kills a worker with SIGKILL
 * while it runs tasks and measures how long the head takes to mark the node down and to have its
 * tasks running on other workers (docs/nodes.md, docs/performance.md).
 *
 * <p>{@code hpc bench chaos} ({@link dev.hpc.cli.bench.ChaosBench}) is the fault suite of package
 * {@code chaos}: it kills and freezes heads and crashes workers on a seeded schedule while jobs are
 * submitted, and accounts for every acknowledged job from what the job bodies wrote (docs/failover.md).
 */
package dev.hpc.cli.bench;
