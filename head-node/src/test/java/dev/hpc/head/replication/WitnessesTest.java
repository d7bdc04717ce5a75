package dev.hpc.head.replication;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WitnessesTest {
    private static final Instant LOSS = Instant.parse("2026-11-24T10:00:00Z");
    private final Witnesses witnesses = new Witnesses(Duration.ofSeconds(3));

    @Test
    void workersThatStillObeyAHeadStopATakeoverWhateverItsName() {
        witnesses.heard("node1", "head1", LOSS.plusMillis(500));
        witnesses.heard("node2", "head1", LOSS.plusMillis(600));
        assertFalse(witnesses.agreeNoActiveHead(LOSS, LOSS.plusSeconds(1)), "a cut between the heads only");
    }

    @Test
    void workersThatObeyNoHeadAgree() {
        witnesses.heard("node1", "", LOSS.plusMillis(500));
        witnesses.heard("node2", "", LOSS.plusMillis(600));
        witnesses.heard("node3", "head1", LOSS.plusMillis(700));
        assertTrue(witnesses.agreeNoActiveHead(LOSS, LOSS.plusSeconds(1)));
    }

    /** Regression (issue 3): heads that started together never learned a name and never took over. */
    @Test
    void workersOfAClusterWhereNoHeadWasEverActiveAgree() {
        witnesses.heard("node1", "", LOSS);
        assertTrue(witnesses.agreeNoActiveHead(LOSS, LOSS.plusMillis(100)));
    }

    @Test
    void onlyTestimonyGivenAfterTheLossCountsAndStaleWorkersAreNotAsked() {
        witnesses.heard("node1", "", LOSS.minusMillis(200));
        witnesses.heard("node2", "", LOSS.plusMillis(200));
        assertFalse(witnesses.agreeNoActiveHead(LOSS, LOSS.plusSeconds(1)), "one of two spoke since the loss");
        assertTrue(witnesses.agreeNoActiveHead(LOSS, LOSS.plusSeconds(3).plusMillis(100)),
                "node1 is no longer fresh; node2 alone agrees");
        assertTrue(new Witnesses(Duration.ofSeconds(3)).agreeNoActiveHead(LOSS, LOSS), "no worker to ask");
    }
}
