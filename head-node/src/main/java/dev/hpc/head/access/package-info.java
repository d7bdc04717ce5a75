/**
 * Who may call the REST API and what each caller may do (docs/security.md). A caller is known by a
 * bearer token; the head keeps only each token's SHA-256 hash, with its user and its role
 * ({@code user}, {@code operator}, {@code admin}). Invariants: a token's text is never stored, logged
 * or listed; a refused request changes nothing; every head of a cluster accepts the same tokens
 * (the records travel with the replicated state).
 */
package dev.hpc.head.access;
