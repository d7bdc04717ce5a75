package dev.hpc.head.lease;

import dev.hpc.api.wire.ClusterSecret;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Heads asking three real voters over HTTP on loopback (issue 17): the lease comes from a majority, never
 * from silence, and never from a voter that cannot prove the cluster secret.
 */
class LeaseHolderTest {
    /** Long, so that a voter's answer is never late on a loaded machine: the voters' clock is the test's. */
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Optional<ClusterSecret> SECRET = Optional.of(ClusterSecret.of(new byte[32]));
    @TempDir
    Path dir;
    private Vertx vertx;
    private final List<HttpServer> servers = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();
    /** The voters' clock: the test moves it. */
    private final AtomicLong voterNanos = new AtomicLong(1_000_000_000L);
    /** Requests the voters have answered: a round ends at its majority, and the rest still arrive after it. */
    private final java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeEach
    void voters() {
        vertx = Vertx.vertx();
        for (int i = 1; i <= 3; i++) {
            addresses.add(serve("voter" + i, SECRET));
        }
    }

    private String serve(String name, Optional<ClusterSecret> secret) {
        return serve(name, secret, LEASE);
    }

    /** A voter as a head serves it: its requests, and its bonds upgraded by the server (not counted as answers). */
    private String serve(String name, Optional<ClusterSecret> secret, Duration longestLease) {
        Router router = countingAnswers();
        LeaseVoterRoutes routes = new LeaseVoterRoutes(vertx, LeaseVoter.open(dir.resolve(name), longestLease,
                voterNanos::get), name, secret);
        routes.mount(router);
        HttpServer s = vertx.createHttpServer().requestHandler(router).webSocketHandler(ws -> {
            if (ws.path().equals(LeaseVoterRoutes.bondPath())) {
                routes.acceptBond(ws);
            } else {
                ws.close();
            }
        }).listen(0, "127.0.0.1").await();
        servers.add(s);
        return "127.0.0.1:" + s.actualPort();
    }

    private Router countingAnswers() {
        Router router = Router.router(vertx);
        router.route().handler(ctx -> {
            ctx.addEndHandler(v -> answered.incrementAndGet());
            ctx.next();
        });
        return router;
    }

