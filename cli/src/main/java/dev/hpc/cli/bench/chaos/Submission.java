package dev.hpc.cli.bench.chaos;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * One submission of the suite and what came of it.
 *
 * @param index  1-based; probes are numbered apart
 * @param name   the job name ({@code -N}), also the name of its marker file: unique in a run
 * @param route  how it was sent
 * @param key    the idempotency key it carried; for {@code qsub}, which makes its own, empty until the head's
 *               answer names it
 * @param jobId  the id the head acknowledged, empty when the submission gave up
 * @param error  why it gave up; empty when acknowledged
 * @param ack    who acknowledged it and when; empty when it gave up (and in tests that need no times)
 */
public record Submission(int index, String name, Route route, String key, Optional<String> jobId, String error,
                         Optional<Ack> ack) {
    /** How a submission reached the head. */
    public enum Route {
        /** {@code HeadClient.submit} with a key of the suite's own, resent through takeovers. */
        REST,
        /** {@code bin/qsub} as a user runs it (through the user's command server), which makes its own key. */
        QSUB,
        /** A submission that measures a takeover: the same key resent every few milliseconds until accepted. */
        PROBE
    }

    public boolean acknowledged() {
        return jobId.isPresent();
    }

    public OptionalLong jobNumber() {
        return jobId.map(MarkerJob::jobNumber).orElse(OptionalLong.empty());
    }

    public static Submission acknowledged(int index, String name, Route route, String key, String jobId) {
        return new Submission(index, name, route, key, Optional.of(jobId), "", Optional.empty());
    }

    public static Submission acknowledged(int index, String name, Route route, String key, String jobId, Ack ack) {
        return new Submission(index, name, route, key, Optional.of(jobId), "", Optional.of(ack));
    }

    public static Submission failed(int index, String name, Route route, String key, String error) {
        return new Submission(index, name, route, key, Optional.empty(), error.isEmpty() ? "unknown error" : error,
                Optional.empty());
    }

    /** This acknowledged submission, with when it was sent and answered (the route named no head). */
    public Submission timed(long sentMs, long answeredMs) {
        return jobId.isEmpty() ? this : new Submission(index, name, route, key, jobId, error,
                Optional.of(new Ack("", 0, sentMs, answeredMs)));
    }
}
