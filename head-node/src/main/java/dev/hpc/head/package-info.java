/**
 * The head daemon: configuration, start-up and the service that ties the cluster state to its
 * edges (REST API, worker gateway, durable store, scheduling loop).
 *
 * <p>Keeps DESIGN.md invariants 1 (a submission is durable before it is acknowledged), 3 (a
 * restarted head reconciles with the workers instead of restarting their tasks) and 4 (only the
 * current attempt of a task may finish it).
 */
package dev.hpc.head;
