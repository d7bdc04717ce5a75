/**
 * Commands spawned into a running attempt's allocation: the head's half of MPI's remote launch
 * ({@code hpc-rsh}) and of {@code hpc dsh} (docs/mpi.md). {@link dev.hpc.head.spawn.SpawnRelay} checks
 * that the caller holds the attempt's token ({@link dev.hpc.head.spawn.SpawnKeys}), that the attempt is
 * current and running, and that the node is one of its allocation; then it asks that node's worker to
 * start the command and streams its output and exit status back to the caller. Nothing here changes
 * the cluster state: a spawned command lives and dies with its attempt on the worker, which the
 * state's kills (cancel, requeue, walltime, end of the script) reach on every node of the allocation.
 *
 * <p>{@link dev.hpc.head.spawn.SessionRoute} is the head's half of interactive jobs ({@code qsub -I}): it
 * checks the caller's token (the job's owner only) and the job, then has the relay follow the shell the first
 * node's worker starts, and passes the client's input and terminal size on. A session lives as long as its
 * WebSocket and its token; it is not carried through a takeover.
 */
package dev.hpc.head.spawn;
