package dev.hpc.api.client;

import dev.hpc.api.HpcException;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.api.testkit.FakeHead;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeadClientTest {
    private static final HeadTransport.Settings ONE_ROUND = HeadTransport.Settings.defaults().withMaxWait(Duration.ZERO);
    private static final ApiToken ALICE = ApiToken.of("tok-alice");

    /** A port nothing listens on: connecting to it is refused. */
    static String refusingAddress() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return "127.0.0.1:" + s.getLocalPort();
        }
    }

    private static Job aQueuedJob(long n, String name) {
        JobSpec spec = new JobSpec(name, "alice", "login1", "#!/bin/sh\necho hi\n", "/home/alice/run",
                "/home/alice/run", Map.of(), "batch", Resources.DEFAULT, Optional.empty(), List.of(), false, 0, true,
                "", "", JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
        return new Job(new JobId(n, "cluster", false), spec, JobState.QUEUED, Instant.parse("2026-11-24T00:14:32Z"),
                List.of(Task.fresh(Task.NO_INDEX, false)), "", 1);
    }

    private static FakeHead serving(Job job) throws IOException {
        return new FakeHead(r -> FakeHead.Reply.job(job));
    }

    @Test
    void goesToTheSecondHeadWhenTheFirstRefusesConnectionsAndRemembersIt() throws Exception {
        Job job = aQueuedJob(7, "x");
        try (FakeHead good = serving(job)) {
            String dead = refusingAddress();
            HeadClient client = new HeadClient(List.of(dead, good.address()), ALICE, ONE_ROUND);

            assertEquals(job.id(), client.job("7").id());
            assertEquals(good.address(), client.preferredHead());
            assertEquals(job.id(), client.job("7").id());
            assertEquals(2, good.requests.size());
        }
    }

    @Test
    void theTokenFollowsAStandbysRedirectToTheActiveHead() throws Exception {
        Job job = aQueuedJob(7, "x");
        try (FakeHead active = serving(job);
             FakeHead standby = new FakeHead(r -> FakeHead.Reply.redirect(active.address(), r))) {
            HeadClient client = new HeadClient(List.of(standby.address(), active.address()), ALICE, ONE_ROUND);

            assertEquals(job.id(), client.cancel("7").id());
            assertEquals("Bearer tok-alice", active.requests.get(0).authorization(), "the redirected call keeps it");
            assertEquals("POST", active.requests.get(0).method());
        }
    }

    /**
     * Issue 17: a frozen head accepts connections (the kernel does) and never answers. A client whose request went
     * there waited its whole request timeout before it tried the other head; now it moves on after a short first
     * try. The request timeout here is ten minutes, so the old client would wait that long.
     */
    @Test
    void aHeadThatAcceptsAndNeverAnswersIsLeftForTheOtherWithoutWaitingTheWholeRequestTimeout() throws Exception {
        Job job = aQueuedJob(7, "x");
        try (FrozenHead frozen = new FrozenHead(); FakeHead active = serving(job)) {
            HeadClient client = new HeadClient(List.of(frozen.address(), active.address()), ALICE,
                    ONE_ROUND.withRequestTimeout(Duration.ofMinutes(10)));
            Job answered = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofMinutes(2),
                    () -> client.job("7"));
            assertEquals(job.id(), answered.id());
            assertEquals(active.address(), client.preferredHead());
        }
    }

    /**
     * Issue 17: after a round in which the head it preferred took the request and said nothing (frozen) and the
     * other answered 503 (taking over), the client waited on the frozen head again, twice as long, before it
     * asked the head that had taken over by then. The silent head is not asked again while it holds the request.
     */
    @Test
    void aHeadThatLeftARequestUnansweredIsNotAskedAgainBeforeTheOther() throws Exception {
        Job job = aQueuedJob(7, "x");
        AtomicInteger calls = new AtomicInteger();
        try (FrozenHead frozen = new FrozenHead();
             FakeHead takingOver = new FakeHead(r -> calls.incrementAndGet() == 1
                     ? FakeHead.Reply.error(503, "UNAVAILABLE", "taking over") : FakeHead.Reply.job(job))) {
            HeadClient client = new HeadClient(List.of(frozen.address(), takingOver.address()),
                    ALICE, HeadTransport.Settings.defaults().withMaxWait(Duration.ofMinutes(1))
                            .withBackoff(Duration.ofMillis(1), Duration.ofMillis(2)));

            assertEquals(job.id(), client.job("7").id());
            assertEquals(1, frozen.connections(), "the frozen head was asked once, not again before the other");
            assertEquals(2, takingOver.requests.size());
        }
    }

    /**
     * Issue 21: the active head froze with a submission in hand, and the standby, whose lease had not run out
     * yet, sent the client back to it. The client waited on the frozen head for its whole first try, then was
     * sent back to it again, so a submission took seconds longer than the takeover. Now the request the
     * frozen head holds is left to it, and the standby is asked until it has taken over and accepts.
     */
    @Test
    void aSubmissionHeldByAFrozenHeadIsAcceptedByTheStandbyOnceItHasTakenOver() throws Exception {
        Job job = aQueuedJob(8, "x");
        Map<String, Object> created = Map.of("id", job.id().toString(), "job", Codec.toMap(job, true));
        AtomicInteger asked = new AtomicInteger();
        AtomicInteger frozenAskedWhenAccepted = new AtomicInteger(-1);
        AtomicInteger frozenStillHeldWhenAccepted = new AtomicInteger(-1);
        try (FrozenHead frozen = new FrozenHead();
             FakeHead standby = new FakeHead(r -> {
                 if (asked.incrementAndGet() <= 3) {
                     return FakeHead.Reply.redirect(frozen.address(), r);
                 }
                 frozenAskedWhenAccepted.set(frozen.connections());
                 frozenStillHeldWhenAccepted.set(frozen.openConnections());
                 return FakeHead.Reply.json(201, created);
             })) {
            HeadClient client = new HeadClient(List.of(frozen.address(), standby.address()), ALICE,
                    HeadTransport.Settings.defaults().withMaxWait(Duration.ofMinutes(1))
                            .withBackoff(Duration.ofMillis(1), Duration.ofMillis(2)));

            Job answer = client.submit(new SubmitRequest("echo hi\n", List.of(), "", "h", "/tmp", Map.of()));

            assertEquals(job.id(), answer.id());
            assertEquals(1, frozenAskedWhenAccepted.get(), "the frozen head was asked once, and not again when the "
                    + "standby named it");
            assertEquals(1, frozenStillHeldWhenAccepted.get(), "the standby was asked while the frozen head still "
                    + "had the request, not only once the client had given up on it");
            assertEquals(4, standby.requests.size());
            assertEquals(standby.address(), client.preferredHead());
        }
    }

    /**
     * A request's timeout ends once the answer's headers have come (JDK 17 to 25), so a head that froze in the
     * middle of an answer's body held the call for good. Now a request gets as long again for its body.
     */
    @Test
    void aHeadThatFreezesInTheMiddleOfAnAnswerDoesNotHoldTheCallForGood() throws Exception {
        try (ServerSocket half = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread server = new Thread(() -> {
                try {
                    while (true) {
                        java.net.Socket s = half.accept();
                        held.add(s);
                        java.io.InputStream in = s.getInputStream();
                        String endOfHeaders = "\r\n\r\n";
                        int matched = 0;
                        for (int c = in.read(); c >= 0 && matched < 4; c = in.read()) {
                            matched = c == endOfHeaders.charAt(matched) ? matched + 1 : c == '\r' ? 1 : 0;
                            if (matched == 4) {
                                break;
                            }
                        }
                        s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                + "Content-Length: 1000\r\n\r\n{").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "half-answering-head");
            server.setDaemon(true);
            server.start();
            HeadClient client = new HeadClient(List.of("127.0.0.1:" + half.getLocalPort()), ALICE,
                    ONE_ROUND.withRequestTimeout(Duration.ofSeconds(1)));
            try {
                HeadTransport.UnavailableException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                        Duration.ofMinutes(2), () -> assertThrows(HeadTransport.UnavailableException.class,
                                () -> client.job("7")));
                assertTrue(e.getMessage().contains("no answer within"), e.getMessage());
            } finally {
                for (java.net.Socket s : held) {
                    s.close();
                }
            }
        }
    }

    /** A head that is frozen: the kernel accepts its connections, and nothing reads or answers them. */
    private static final class FrozenHead implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        private final List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();

        private final AtomicInteger open = new AtomicInteger();

        FrozenHead() throws IOException {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        java.net.Socket s = socket.accept();
                        held.add(s);
                        open.incrementAndGet();
                        Thread reader = new Thread(() -> drainUntilClosed(s), "frozen-head-connection");
                        reader.setDaemon(true);
                        reader.start();
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "frozen-head");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        /** Takes what the client sends, answers nothing, and notes when the client gives up and hangs up. */
        private void drainUntilClosed(java.net.Socket s) {
            try {
                byte[] ignored = new byte[4096];
                while (s.getInputStream().read(ignored) >= 0) {
                    // a frozen process would leave it in the socket's buffer; taking it changes nothing
                }
            } catch (IOException closed) {
                // closed by the test
            }
            open.decrementAndGet();
        }

        /** Connections the client still holds open: requests it has not given up on. */
        int openConnections() {
            return open.get();
        }

        String address() {
            return "127.0.0.1:" + socket.getLocalPort();
        }

        int connections() {
            return held.size();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (java.net.Socket s : held) {
                s.close();
            }
        }
    }

    /**
     * A head bound to a wildcard published it as its address, and its standby sent clients there: on a client's
     * machine {@code 0.0.0.0} is that machine itself, where any local user may listen on the port and take the
     * token the client sends along. Such a redirect is not followed.
     */
    @Test
    void aRedirectToAWildcardAddressIsNotFollowedWithTheToken() throws Exception {
        try (FakeHead thief = serving(aQueuedJob(7, "x"));
             FakeHead standby = new FakeHead(r -> FakeHead.Reply.redirect(
                     thief.address().replace("127.0.0.1", "0.0.0.0"), r))) {
            HeadClient client = new HeadClient(List.of(standby.address()), ALICE, ONE_ROUND);

            HeadTransport.UnavailableException e = assertThrows(HeadTransport.UnavailableException.class,
                    () -> client.job("7"));

            assertEquals(0, thief.requests.size(), "nothing, and no token, went to the wildcard address");
            assertTrue(e.getMessage().contains("a standby; it named no head"), e.getMessage());
        }
    }

    @Test
    void unavailableHeadIsSkippedForTheNextOne() throws Exception {
        Job job = aQueuedJob(7, "x");
        try (FakeHead standby = new FakeHead(r -> FakeHead.Reply.error(503, "UNAVAILABLE", "no active head yet"));
             FakeHead active = serving(job)) {
            HeadClient client = new HeadClient(List.of(standby.address(), active.address()), ALICE, ONE_ROUND);

            assertEquals(job.id(), client.job("7").id());
            assertEquals(1, standby.requests.size());
            assertEquals(active.address(), client.preferredHead());
        }
    }

    @Test
    void keepsRetryingWithinTheWaitUntilAHeadAnswers() throws Exception {
        Job job = aQueuedJob(7, "x");
        AtomicInteger calls = new AtomicInteger();
        try (FakeHead head = new FakeHead(r -> calls.incrementAndGet() <= 2
                ? FakeHead.Reply.error(503, "UNAVAILABLE", "taking over") : FakeHead.Reply.job(job))) {
            HeadClient client = new HeadClient(List.of(head.address()), ALICE, HeadTransport.Settings.defaults()
                    .withMaxWait(Duration.ofSeconds(30)).withBackoff(Duration.ofMillis(1), Duration.ofMillis(2)));

            assertEquals(job.id(), client.job("7").id());
            assertEquals(3, head.requests.size());
        }
    }

    @Test
    void clientErrorIsNotRetriedAndCarriesTheErrorBody() throws Exception {
        try (FakeHead first = new FakeHead(r -> FakeHead.Reply.error(404, "UNKNOWN_JOB", "no job 99.cluster"));
             FakeHead second = serving(aQueuedJob(99, "x"))) {
            HeadClient client = new HeadClient(List.of(first.address(), second.address()), ALICE,
                    HeadTransport.Settings.defaults());

            HpcApiException e = assertThrows(HpcApiException.class, () -> client.job("99"));

            assertEquals(404, e.status());
            assertEquals("UNKNOWN_JOB", e.code());
            assertEquals("no job 99.cluster", e.getMessage());
            assertTrue(e.isUnknownJob());
            assertEquals(1, first.requests.size());
            assertEquals(0, second.requests.size());
        }
    }

    @Test
    void errorWithoutOurBodyStillSaysWhatTheHeadAnswered() throws Exception {
        try (FakeHead head = new FakeHead(r -> new FakeHead.Reply(400, "<html>\n  Bad things\n</html>"))) {
            HeadClient client = new HeadClient(List.of(head.address()), ALICE, ONE_ROUND);

            HpcApiException e = assertThrows(HpcApiException.class, () -> client.nodes());

            assertEquals("HTTP_400", e.code());
            assertEquals("the head answered HTTP 400: <html>", e.getMessage());
        }
    }

    @Test
    void givesUpWhenNoHeadAnswersAndNamesEveryAddress() throws Exception {
        String a = refusingAddress();
        try (FakeHead b = new FakeHead(r -> FakeHead.Reply.error(503, "UNAVAILABLE", "no active head yet"))) {
            HeadClient client = new HeadClient(List.of(a, b.address()), ALICE, ONE_ROUND);

            HeadTransport.UnavailableException e = assertThrows(HeadTransport.UnavailableException.class,
                    () -> client.cluster());

            assertTrue(e.getMessage().contains(a + ": connection refused"), e.getMessage());
            assertTrue(e.getMessage().contains(b.address() + ": 503 UNAVAILABLE (no active head yet)"),
                    e.getMessage());
        }
    }

    /**
     * Regression (issue 16): a submission that may have reached a head was never sent again, so qsub failed
     * during a takeover; a 503 after the job became durable was resent without a key and made a second job.
     * Now every send of one submission carries the same idempotency key, and the head answers a resend with
     * the job of the first.
     */
    @Test
    void aSubmissionIsSentAgainWithTheSameKeyWhenItMayHaveArrived() throws Exception {
        Job job = aQueuedJob(1, "x");
        Map<String, Object> created = Map.of("id", job.id().toString(), "job", Codec.toMap(job, true));
        try (FakeHead dropping = new FakeHead(r -> FakeHead.Reply.CLOSE);
             FakeHead stopping = new FakeHead(r -> FakeHead.Reply.error(503, "UNAVAILABLE", "stopped being active"));
             FakeHead other = new FakeHead(r -> FakeHead.Reply.json(201, created))) {
            HeadClient client = new HeadClient(List.of(dropping.address(), stopping.address(), other.address()),
                    ALICE, HeadTransport.Settings.defaults());

            Job answer = client.submit(new SubmitRequest("echo hi\n", List.of(), "alice", "h", "/tmp", Map.of()));

            assertEquals(job.id(), answer.id());
            String key = other.requests.get(0).idempotencyKey();
            assertTrue(key.length() >= 32, "a fresh key: " + key);
            assertEquals(key, dropping.requests.get(0).idempotencyKey(), "the same key on every send");
            assertEquals(key, stopping.requests.get(0).idempotencyKey());
            Job again = client.submit(new SubmitRequest("echo hi\n", List.of(), "alice", "h", "/tmp", Map.of()));
            assertEquals(job.id(), again.id());
            assertTrue(!key.equals(other.requests.get(1).idempotencyKey()), "each submission has its own key");
        }
    }

    @Test
    void aNewTokenIsNotAskedForAgainOnceTheRequestMayHaveArrived() throws Exception {
        try (FakeHead dropping = new FakeHead(r -> FakeHead.Reply.CLOSE);
             FakeHead other = serving(aQueuedJob(1, "x"))) {
            HeadClient client = new HeadClient(List.of(dropping.address(), other.address()), ALICE,
                    HeadTransport.Settings.defaults());

            HpcException e = assertThrows(HpcException.class, () -> client.createToken("bob", "user"));

            assertTrue(e.getMessage().contains("may or may not have been carried out"), e.getMessage());
            assertEquals(1, dropping.requests.size());
            assertEquals(0, other.requests.size());
        }
    }

    @Test
    void aSubmissionRedirectedToAKilledHeadGoesOnToTheNewActiveHeadInsteadOfBeingInDoubt() throws Exception {
        Job job = aQueuedJob(5, "x");
        Map<String, Object> created = Map.of("id", job.id().toString(), "job", Codec.toMap(job, true));
        String killed = refusingAddress();
        AtomicInteger asked = new AtomicInteger();
        // the standby still names the killed head at first, then takes over and accepts
        try (FakeHead standby = new FakeHead(r -> asked.incrementAndGet() <= 2
                ? FakeHead.Reply.redirect(killed, r) : FakeHead.Reply.json(201, created))) {
            HeadClient client = new HeadClient(List.of(standby.address()), ALICE, HeadTransport.Settings.defaults()
                    .withMaxWait(Duration.ofSeconds(30)).withBackoff(Duration.ofMillis(1), Duration.ofMillis(2)));

            Job answer = client.submit(new SubmitRequest("echo hi\n", List.of(), "", "h", "/tmp", Map.of()));

            assertEquals(job.id(), answer.id());
            assertEquals(3, standby.requests.size());
        }
    }

    @Test
    void aSubmissionRedirectedToAHeadThatBreaksItsConnectionGoesOnWithTheSameKey() throws Exception {
        Job job = aQueuedJob(6, "x");
        Map<String, Object> created = Map.of("id", job.id().toString(), "job", Codec.toMap(job, true));
        AtomicInteger asked = new AtomicInteger();
        // the killed head's connections break; the standby names it twice, then has taken over
        try (FakeHead killed = new FakeHead(r -> FakeHead.Reply.CLOSE);
             FakeHead standby = new FakeHead(r -> asked.incrementAndGet() <= 2
                     ? FakeHead.Reply.redirect(killed.address(), r) : FakeHead.Reply.json(201, created))) {
            HeadClient client = new HeadClient(List.of(standby.address()), ALICE, HeadTransport.Settings.defaults()
                    .withMaxWait(Duration.ofSeconds(30)).withBackoff(Duration.ofMillis(1), Duration.ofMillis(2)));
            SubmitRequest request = new SubmitRequest("echo hi\n", List.of(), "", "h", "/tmp", Map.of());

            assertEquals(job.id(), client.submit(request).id());
            List<String> keys = java.util.stream.Stream.concat(killed.requests.stream(), standby.requests.stream())
                    .map(FakeHead.Request::idempotencyKey).distinct().toList();
            assertEquals(1, keys.size(), "one submission, one key, however often sent: " + keys);
        }
    }

    @Test
    void readsAreRetriedOnTheNextHeadWhenAConnectionDrops() throws Exception {
        Job job = aQueuedJob(1, "x");
        try (FakeHead dropping = new FakeHead(r -> FakeHead.Reply.CLOSE); FakeHead other = serving(job)) {
            HeadClient client = new HeadClient(List.of(dropping.address(), other.address()), ALICE, ONE_ROUND);

            assertEquals(job.id(), client.job("1").id());
        }
    }

    @Test
    void onlyAddressesWrittenAsNumbersCountAsNeedingNoLookup() {
        // the others keep the HTTP client's pool, so that a slow name lookup cannot hold a call in the caller's thread
        assertTrue(HeadTransport.isAddressLiteral(URI.create("http://127.0.0.1:8640").getHost()));
        assertTrue(HeadTransport.isAddressLiteral(URI.create("http://[::1]:8640").getHost()));
        assertFalse(HeadTransport.isAddressLiteral(URI.create("http://head1.cluster:8640").getHost()));
        assertFalse(HeadTransport.isAddressLiteral(URI.create("http://localhost:8640").getHost()));
        assertFalse(HeadTransport.isAddressLiteral(URI.create("http://1.2.3.4.example:8640").getHost()));
    }

    @Test
    void submitSendsTheRequestAsJsonWithTheUserHeader() throws Exception {
        Job job = aQueuedJob(3, "hello");
        Map<String, Object> created = Map.of("id", job.id().toString(), "job", Codec.toMap(job, true));
        try (FakeHead head = new FakeHead(r -> FakeHead.Reply.json(201, created))) {
            HeadClient client = new HeadClient(List.of(head.address()), ALICE, ONE_ROUND);
            SubmitRequest request = new SubmitRequest("#!/bin/sh\necho hi\n", List.of("-N", "hello"), "alice",
                    "login1", "/home/alice", Map.of("HOME", "/home/alice"));

            Job answer = client.submit(request);

            assertEquals(job.id(), answer.id());
            FakeHead.Request sent = head.requests.get(0);
            assertEquals("POST", sent.method());
            assertEquals("/api/v1/jobs", sent.rawPath());
            assertEquals("Bearer tok-alice", sent.authorization());
            assertEquals(request, Codec.readSubmitRequest(Json.readObject(sent.body())));
        }
    }

    @Test
    void actionsSendTheTokenAndEncodeArrayIds() throws Exception {
        Job job = aQueuedJob(42, "x");
        try (FakeHead head = serving(job)) {
            HeadClient client = new HeadClient(List.of(head.address()), ALICE, ONE_ROUND);

            client.cancel("42[]");
            client.hold("42.cluster");
            client.release("42[3]");

            assertEquals(List.of("/api/v1/jobs/42%5B%5D/cancel", "/api/v1/jobs/42.cluster/hold",
                    "/api/v1/jobs/42%5B3%5D/release"), head.requests.stream().map(FakeHead.Request::rawPath).toList());
            assertTrue(head.requests.stream().allMatch(r -> r.authorization().equals("Bearer tok-alice")));
            assertTrue(head.requests.stream().allMatch(r -> r.method().equals("POST")));
        }
    }

    @Test
    void listingSendsTheFiltersAndFollowsNextToTheEnd() throws Exception {
        Job a = aQueuedJob(1, "a");
        Job b = aQueuedJob(2, "b");
        try (FakeHead head = new FakeHead(r -> r.query().contains("after=1")
                ? FakeHead.Reply.page(List.of(b), 2, null) : FakeHead.Reply.page(List.of(a), 2, "1"))) {
            HeadClient client = new HeadClient(List.of(head.address()), ALICE, ONE_ROUND);
            JobQuery query = JobQuery.all().withStates(List.of(JobState.QUEUED,
                    JobState.HELD)).withUser("bob smith").withHistory(true).withLimit(1);

            HeadClient.JobPage first = client.jobs(query);
            List<Job> all = client.allJobs(query);

            assertEquals(Optional.of("1"), first.next());
            assertEquals(2, first.total());
            assertEquals(List.of(a.id(), b.id()), all.stream().map(Job::id).toList());
            assertEquals("state=QUEUED%2CHELD&user=bob+smith&history=true&limit=1", head.requests.get(0).query());
            assertEquals("state=QUEUED%2CHELD&user=bob+smith&history=true&limit=1&after=1",
                    head.requests.get(2).query());
        }
    }

    @Test
    void withoutATokenA401SaysHowToGetOne() throws Exception {
        try (FakeHead head = new FakeHead(r -> FakeHead.Reply.json(401, Map.of("code", "UNAUTHENTICATED",
                "message", "this request needs a token")))) {
            HeadClient none = new HeadClient(List.of(head.address()), ApiToken.missing("no API token found: ask an "
                    + "admin"), ONE_ROUND);
            HpcApiException e = assertThrows(HpcApiException.class, none::nodes);
            assertEquals(401, e.status());
            assertEquals("no API token found: ask an admin", e.getMessage());
            assertEquals("null", head.requests.get(0).authorization(), "no header at all");

            HpcApiException bad = assertThrows(HpcApiException.class,
                    () -> new HeadClient(List.of(head.address()), ALICE, ONE_ROUND).nodes());
            assertEquals("this request needs a token", bad.getMessage(), "a refused token: the head's message");
        }
    }

    @Test
    void addressesAreCheckedAndNormalized() {
        assertEquals("h:8640", HeadTransport.normalizeAddress(" http://h:8640/ "));
        assertEquals("[::1]:8640", HeadTransport.normalizeAddress("[::1]:8640"));
        assertThrows(HpcException.class, () -> HeadTransport.normalizeAddress("h"));
        assertThrows(HpcException.class, () -> HeadTransport.normalizeAddress("h:0"));
        assertThrows(HpcException.class, () -> HeadTransport.normalizeAddress("h:http"));
        assertThrows(HpcException.class, () -> new HeadClient(List.of(), ALICE, ONE_ROUND));
    }
}
