package dev.hpc.cli;

import dev.hpc.api.HpcException;

/** The command line or the environment is not usable as given; the command exits with {@link ExitCodes#USAGE}. */
public class UsageException extends HpcException {
    public UsageException(String message) {
        super(message);
    }
}
