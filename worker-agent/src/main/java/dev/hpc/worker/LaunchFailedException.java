package dev.hpc.worker;

import dev.hpc.api.HpcException;

/** A task attempt could not be started; it ends with {@link dev.hpc.api.job.EndReason#LAUNCH_FAILED}. */
public class LaunchFailedException extends HpcException {
    public LaunchFailedException(String message) {
        super(message);
    }

    public LaunchFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
