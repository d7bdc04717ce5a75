/**
 * Starting multi-node and MPI jobs inside an allocation, without ssh (docs/mpi.md): the host files
 * MPI reads ({@link dev.hpc.mpi.HostFiles}), {@code hpc-rsh}, the agent that Open MPI's and MPICH's
 * launchers call instead of ssh ({@link dev.hpc.mpi.RshMain}), and {@code hpc dsh}, the pbsdsh-style
 * spawner ({@link dev.hpc.mpi.Dsh}). Both start commands through the head's spawn API
 * ({@link dev.hpc.mpi.SpawnClient}), which asks the worker of the target node to run them as part of
 * the job's attempt, so that they die with it.
 *
 * <p>These tools start once per node of every MPI launch: their class path is this module and
 * job-api, and they load as few classes as they can (no JSON library on the common path, no
 * lambdas or string concatenation through invokedynamic).
 */
package dev.hpc.mpi;
