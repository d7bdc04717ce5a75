/**
 * The records of the cluster: jobs, tasks and their attempts, nodes, queues and tokens, with their states,
 * and the values they are made of (array indices, node constraints, process limits, container images).
 * Every record is immutable and never holds null.
 */
package dev.hpc.api.job;
