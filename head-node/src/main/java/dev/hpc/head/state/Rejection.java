package dev.hpc.head.state;

import dev.hpc.api.HpcException;

/**
 * A command the state refuses for a reason the caller can act on; nothing has changed when one is thrown. Its
 * kind says what went wrong in the state's own terms; the edges map it to their protocol (the REST API to an HTTP
 * status and error code, {@code Rejection#from}).
 */
public final class Rejection extends HpcException {
    /** What was wrong with the command. */
    public enum Kind {
        /** The command itself is malformed or names impossible values. */
        BAD_REQUEST,
        /** Well formed, but not allowed in the state things are in. */
        NOT_ALLOWED,
        /** The caller may not do this. */
        FORBIDDEN,
        UNKNOWN_JOB,
        UNKNOWN_NODE,
        UNKNOWN_RESERVATION
    }

    private final Kind kind;

    private Rejection(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public static Rejection badRequest(String message) {
        return new Rejection(Kind.BAD_REQUEST, message);
    }

    public static Rejection notAllowed(String message) {
        return new Rejection(Kind.NOT_ALLOWED, message);
    }

    public static Rejection forbidden(String message) {
        return new Rejection(Kind.FORBIDDEN, message);
    }

    public static Rejection unknownJob(String id) {
        return new Rejection(Kind.UNKNOWN_JOB, "Unknown Job Id " + id);
    }

    public static Rejection unknownNode(String message) {
        return new Rejection(Kind.UNKNOWN_NODE, message);
    }

    public static Rejection unknownReservation(String message) {
        return new Rejection(Kind.UNKNOWN_RESERVATION, message);
    }

    public Kind kind() {
        return kind;
    }
}
