package dev.hpc.worker;

import dev.hpc.api.HpcException;

/** The worker's configuration cannot be used; the message lists every problem and how to fix it. */
public class WorkerConfigException extends HpcException {
    public WorkerConfigException(String message) {
        super(message);
    }
}
