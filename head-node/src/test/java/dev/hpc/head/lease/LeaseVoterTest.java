package dev.hpc.head.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The voter's rules (issue 17): one holder at a time, epochs only upwards, promises kept across restarts. */
class LeaseVoterTest {
    private static final Duration LEASE = Duration.ofSeconds(3);
    @TempDir
    Path dir;
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private long sent = 1;

    private LeaseVoter.Answer ask(LeaseVoter v, String head, long epoch) {
        return v.request(head, epoch, LEASE, sent++);
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void aHeldLeaseIsRenewedByItsHolderAndRefusedToAnyOtherUntilItRunsOut() {
        LeaseVoter v = LeaseVoter.open(dir, LEASE, now::get);
        assertTrue(ask(v, "head1", 1).granted());
        advance(Duration.ofSeconds(2));
        assertTrue(ask(v, "head1", 1).granted(), "the holder renews at its epoch");
        LeaseVoter.Answer refused = ask(v, "head2", 2);
        assertFalse(refused.granted(), "a lease that runs is not given to another head, even at a newer epoch");
        assertEquals("head1", refused.holder());
        assertEquals(1, refused.epoch());
        advance(Duration.ofMillis(2_999));
        assertFalse(ask(v, "head2", 2).granted());
        advance(Duration.ofMillis(2));
        LeaseVoter.Answer granted = ask(v, "head2", 2);
        assertTrue(granted.granted(), "once it ran out, a newer epoch gets it");
        assertFalse(ask(v, "head1", 1).granted(), "the old holder cannot renew the old epoch any more");
    }

    @Test
    void anEpochIsNeverGrantedTwiceNorAnOlderOne() {
        LeaseVoter v = LeaseVoter.open(dir, LEASE, now::get);
        assertTrue(ask(v, "head1", 5).granted());
        advance(Duration.ofSeconds(4));
        assertFalse(ask(v, "head2", 5).granted(), "the same epoch to another head");
        assertFalse(ask(v, "head2", 4).granted(), "an older epoch");
        assertTrue(ask(v, "head2", 6).granted());
    }

    @Test
    void aRestartedVoterKeepsItsPromiseAndWaitsOutTheLastLease() {
        LeaseVoter v = LeaseVoter.open(dir, LEASE, now::get);
        assertTrue(ask(v, "head1", 7).granted());
        LeaseVoter restarted = LeaseVoter.open(dir, LEASE, now::get);
        assertFalse(ask(restarted, "head2", 7).granted(), "epoch 7 was promised before the restart");
        assertFalse(ask(restarted, "head2", 8).granted(),
                "it cannot know how long head1's lease still runs: it waits a whole lease");
        assertTrue(ask(restarted, "head1", 7).granted(), "the holder may renew");
        advance(LEASE.plusMillis(1));
        assertTrue(ask(restarted, "head2", 8).granted());
    }

    @Test
    void aBidderThatWonNoMajorityGivesItsPromiseBackAndTheActiveHeadRenewsAgain() {
        LeaseVoter v = LeaseVoter.open(dir, LEASE, now::get);
        assertTrue(v.request("head1", 1, LEASE, sent++, true).granted());
        advance(LEASE.plusMillis(1)); // head1's renewals did not reach this voter for a whole lease
        assertTrue(ask(v, "head2", 2).granted(), "free: the bid of the standby gets it");
        assertFalse(ask(v, "head1", 1).granted(), "promised to head2 at epoch 2");
        assertTrue(v.withdraw("head2", 2, sent++), "head2's bid won no majority: it gives the promise back");
        LeaseVoter.Answer renewed = ask(v, "head1", 1);
        assertTrue(renewed.granted(), "the active head renews again: " + renewed);
        assertEquals("head1", renewed.holder());
        assertEquals(1, renewed.epoch());
        assertFalse(ask(v, "head2", 2).granted(), "and holds it against the next bid while it runs");
    }

    @Test
    void aWithdrawalGivesBackNothingButTheRunningPromiseOfAHeadThatNeverLedInIt() {
        LeaseVoter v = LeaseVoter.open(dir, LEASE, now::get);
        assertTrue(ask(v, "head1", 1).granted());
        advance(LEASE.plusMillis(1));
        assertTrue(v.request("head2", 2, LEASE, sent++, true).granted(), "head2 won and said it leads at 2");
        assertFalse(v.withdraw("head2", 2, sent++), "a head that said it leads at 2 keeps that promise");
        assertFalse(v.withdraw("head1", 1, sent++), "nobody gives back a promise that is not the running one");
        assertFalse(ask(v, "head1", 1).granted());
        advance(LEASE.plusMillis(1));
        assertTrue(ask(v, "head1", 3).granted());
        long stale = sent - 1;
        assertFalse(v.withdraw("head1", 3, stale), "a withdrawal older than the head's last request is refused");
        LeaseVoter restarted = LeaseVoter.open(dir, LEASE, now::get);
        assertFalse(restarted.withdraw("head1", 3, sent++), "after a restart the voter no longer knows what the "
                + "promise replaced, and keeps it");
        assertEquals(3, restarted.state().epoch());
    }

    /**
     * A head that bids for a newer epoch while it holds the lease at its own, and loses, goes back to its own
     * promise here, and the voter stays granted to it: that head may still count the grant. Freed, another
     * head's bid would have got it, and two heads held the lease at once (found in review).
     */
    @Test
    void aHeadThatWithdrawsABidOverItsOwnPromiseKeepsThatGrantRunning() {
        LeaseVoter v = LeaseVoter.open(dir, LEASE, now::get);
        assertTrue(ask(v, "head2", 5).granted());
        assertTrue(ask(v, "head2", 6).granted(), "the holder gets a newer epoch at once");
        assertTrue(v.withdraw("head2", 6, sent++));
        assertEquals(5, v.state().epoch());
        advance(Duration.ofMillis(100));
        assertFalse(ask(v, "head1", 7).granted(), "head2's grant still runs here");
        assertTrue(ask(v, "head2", 5).granted(), "and head2 renews at 5");
    }

    @Test
    void aGivenBackPromiseIsOnDiskBeforeTheAnswer() throws Exception {
        LeaseVoter v = LeaseVoter.open(dir, LEASE, now::get);
        assertTrue(ask(v, "head1", 1).granted());
        advance(LEASE.plusMillis(1));
        assertTrue(ask(v, "head2", 2).granted());
        assertTrue(LeaseVoter.onDisk(dir).orElseThrow().startsWith("2 head2"));
        assertTrue(v.withdraw("head2", 2, sent++));
        assertTrue(LeaseVoter.onDisk(dir).orElseThrow().startsWith("1 head1"), LeaseVoter.onDisk(dir).toString());
    }

    @Test
    void aRequestPlayedAgainIsRefused() {
        LeaseVoter v = LeaseVoter.open(dir, LEASE, now::get);
        assertTrue(v.request("head1", 1, LEASE, 100).granted());
        advance(Duration.ofSeconds(2));
        assertFalse(v.request("head1", 1, LEASE, 100).granted(), "a recorded renewal must not keep a dead head's lease");
        assertTrue(v.request("head1", 1, LEASE, 101).granted());
    }

    @Test
    void noGrantIsLongerThanTheVotersLongestLease() {
        LeaseVoter v = LeaseVoter.open(dir, LEASE, now::get);
        assertEquals(3_000, v.request("head1", 1, Duration.ofMinutes(5), sent++).remainingMillis());
    }

    @Test
    void theLastHeadToLeadIsRememberedAcrossRestartsAndToldBeforeItChanges() {
        LeaseVoter v = LeaseVoter.open(dir, LEASE, now::get);
        LeaseVoter.Answer fresh = ask(v, "head1", 1);
        assertEquals("", fresh.activeHead(), "no head has led yet");
        assertTrue(v.request("head1", 1, LEASE, sent++, true).granted());
        advance(LEASE.plusMillis(1));
        LeaseVoter restarted = LeaseVoter.open(dir, LEASE, now::get);
        advance(LEASE.plusMillis(1));
        LeaseVoter.Answer next = ask(restarted, "head2", 2);
        assertTrue(next.granted());
        assertEquals("head1", next.activeHead(), "the grant tells head2 who led last");
        assertEquals(1, next.activeEpoch());
        assertEquals("head1", restarted.request("head2", 2, LEASE, sent++, true).activeHead(),
                "the answer tells the last leader as it was before");
        assertEquals("head2", restarted.state().activeHead());
    }

    @Test
    void whatTheActiveHeadSaysOfItsCopiesIsKeptAcrossRestartsAndOnlyItCanChangeIt() {
        LeaseVoter v = LeaseVoter.open(dir, LEASE, now::get);
        assertTrue(v.request("head1", 1, LEASE, sent++, true, true).granted());
        assertTrue(v.state().activeSole(), "a head that has just taken over holds the only copy");
        assertTrue(v.request("head1", 1, LEASE, sent++, false, false).granted());
        assertFalse(v.state().activeSole(), "its standby is in step: replicated");
        long clearedAt = v.state().activeSoleAt();
        assertTrue(v.request("head1", 1, LEASE, sent++, false, true).granted());
        assertTrue(v.state().activeSole(), "its standby went away");
        assertTrue(v.state().activeSoleAt() > clearedAt, "the newer statement carries its newer time");

        advance(LEASE.plusMillis(1));
        LeaseVoter restarted = LeaseVoter.open(dir, LEASE, now::get);
        advance(LEASE.plusMillis(1));
        LeaseVoter.Answer asked = restarted.request("head2", 2, LEASE, sent++, false, false);
        assertTrue(asked.granted());
        assertTrue(asked.activeSole(), "the standby that asks next hears that head1 held the only copy");
        assertEquals("head1", asked.activeHead());
        assertTrue(restarted.state().activeSole(), "a head that is not the active one says nothing of its copies");
    }

    @Test
    void aHeadNotGrantedTheLeaseCannotSayAnythingOfTheActiveHeadsCopies() {
        LeaseVoter v = LeaseVoter.open(dir, LEASE, now::get);
        assertTrue(v.request("head1", 1, LEASE, sent++, true, true).granted());
        assertFalse(v.request("head1", 0 + 1, LEASE, sent - 2, false, false).granted(), "an old request played again");
        assertTrue(v.state().activeSole());
        assertFalse(v.request("head2", 2, LEASE, sent++, false, false).granted(), "head1's lease runs");
        assertTrue(v.state().activeSole());
    }

    @Test
    void jobNumbersReservedByTheHolderOnlyRiseAndOutliveARestart() {
        LeaseVoter v = LeaseVoter.open(dir, LEASE, now::get);
        assertEquals(100, v.request("head1", 1, LEASE, sent++, true, true, 100).numberedUpTo(), "granted: reserved");
        assertEquals(100, v.state().numberedUpTo());
        assertTrue(v.request("head1", 1, LEASE, sent++, false, true, 50).granted());
        assertEquals(100, v.state().numberedUpTo(), "a reservation never goes down");
        assertFalse(v.request("head2", 2, LEASE, sent++, false, false, 5_000).granted(), "head1's lease runs");
        assertEquals(100, v.state().numberedUpTo(), "a head refused the lease reserves nothing");
        assertTrue(v.request("head1", 1, LEASE, sent++, false, true, 400).granted());

        advance(LEASE.plusMillis(1));
        LeaseVoter restarted = LeaseVoter.open(dir, LEASE, now::get);
        advance(LEASE.plusMillis(1));
        LeaseVoter.Answer next = restarted.request("head2", 2, LEASE, sent++, false, false, 0);
        assertTrue(next.granted());
        assertEquals(400, next.numberedUpTo(), "the next head hears where head1's numbers end, after a restart");
    }

    /** A grant bound to a head's bond ends when that bond closes, and only that grant. */
    @Test
    void aGrantBoundToABondEndsWhenThatBondClosesAndNoOtherDoes() {
        LeaseVoter v = LeaseVoter.open(dir, LEASE, now::get);
        assertTrue(v.request("head1", 1, LEASE, sent++, false, false, 0, "bondA").granted());
        assertFalse(v.bondClosed("head1", "bondB"), "another bond of the holder's");
        assertFalse(v.bondClosed("head2", "bondA"), "a bond of another head's");
        assertFalse(ask(v, "head2", 2).granted(), "the grant runs");
        assertTrue(v.bondClosed("head1", "bondA"), "the bond it is bound to");
        assertTrue(ask(v, "head2", 2).granted(), "granted at once, not a lease later");

        assertTrue(v.request("head2", 2, LEASE, sent++, false, false, 0, "").granted(), "renewed unbound");
        assertFalse(v.bondClosed("head2", "bondC"), "an unbound grant runs its time whatever closes");
        assertFalse(ask(v, "head1", 3).granted());
        advance(LEASE);
        assertFalse(v.bondClosed("head2", ""), "nothing to end once it ran out");
    }
}
