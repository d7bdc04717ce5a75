/**
 * {@code GET /metrics}: the head's figures in the Prometheus text format, written by Micrometer's Prometheus
 * registry (docs/monitoring.md). Names follow Slurm's own metrics ({@code slurm_jobs_pending} is
 * {@code hpc_jobs_pending} here), so that a Slurm dashboard needs its prefix changed, not its queries rethought.
 *
 * <p>Invariants: a scrape costs the state thread a copy of counts the state keeps as jobs change (a few rows per
 * queue and per user with work, one pass over the nodes), never a pass over the jobs or their tasks; the cluster's
 * figures come only from the head that leads (a standby shows its own process, store and role, and
 * {@code hpc_head_active 0}); user names appear only where the access settings allow (docs/monitoring.md).
 *
 * <p>{@link dev.hpc.head.metrics.ClusterHistory} keeps the last minutes of the same counts, sampled on a timer by
 * the head that leads, for the web view's charts ({@code GET /api/v1/cluster/history}); a head that does not lead
 * keeps none, so a history never mixes two heads' figures.
 */
package dev.hpc.head.metrics;