    /**
     * Moves the voters' clock once they have answered every request sent so far: a request still on its way
     * would be judged at the new time, and a voter would grant a head that the test takes for lost.
     */
    private void advanceVoterClock(Duration by, int requestsSent) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (answered.get() < requestsSent) {
            assertTrue(System.nanoTime() < deadline, answered.get() + " of " + requestsSent + " requests answered");
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        voterNanos.addAndGet(by.toNanos());
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private LeaseHolder head(String name, List<String> voters, Optional<ClusterSecret> secret) {
        return new LeaseHolder(vertx, voters, name, LEASE, secret, System::nanoTime);
    }

    @Test
    void theLeaseGoesToOneHeadAndToTheOtherOnlyOnceItRanOutWithTheVoters() {
        LeaseHolder head1 = head("head1", addresses, SECRET);
        LeaseHolder head2 = head("head2", addresses, SECRET);
        assertTrue(head1.ask(1).majority());
        assertTrue(head1.holds());
        LeaseHolder.Round refused = head2.ask(2);
        assertFalse(refused.majority(), "head1's lease runs: " + refused);
        assertEquals(0, refused.granted());
        assertFalse(head2.holds());

        advanceVoterClock(LEASE.plusMillis(1), 6); // head1 stopped renewing: frozen, or cut off
        assertTrue(head2.ask(2).majority());
        assertFalse(head1.ask(1).majority(), "the old epoch is refused everywhere now");
        assertEquals(2, head1.ask(1).highestEpochSeen(), "and head1 learns the newer epoch");
    }

    /**
     * A standby's bid that a free voter granted but no majority did left that voter promised to the standby for
     * good: the active head went on with two voters of three, and a standby that kept bidding renewed the promise.
     * A fresh cluster always started so, the standby's own voter being free at its start. Now the bidder gives
     * the promise back, and the active head's next renewal has every voter again.
     */
    @Test
    void aFailedBidIsWithdrawnAndTheActiveHeadIsBackedByEveryVoterAgain() {
        LeaseHolder head1 = head("head1", addresses, SECRET);
        assertTrue(head1.ask(1).majority());
        awaitAnswers(3);
        advanceVoterClock(LEASE.plusMillis(1), 3); // head1's grants ran out at every voter for a moment
        String gone = serve("voter4", SECRET);
        servers.get(3).close().await();
        LeaseHolder head2 = head("head2", List.of(addresses.get(2), gone), SECRET);
        assertFalse(head2.ask(2).majority(), "one voter of two is no majority");
        awaitAnswers(5); // the bid, granted, and its withdrawal
        assertTrue(head1.ask(1).majority());
        awaitAnswers(8);
        // the third grant may come after the round ended at its majority, and is counted as it arrives
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (head1.grantsStanding() < 3 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        assertEquals(3, head1.grantsStanding(), "every voter backs head1 again: the bid's promise was given back");
    }

    /** A renewal sent after the head resigned (its word on its copies, from another thread) holds nothing again. */
    @Test
    void aHeadThatResignedDoesNotHoldTheLeaseAgainThroughALaterRenewal() {
        LeaseHolder head1 = head("head1", addresses, SECRET);
        assertTrue(head1.ask(1).majority());
        head1.resign();
        assertFalse(head1.holds());
        head1.declare(false);
        assertFalse(head1.holds(), "the lease given up stays given up");
    }

    private void awaitAnswers(int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (answered.get() < count) {
            assertTrue(System.nanoTime() < deadline, answered.get() + " of " + count + " requests answered");
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    @Test
    void aHeadThatReachesOnlyOneVoterOfThreeNeverLeads() {
        servers.get(1).close().await();
        servers.get(2).close().await();
        LeaseHolder alone = head("head2", addresses, SECRET);
        LeaseHolder.Round round = alone.ask(1);
        // the round may end before the one voter's grant arrives: two silent voters already decide it
        assertTrue(round.granted() <= 1, round.toString());
        assertFalse(round.majority(), "one of three is no majority: silence is not consent");
        assertFalse(alone.holds());
    }

    /**
     * Issue 17: a voter that takes requests and never answers (the voter of a frozen head) held every round for
     * its whole timeout, twice in the takeover of a frozen head. A round ends once a majority has granted.
     */
    @Test
    void aRoundThatAMajorityGrantedDoesNotWaitForAFrozenVoter() {
        List<io.vertx.core.http.HttpServerRequest> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer frozen = vertx.createHttpServer().requestHandler(held::add).listen(0, "127.0.0.1").await();
        servers.add(frozen);
        LeaseHolder head = head("head2", List.of("127.0.0.1:" + frozen.actualPort(), addresses.get(0),
                addresses.get(1)), SECRET);

        LeaseHolder.Round round = head.ask(1);

        assertTrue(round.majority(), round.toString());
        assertEquals(List.of(), round.refusals(), "the frozen voter was not waited for until it counted as silent");
        assertEquals(1, held.stream().filter(r -> r.path().equals(LeaseWire.PATH)).count(),
                "the frozen voter was asked");
    }

    @Test
    void grantsFromVotersThatCannotProveTheSecretDoNotCount() {
        List<String> impostors = List.of(serve("fake1", Optional.of(ClusterSecret.of(new byte[] {
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                29, 30, 31, 32}))), serve("fake2", Optional.empty()), addresses.get(0));
        LeaseHolder head = head("head1", impostors, SECRET);
        LeaseHolder.Round round = head.ask(1);
        // two voters that cannot prove the secret decide the round: no majority, whatever the real one says
        assertFalse(round.majority(), "only the real voter's grant counts: " + round.refusals());
        assertTrue(round.granted() <= 1, round.toString());
        assertFalse(head.holds());
    }

    @Test
    void aLeaseHeldRunsOutAtTheHeadBeforeItDoesAtAnyVoter() {
        AtomicLong headNanos = new AtomicLong(0);
        LeaseHolder head1 = new LeaseHolder(vertx, addresses, "head1", LEASE, SECRET, headNanos::get);
        assertTrue(head1.ask(1).majority());
        headNanos.set(LEASE.toNanos() - LEASE.toNanos() / 10 - 1);
        assertTrue(head1.holds());
        headNanos.set(LEASE.toNanos() - LEASE.toNanos() / 10);
        assertFalse(head1.holds(), "a tenth short of the lease, for the drift of clocks");
    }

    @Test
    void votersThatGrantShorterThanAskedShortenTheLeaseAtTheHead() {
        Duration shorter = LEASE.dividedBy(3);
        List<String> shortVoters = List.of(serveWith("short1", shorter), serveWith("short2", shorter), addresses.get(0));
        AtomicLong headNanos = new AtomicLong(0);
        LeaseHolder head1 = new LeaseHolder(vertx, shortVoters, "head1", LEASE, SECRET, headNanos::get);
        LeaseHolder.Round round = head1.ask(1);
        assertTrue(round.majority(), round.toString());
        headNanos.set(shorter.toNanos() - shorter.toNanos() / 10);
        assertFalse(head1.holds(), "a voter started with a shorter --lease grants only that long");
    }

    @Test
    void aRefusalSaysWhenTheVotersCanGrantAgain() {
        LeaseHolder head1 = head("head1", addresses, SECRET);
        LeaseHolder head2 = head("head2", addresses, SECRET);
        assertTrue(head1.ask(1).majority());
        advanceVoterClock(LEASE.minusSeconds(10), 3);
        LeaseHolder.Round refused = head2.ask(2);
        assertFalse(refused.majority());
        assertEquals(10_000, refused.refusedForMillis(), refused.toString());
    }

    @Test
    void aHeadHearsFromAnyMajorityTheJobNumbersReservedBeforeIt() {
        LeaseHolder head1 = head("head1", addresses, SECRET);
        head1.reserveNumbers(250);
        assertTrue(head1.ask(1, true).majority());
        assertEquals(250, head1.numbersReserved());
        head1.reserveNumbers(900);
        assertEquals(250, head1.numbersReserved(), "asked, not yet granted by a majority");
        assertTrue(head1.ask(1).majority());
        assertEquals(900, head1.numbersReserved());

        advanceVoterClock(LEASE.plusMillis(1), 6);
        LeaseHolder head2 = head("head2", addresses.subList(1, 3), SECRET);
        LeaseHolder.Round round = head2.ask(2);
        assertTrue(round.majority(), round.toString());
        assertEquals(900, round.numberedUpTo());
        assertEquals(0, head2.numbersReserved(), "head2 reserved nothing of its own yet");
    }

    private String serveWith(String name, Duration longestLease) {
        return serve(name, SECRET, longestLease);
    }

    @Test
    void aStandbyHearsWhatTheLastActiveHeadToldAMajorityOfItsCopies() {
        LeaseHolder head1 = head("head1", addresses, SECRET);
        assertTrue(head1.ask(1, true).majority());
        assertTrue(head1.declaresSoleCopy(), "a head that has just taken over holds the only copy");
        assertTrue(head1.declare(false).majority());
        servers.get(2).close().await(); // voter3 misses what follows
        assertTrue(head1.declare(true).majority(), "two of three heard it: the standby went away");

        advanceVoterClock(LEASE.plusMillis(1), 8); // head1 is lost; voter3 was closed for one round
        LeaseHolder head2 = head("head2", addresses, SECRET);
        LeaseHolder.Round round = head2.ask(2);
        assertEquals("head1", round.lastActiveHead());
        assertTrue(round.lastActiveSole(), "any majority holds a voter that heard the newest statement: " + round);
    }

    @Test
    void aStatementThatReachedNoMajorityIsTakenBackAsSole() {
        LeaseHolder head1 = head("head1", addresses, SECRET);
        assertTrue(head1.ask(1, true).majority());
        servers.get(1).close().await();
        servers.get(2).close().await();
        assertFalse(head1.declare(false).majority());
        assertTrue(head1.declaresSoleCopy(), "saying sole is never wrong; replicated needs a majority");
    }

    private static void awaitTrue(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
    }

    /**
     * A killed head's kernel closes its bonds: the voters end its grants at once, tell the other heads, and the
     * standby is granted the lease long before the 30 s lease would have run out (the voters' clock stands still).
     */
    @Test
    void whenTheHoldersProcessEndsTheVotersGrantTheLeaseToTheNextHeadAtOnce() {
        Vertx headProcess = Vertx.vertx();
        LeaseHolder head1 = new LeaseHolder(headProcess, addresses, "head1", LEASE, SECRET, System::nanoTime);
        LeaseHolder head2 = head("head2", addresses, SECRET);
        java.util.concurrent.CountDownLatch told = new java.util.concurrent.CountDownLatch(1);
        head2.onReleased(told::countDown);
        awaitTrue("head1's bonds are open", () -> head1.bondsOpen() == 3);
        awaitTrue("head2's bonds are open", () -> head2.bondsOpen() == 3);
        assertTrue(head1.ask(1, true).majority());
        assertFalse(head2.ask(2).majority(), "head1's lease runs");

        headProcess.close().await(); // as SIGKILL: its sockets close, it says nothing

        awaitTrue("head2 is told that head1's grants ended", () -> told.getCount() == 0);
        LeaseHolder.Round round = head2.ask(2);
        assertTrue(round.majority(), round.toString());
        assertTrue(head2.holds());
    }

    /** A bond that closes takes its grant with it on the head's side too, before the voter could give it again. */
    @Test
    void aHeadStopsCountingOnGrantsWhoseBondsClosed() {
        LeaseHolder head1 = head("head1", addresses, SECRET);
        awaitTrue("head1's bonds are open", () -> head1.bondsOpen() == 3);
        assertTrue(head1.ask(1).majority());
        assertTrue(head1.holds());
        // the round ended at the first two grants; the third, answered after it, counts as well
        awaitTrue("all three grants are in", () -> head1.grantsStanding() == 3);
        servers.get(2).close().await();
        awaitTrue("one bond closed", () -> head1.bondsOpen() == 2);
        assertTrue(head1.holds(), "two of three grants stand");
        servers.get(1).close().await();
        awaitTrue("the lease no longer holds, 30 s before it would run out", () -> !head1.holds());
    }
}
