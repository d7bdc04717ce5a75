package dev.hpc.api;

/**
 * The root of every exception we throw on purpose. The message is written for the person who has
 * to fix the input: it says what is wrong and what would be right.
 */
public class HpcException extends RuntimeException {
    public HpcException(String message) {
        super(message);
    }

    public HpcException(String message, Throwable cause) {
        super(message, cause);
    }
}
