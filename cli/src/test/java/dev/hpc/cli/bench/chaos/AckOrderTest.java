package dev.hpc.cli.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpc.cli.bench.chaos.Submission.Route;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AckOrderTest {
    private static int next = 1;

    private static Submission ackedBy(String head, long epoch, long sentMs, long answeredMs) {
        int i = next++;
        return Submission.acknowledged(i, "ch" + i, Route.REST, "key" + i, i + ".c", new Ack(head, epoch, sentMs,
                answeredMs));
    }

    @Test
    void aTakeoverAcknowledgesInTheNewEpochOnlyAfterTheOldOneStopped() {
        Submission a = ackedBy("head1", 3, 100, 110);
        Submission b = ackedBy("head1", 3, 200, 900); // sent before the takeover, answered late: no finding
        Submission c = ackedBy("head2", 4, 500, 510);
        Submission d = ackedBy("head2", 4, 600, 610);

        AckOrder.Result r = AckOrder.check(List.of(a, b, c, d));

        assertEquals(Set.of(), r.outOfTurn(), r.findings().toString());
        assertEquals(List.of("head1@3", "head2@4"), r.byEpoch());
        assertEquals(4, r.attributed());
    }

    @Test
    void aDeposedHeadThatAcknowledgesASubmissionSentAfterTheNewEpochActedIsFound() {
        Submission newer = ackedBy("head2", 4, 500, 510);
        Submission stale = ackedBy("head1", 3, 520, 530);

        AckOrder.Result r = AckOrder.check(List.of(newer, stale));

        assertEquals(Set.of(stale.name()), r.outOfTurn());
        assertTrue(r.findings().get(0).startsWith("ACKNOWLEDGED IN AN OLDER EPOCH: " + stale.name()),
                r.findings().toString());
    }

    @Test
    void twoHeadsInOneEpochAreFoundWhateverTheTimes() {
        Submission first = ackedBy("head1", 3, 100, 110);
        Submission second = ackedBy("head2", 3, 105, 115);

        AckOrder.Result r = AckOrder.check(List.of(first, second));

        assertEquals(Set.of(second.name()), r.outOfTurn());
        assertTrue(r.findings().get(0).startsWith("TWO HEADS IN EPOCH 3: " + second.name()), r.findings().toString());
        assertEquals(List.of("head1@3", "head2@3"), r.byEpoch());
    }

    @Test
    void anOlderEpochAfterANewerOneIsFoundAcrossAnEpochInBetween() {
        Submission e5 = ackedBy("head1", 5, 100, 110);
        Submission e6 = ackedBy("head2", 6, 300, 310);
        Submission stale = ackedBy("head2", 4, 200, 210); // sent after epoch 5 answered

        AckOrder.Result r = AckOrder.check(List.of(e5, e6, stale));

        assertEquals(Set.of(stale.name()), r.outOfTurn());
    }

    @Test
    void acknowledgementsThatNameNoHeadAreCountedButNotJudged() {
        Submission qsub = Submission.acknowledged(1, "q1", Route.QSUB, "", "1.c").timed(50, 60);
        Submission failed = Submission.failed(2, "q2", Route.REST, "k", "no head answered");
        Submission plain = ackedBy("head1", 3, 100, 110);

        AckOrder.Result r = AckOrder.check(List.of(qsub, failed, plain));

        assertEquals(1, r.attributed());
        assertEquals(1, r.unattributed());
        assertEquals(Set.of(), r.outOfTurn());
    }

    @Test
    void theTimelineTellsWhoAcknowledgedWithinAFault() {
        AckOrder.Result r = AckOrder.check(List.of(ackedBy("head1", 3, 100, 110), ackedBy("head1", 3, 150, 160),
                ackedBy("head2", 4, 400, 410), ackedBy("head2", 4, 900, 910)));

        assertEquals(List.of("head1@3", "head2@4"), r.between(150, 500));
        assertEquals(List.of("head2@4"), r.between(400, 1000));
        assertEquals(List.of(), r.between(200, 300));
    }
}
