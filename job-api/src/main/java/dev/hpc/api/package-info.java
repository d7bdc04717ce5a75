/**
 * The shared language of the cluster, in five packages: {@link dev.hpc.api.job} (the records),
 * {@link dev.hpc.api.pbs} (reading submissions), {@link dev.hpc.api.wire} (head and worker),
 * {@link dev.hpc.api.json} (JSON) and {@link dev.hpc.api.client} (the REST client). Here: the exceptions every
 * part throws on purpose, and durations as the daemons' command lines write them.
 *
 * <p>job-api depends on nothing of ours and on no server framework, so that the command line stays small and
 * quick to start. Every record is immutable; APIs never take or return null.
 */
package dev.hpc.api;
