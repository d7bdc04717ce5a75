package dev.hpc.head.replication;

import dev.hpc.api.HpcException;

/**
 * The replicated maps hold a newer version of an entry than this head wrote: a head of a newer epoch leads, and
 * this one's commit must not count, nor be taken for a write whose backup was merely in doubt.
 */
final class StaleWriteException extends HpcException {
    StaleWriteException(String message) {
        super(message);
    }
}
