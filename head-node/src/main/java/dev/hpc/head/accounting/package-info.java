/**
 * Accounting: usage reports over a period ({@code hpc report}, {@code GET /api/v1/report}) computed from the
 * job records of the head's store. Pure folding of records given to it; reading the store is the caller's
 * business. Nothing here changes a job.
 */
package dev.hpc.head.accounting;
