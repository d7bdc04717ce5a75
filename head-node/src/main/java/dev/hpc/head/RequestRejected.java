package dev.hpc.head;

import dev.hpc.api.HpcException;
import dev.hpc.head.state.Rejection;

/**
 * A request the head refuses for a reason the caller can act on; carries the HTTP status and the
 * error code of the REST API. Nothing has changed when one is thrown.
 */
public final class RequestRejected extends HpcException {
    private final int status;
    private final String code;

    public RequestRejected(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    /** The REST API's answer to a command the state refused: its kind as the HTTP status and the error code. */
    public static RequestRejected from(Rejection r) {
        int status = switch (r.kind()) {
            case BAD_REQUEST -> 400;
            case NOT_ALLOWED -> 409;
            case FORBIDDEN -> 403;
            case UNKNOWN_JOB, UNKNOWN_NODE, UNKNOWN_RESERVATION -> 404;
        };
        return new RequestRejected(status, r.kind().name(), r.getMessage());
    }

    public static RequestRejected unknownJob(String id) {
        return new RequestRejected(404, "UNKNOWN_JOB", "Unknown Job Id " + id);
    }

    public static RequestRejected notAllowed(String message) {
        return new RequestRejected(409, "NOT_ALLOWED", message);
    }

    public static RequestRejected badRequest(String message) {
        return new RequestRejected(400, "BAD_REQUEST", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
