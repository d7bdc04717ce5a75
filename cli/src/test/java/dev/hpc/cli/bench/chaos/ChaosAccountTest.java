package dev.hpc.cli.bench.chaos;

import dev.hpc.api.job.JobState;
import dev.hpc.cli.bench.chaos.MarkerJob.Marks;
import dev.hpc.cli.bench.chaos.Submission.Route;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChaosAccountTest {
    private final Map<String, Marks> marks = new HashMap<>();
    private final Map<Long, HeadView> jobs = new HashMap<>();

    private static Submission aRestSubmission(int i, long job) {
        return Submission.acknowledged(i, "ch" + i, Route.REST, "key" + i, job + ".c");
    }

    private void wrote(String name, String... lines) {
        marks.put(name, MarkerJob.parse(List.of(lines)));
    }

    private void headSays(long job, String name, String key, JobState state) {
        jobs.put(job, new HeadView(job, name, key, state, 0, "EXITED", true));
    }

    private ChaosAccount.Result account(List<Submission> subs, NodeLoss... kills) {
        return ChaosAccount.account(subs, marks, jobs, List.of(kills));
    }

    @Test
    void aJobThatRanOnceAndCompletedIsClean() {
        wrote("ch1", "1.c 10 node1 100 -", "1.c 10 node1 100 200");
        headSays(1, "ch1", "key1", JobState.COMPLETED);

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)));

        assertTrue(r.total().clean(), r.toString());
        assertEquals(1, r.total().completed());
        assertEquals(List.of(), r.findings());
    }

    @Test
    void anAcknowledgedJobWithoutAnEndLineThatTheHeadCallsCompletedIsLost() {
        wrote("ch1", "1.c 10 node1 100 -");
        headSays(1, "ch1", "key1", JobState.COMPLETED);

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)));

        assertEquals(1, r.total().lost());
        assertTrue(r.findings().get(0).startsWith("LOST: ch1 (REST, job 1.c)"), r.findings().toString());
    }

    @Test
    void aJobTheHeadNoLongerKnowsAndThatNeverRanIsLostAndNotCompleted() {
        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)));

        assertEquals(1, r.total().lost());
        assertEquals(1, r.total().notCompleted());
    }

    @Test
    void aJobStillQueuedAtTheEndIsNotTerminalRatherThanLost() {
        headSays(1, "ch1", "key1", JobState.QUEUED);

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)));

        assertEquals(0, r.total().lost());
        assertEquals(1, r.total().notTerminal());
        assertEquals(0, r.total().notCompleted());
    }

    @Test
    void twoRunsWhoseIntervalsOverlapRanTwiceAtOnce() {
        wrote("ch1", "1.c 10 node1 100 300", "1.c 11 node2 200 400");
        headSays(1, "ch1", "key1", JobState.COMPLETED);

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)));

        assertEquals(1, r.total().ranTwiceAtOnce());
        assertEquals(1, r.total().completedTwice(), "node1 was never crashed");
    }

    @Test
    void aRunWithoutEndOnACrashedNodeEndedWhenTheNodeDied() {
        wrote("ch1", "1.c 10 node1 100 -", "1.c 11 node2 600 700");
        headSays(1, "ch1", "key1", JobState.COMPLETED);

        assertTrue(account(List.of(aRestSubmission(1, 1)), new NodeLoss("node1", 500)).total().clean());
    }

    @Test
    void aRunWithoutEndOnANodeThatNeverDiedMayStillRunSoALaterRunOverlapsIt() {
        wrote("ch1", "1.c 10 node1 100 -", "1.c 11 node2 600 700");
        headSays(1, "ch1", "key1", JobState.COMPLETED);

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)), new NodeLoss("node1", 50));

        assertEquals(1, r.total().ranTwiceAtOnce(), "node1 died before the run started, not under it");
    }

    @Test
    void completedTwiceIsRightWhenTheFirstRunsNodeCrashedAfterItStartedAndWrongOtherwise() {
        wrote("ch1", "1.c 10 node1 100 200", "1.c 11 node2 600 700");
        headSays(1, "ch1", "key1", JobState.COMPLETED);
        wrote("ch2", "2.c 20 node3 100 200", "2.c 21 node2 600 700");
        headSays(2, "ch2", "key2", JobState.COMPLETED);

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1), aRestSubmission(2, 2)),
                new NodeLoss("node1", 250));

        assertEquals(1, r.total().completedTwiceNodeDied());
        assertEquals(1, r.total().completedTwice());
        assertTrue(r.findings().stream().anyMatch(f -> f.startsWith("COMPLETED TWICE, NODE ALIVE: ch2")),
                r.findings().toString());
    }

    @Test
    void aCrashOfTheNodeAfterTheRerunStartedDoesNotExplainTheRerun() {
        wrote("ch1", "1.c 10 node1 100 200", "1.c 11 node2 600 700");
        headSays(1, "ch1", "key1", JobState.COMPLETED);

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)), new NodeLoss("node1", 650));

        assertEquals(1, r.total().completedTwice(), "issue 16: results lost in a head cluster merge looked explained");
        assertEquals(0, r.total().completedTwiceNodeDied());
    }

    @Test
    void aSecondJobWithTheSameKeyOrNameOrMarkerFileIsASecondSubmission() {
        wrote("ch1", "1.c 10 node1 100 200");
        headSays(1, "ch1", "key1", JobState.COMPLETED);
        headSays(9, "other", "key1", JobState.COMPLETED);
        wrote("ch2", "2.c 20 node1 100 200", "8.c 80 node2 100 200");
        headSays(2, "ch2", "key2", JobState.COMPLETED);
        wrote("ch3", "3.c 30 node1 100 200");
        headSays(3, "ch3", "key3", JobState.COMPLETED);
        headSays(4, "ch3", "", JobState.COMPLETED);

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1), aRestSubmission(2, 2), aRestSubmission(3, 3)));

        assertEquals(3, r.total().submittedTwice(), r.findings().toString());
    }

    @Test
    void qsubsKeyIsTakenFromTheHeadsAnswer() {
        wrote("ch1", "1.c 10 node1 100 200");
        headSays(1, "ch1", "qsub-made", JobState.COMPLETED);
        headSays(5, "renamed", "qsub-made", JobState.QUEUED);

        ChaosAccount.Result r = account(List.of(Submission.acknowledged(1, "ch1", Route.QSUB, "", "1.c")));

        assertEquals(1, r.byRoute().get(Route.QSUB).submittedTwice());
    }

    @Test
    void aSubmissionThatGaveUpIsCountedApartAndMayHaveMadeAJob() {
        wrote("ch1", "1.c 10 node1 100 200");
        headSays(1, "ch1", "key1", JobState.COMPLETED);

        ChaosAccount.Result r = account(List.of(Submission.failed(1, "ch1", Route.REST, "key1", "no head answered")));

        assertEquals(1, r.total().unacknowledged());
        assertEquals(1, r.total().unacknowledgedButRan());
        assertTrue(r.total().clean());
    }

    @Test
    void aFailedJobOrOneMissingFromTheListingIsReported() {
        wrote("ch1", "1.c 10 node1 100 200");
        jobs.put(1L, new HeadView(1, "ch1", "key1", JobState.FAILED, 1, "NODE_FAILURE", true));
        wrote("ch2", "2.c 20 node1 100 200");
        jobs.put(2L, new HeadView(2, "ch2", "key2", JobState.COMPLETED, 0, "EXITED", false));

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1), aRestSubmission(2, 2)));

        assertEquals(1, r.total().notCompleted());
        assertEquals(1, r.total().missingFromHistory());
        assertEquals(0, r.total().lost());
    }

    @Test
    void aRunOnANodeCutFromTheActiveHeadEndedAtTheCutEvenWhenItWroteItsEndLater() {
        // node1 was cut at 150; its run went on unseen and ended at 700, while the head ran the job again on node2
        wrote("ch1", "1.c 10 node1 100 700", "1.c 11 node2 600 800");
        headSays(1, "ch1", "key1", JobState.COMPLETED);

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)), new NodeLoss("node1", 150, 550,
                NodeLoss.Cause.CUT));

        assertTrue(r.total().clean(), r.findings().toString());
        assertEquals(1, r.total().completedTwiceNodeDied());
    }

    @Test
    void aTaskLaunchedJustBeforeACutStartsItsBodyDuringItAndBelongsToTheCut() {
        // the launch went out before the cut at 150; the body's first line came at 180, its result never arrived
        wrote("ch1", "1.c 10 node1 180 400", "1.c 11 node2 600 800");
        headSays(1, "ch1", "key1", JobState.COMPLETED);

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)), new NodeLoss("node1", 150, 550,
                NodeLoss.Cause.CUT));

        assertTrue(r.total().clean(), r.findings().toString());
    }

    @Test
    void aRunThatStartedAfterTheCutHealedIsNoLongerExcused() {
        wrote("ch1", "1.c 10 node1 600 700", "1.c 11 node2 900 1000");
        headSays(1, "ch1", "key1", JobState.COMPLETED);

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)), new NodeLoss("node1", 150, 550,
                NodeLoss.Cause.CUT));

        assertEquals(1, r.total().completedTwice());
    }

    @Test
    void aLaunchTheCutHeldStartsAfterTheHealAndStillBelongsToTheCut() {
        // the head launched attempt 10 at 140, just before the cut at 150; the cut held it until the heal at 550,
        // the head ran the job again as attempt 11, and attempt 10 arrived and ran after all
        wrote("ch1", "1.c 10 node1 560 700", "1.c 11 node2 600 800");
        jobs.put(1L, new HeadView(1, "ch1", "key1", JobState.COMPLETED, 0, "EXITED", true,
                Map.of("10", 140L, "11", 590L)));

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)), new NodeLoss("node1", 150, 550,
                NodeLoss.Cause.CUT));

        assertTrue(r.total().clean(), r.findings().toString());
        assertEquals(1, r.total().completedTwiceNodeDied());
    }

    @Test
    void aHeldLaunchThatStartsAfterTheRerunAndEndsLastIsStillTheCutsDoing() {
        // as a fault suite run saw it: attempt 10 launched at 140 during the cut [100, 500] was held, the head
        // ran the job again as attempt 11 (launched at 510); attempt 10 arrived and ran beside it, and ended last
        wrote("ch1", "1.c 11 node3 600 900", "1.c 10 node2 650 950");
        jobs.put(1L, new HeadView(1, "ch1", "key1", JobState.COMPLETED, 0, "EXITED", true,
                Map.of("10", 140L, "11", 510L)));
        NodeLoss[] cut = {new NodeLoss("node2", 100, 500, NodeLoss.Cause.CUT),
                new NodeLoss("node3", 100, 500, NodeLoss.Cause.CUT)};

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)), cut);

        assertTrue(r.total().clean(), r.findings().toString());
        assertEquals(1, r.total().completedTwiceNodeDied());
    }

    @Test
    void aRunThatEndedJustBeforeACutOfItsNodeHadItsResultHeldAndIsRightlyRunAgain() {
        // as ChaosIT saw it: the run ended, and its result was still on its way when the cut began 0.3 s later
        long s = 1_000_000_000L;
        wrote("ch1", "1.c 10 node1 " + s + " " + 2 * s, "1.c 11 node1 " + 8 * s + " " + 9 * s);
        headSays(1, "ch1", "key1", JobState.COMPLETED);

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)), new NodeLoss("node1", 2 * s + s / 3,
                7 * s, NodeLoss.Cause.CUT));

        assertTrue(r.total().clean(), r.findings().toString());
        assertEquals(1, r.total().completedTwiceNodeDied());
    }

    @Test
    void aCutLongAfterARunEndedDoesNotExcuseRunningItAgain() {
        long s = 1_000_000_000L;
        wrote("ch1", "1.c 10 node1 " + s + " " + 2 * s, "1.c 11 node1 " + 8 * s + " " + 9 * s);
        headSays(1, "ch1", "key1", JobState.COMPLETED);

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)), new NodeLoss("node1", 5 * s, 7 * s,
                NodeLoss.Cause.CUT));

        assertEquals(1, r.total().completedTwice());
    }

    @Test
    void aCutOfAnotherNodeExplainsNothing() {
        wrote("ch1", "1.c 10 node1 100 700", "1.c 11 node2 600 800");
        headSays(1, "ch1", "key1", JobState.COMPLETED);

        ChaosAccount.Result r = account(List.of(aRestSubmission(1, 1)), new NodeLoss("node3", 150, 550,
                NodeLoss.Cause.CUT));

        assertEquals(1, r.total().ranTwiceAtOnce());
        assertEquals(1, r.total().completedTwice());
    }

    @Test
    void anAcknowledgementOutOfTurnIsABadColumnOfItsSubmission() {
        wrote("ch1", "1.c 10 node1 100 200");
        headSays(1, "ch1", "key1", JobState.COMPLETED);
        wrote("ch2", "2.c 20 node1 100 200");
        headSays(2, "ch2", "key2", JobState.COMPLETED);
        Submission newer = Submission.acknowledged(1, "ch1", Route.REST, "key1", "1.c", new Ack("head2", 5, 100, 110));
        Submission stale = Submission.acknowledged(2, "ch2", Route.REST, "key2", "2.c", new Ack("head1", 4, 120, 130));

        ChaosAccount.Result r = account(List.of(newer, stale));

        assertEquals(1, r.total().outOfTurn());
        assertEquals(2, r.total().attributed());
        assertTrue(r.findings().get(0).startsWith("ACKNOWLEDGED IN AN OLDER EPOCH: ch2"), r.findings().toString());
    }
}
