package dev.hpc.api.client;

import dev.hpc.api.HpcException;

/**
 * An error answer from a head: the HTTP status, the {@code code} of the error body
 * ({@code BAD_REQUEST}, {@code UNKNOWN_JOB}, {@code UNKNOWN_NODE}, {@code NOT_ALLOWED}, {@code FORBIDDEN},
 * {@code TOO_LARGE}, {@code UNAVAILABLE}, {@code INTERNAL}; {@code HTTP_<status>} when the body was not
 * one of ours) and its message, which says what to fix.
 */
public class HpcApiException extends HpcException {
    public static final String UNKNOWN_JOB = "UNKNOWN_JOB";
    public static final String UNKNOWN_NODE = "UNKNOWN_NODE";
    public static final String UNAVAILABLE = "UNAVAILABLE";

    private final int status;
    private final String code;

    public HpcApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public boolean isUnknownJob() {
        return UNKNOWN_JOB.equals(code);
    }

    public boolean isUnknownNode() {
        return UNKNOWN_NODE.equals(code);
    }
}
