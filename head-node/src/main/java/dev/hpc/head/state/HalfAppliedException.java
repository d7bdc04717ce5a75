package dev.hpc.head.state;

/**
 * A command failed after it had changed jobs: the state holds changes that will never be committed. Not a
 * refusal but a bug; the head that meets it stops being active (fail-stop) rather than go on from a state
 * that its store and its standby do not have.
 */
public final class HalfAppliedException extends IllegalStateException {
    HalfAppliedException(String message, Throwable cause) {
        super(message, cause);
    }
}
