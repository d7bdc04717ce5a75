/**
 * The shared language of the cluster: job specifications, job, task and node records with their
 * states, the wire messages between head and worker, their JSON codecs, the {@code #PBS} and
 * {@code #SBATCH} directive parser and {@link dev.hpc.api.HeadClient}, the REST client that fails
 * over between heads.
 *
 * <p>This package depends on nothing of ours and on no server framework, so that the command line
 * stays small and quick to start. Every record here is immutable; APIs never take or return null.
 */
package dev.hpc.api;
