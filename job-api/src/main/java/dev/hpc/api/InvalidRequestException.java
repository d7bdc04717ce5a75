package dev.hpc.api;

/** Input that can never be accepted as it is: a malformed script, an impossible request. */
public class InvalidRequestException extends HpcException {
    public InvalidRequestException(String message) {
        super(message);
    }
}
