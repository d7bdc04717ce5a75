/**
 * Who may call the REST API, what each caller may do ({@link dev.hpc.head.access.JobAccess}) and what
 * of a job each may see ({@link dev.hpc.head.access.JobVisibility}) (docs/security.md). A caller is
 * known by a bearer token; the head keeps only each token's SHA-256 hash, with its user and its role
 * ({@code user}, {@code operator}, {@code admin}). Invariants: a token's text is never stored, logged
 * or listed; a refused request changes nothing; every head of a cluster accepts the same tokens
 * (the records travel with the replicated state); no answer held open with a token outlives its
 * revocation, on any head; a user reads the script, environment and paths of
 * their own jobs only, on every path that shows a job.
 */
package dev.hpc.head.access;
