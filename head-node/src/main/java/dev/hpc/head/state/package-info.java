/**
 * The cluster state: the job table, the node table and the allocations, with one writer. Every
 * change goes through {@link dev.hpc.head.state.ClusterState#apply} as a {@link
 * dev.hpc.head.state.Command}, is checked against the transition table in {@link
 * dev.hpc.head.state.Transitions}, and comes out as an {@link dev.hpc.head.state.Outcome}: the
 * changed jobs for the store (and later replication) and the effects for the workers.
 *
 * <p>A job holds what differs between its tasks: an array's tasks that never started are one entry
 * ({@code JobEntry.Unstarted}, index runs and one shared form) until a task starts or is acted on alone;
 * they move together through the same transition table (issue 15, docs/architecture.md).
 *
 * <p>{@link dev.hpc.head.state.ClusterState} keeps the dispatch and the job commands; each other part of the
 * state (the job and node tables, admission, queues, reservations, preemption, fair-share, the scheduler's
 * snapshot) is a package-private class it delegates to, so that only the state's one writer reaches them. The
 * package uses no machinery (Vert.x, Hazelcast, {@code java.sql}, HTTP clients): {@code StatePackageRulesTest}.
 *
 * <p>Not thread-safe by design: only the head's state thread calls it, but for one lookup: the records that reads
 * of single jobs kept ({@link dev.hpc.head.state.ClusterState#keptJob}, {@code JobRecordCache}), which the state
 * forgets in the same step that changes their job. A lost race (a stale attempt, a placement that no longer fits)
 * is a normal result; an impossible transition throws.
 */
package dev.hpc.head.state;
