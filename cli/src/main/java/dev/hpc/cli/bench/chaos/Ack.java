package dev.hpc.cli.bench.chaos;

/**
 * Who acknowledged a submission, and when: what the fault suite checks "one head acknowledges at a time"
 * against.
 *
 * @param head       the head that answered, as it names itself ({@code head1}); empty when the route does not
 *                   say ({@code qsub} prints the job id alone)
 * @param epoch      the epoch that head led in when it answered; 0 when unknown
 * @param sentMs     when the submission was first sent, in milliseconds since the cluster was up (the clock of
 *                   {@link FaultRecord#atMs()})
 * @param answeredMs when the acknowledgement came back, in the same clock; a resend through a takeover lies
 *                   between the two
 */
public record Ack(String head, long epoch, long sentMs, long answeredMs) {
    /** Whether the acknowledgement names its head and epoch. */
    public boolean attributed() {
        return !head.isEmpty() && epoch > 0;
    }

    /** {@code head1@3}, or {@code ?} when it is not attributed. */
    public String who() {
        return attributed() ? head + "@" + epoch : head.isEmpty() ? "?" : head + "@?";
    }
}
