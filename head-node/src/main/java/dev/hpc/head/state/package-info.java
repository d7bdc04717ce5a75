/**
 * The cluster state: the job table, the node table and the allocations, with one writer. Every
 * change goes through {@link dev.hpc.head.state.ClusterState#apply} as a {@link
 * dev.hpc.head.state.Command}, is checked against the transition table in {@link
 * dev.hpc.head.state.Transitions}, and comes out as an {@link dev.hpc.head.state.Outcome}: the
 * changed jobs for the store (and later replication) and the effects for the workers.
 *
 * <p>Not thread-safe by design: only the head's state thread calls it. A lost race (a stale
 * attempt, a placement that no longer fits) is a normal result; an impossible transition throws.
 */
package dev.hpc.head.state;
