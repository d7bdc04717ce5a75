/**
 * The head daemon: configuration, start-up and {@code HeadService}, the one door of the edges (REST API,
 * worker gateway, leadership) to the head's parts: the state thread and its commit pipeline, the scheduling
 * loop, the failure detector, result and submission intake, the alert relay, each a class of its own.
 *
 * <p>Every change is committed (store and replicas) before its effects go out and its caller is answered
 * ({@code CommitPipeline}); a commit that fails stops the head. No loop dies of a failed step ({@code LoopRunner}).
 *
 * <p>Keeps DESIGN.md invariants 1 (a submission is durable before it is acknowledged), 3 (a
 * restarted head reconciles with the workers instead of restarting their tasks) and 4 (only the
 * current attempt of a task may finish it).
 */
package dev.hpc.head;
