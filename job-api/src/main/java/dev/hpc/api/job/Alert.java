package dev.hpc.api.job;

import java.time.Instant;

/**
 * Something an administrator should hear about: a node went down, was taken offline or came back, a
 * task was requeued or failed because its node failed. The head records each in its event log,
 * sends it on the event stream and posts it to the configured webhook. {@code subject} names the
 * node ({@code node3}) or the task ({@code 42.c}, {@code 43[2].c}); {@code message} says what
 * happened in a sentence; {@code id} is the event log's number (0 before the log recorded it).
 */
public record Alert(long id, Kind kind, String subject, String message, Instant time) {

    public enum Kind {
        /** A node was marked down: silent past its timeout, or its worker lost its tasks. */
        NODE_DOWN,
        /** A node was taken offline by an administrator or by a failed health check. */
        NODE_OFFLINE,
        /** A node that was down or offline takes work again. */
        NODE_BACK,
        /** A running task went back to the queue with a new attempt after its node failed. */
        TASK_REQUEUED,
        /** A task failed because its node failed: not rerunnable, or requeued too many times. */
        TASK_FAILED_NODE_FAILURE,
        /** A standby head took over from the active head, with a new epoch. */
        HEAD_TAKEOVER
    }

    public static Alert of(Kind kind, String subject, String message, Instant time) {
        return new Alert(0, kind, subject, message, time);
    }

    public Alert withId(long newId) {
        return new Alert(newId, kind, subject, message, time);
    }
}
