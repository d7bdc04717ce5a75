package dev.hpc.head.access;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.head.HeadConfig;
import dev.hpc.head.web.RunningHead;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 8: the per-user submission rate and queued-job limits. */
class LimitsTest {
    private static final String SCRIPT = "{\"script\": \"#!/bin/sh\\ntrue\\n\"}";

    @TempDir
    Path dir;

    /** A clock the test moves by hand. */
    private static final class HandClock extends Clock {
        final AtomicLong millis = new AtomicLong(1_000_000);

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }

    @Test
    void theBucketAllowsABurstThenTheRateAndEachUserHasTheirOwn() {
        HandClock clock = new HandClock();
        SubmitLimiter limiter = new SubmitLimiter(2, 3, clock);
        for (int i = 0; i < 3; i++) {
            assertEquals(Optional.empty(), limiter.take("alice"), "burst " + i);
        }
        Optional<Duration> wait = limiter.take("alice");
        assertEquals(Optional.of(Duration.ofMillis(500)), wait, "one more in half a second at 2/s");
        assertEquals(Optional.empty(), limiter.take("bob"), "bob has a bucket of his own");
        clock.millis.addAndGet(499);
        assertTrue(limiter.take("alice").isPresent());
        clock.millis.addAndGet(1);
        assertEquals(Optional.empty(), limiter.take("alice"), "refilled");
        clock.millis.addAndGet(60_000);
        for (int i = 0; i < 3; i++) {
            assertEquals(Optional.empty(), limiter.take("alice"), "never more than the burst: " + i);
        }
        assertTrue(limiter.take("alice").isPresent());
    }

    @Test
    void aUserOverTheRateGets429WithRetryAfterThenGetsThroughAgainAndOperatorsAreExempt() throws Exception {
        HeadConfig d = HeadConfig.defaults("head1", "c", dir).withPort(0);
        try (RunningHead head = RunningHead.start(d.withAccess(d.access().withSubmitRate(0.5, 2)))) {
            assertEquals(201, head.post("/api/v1/jobs", "alice", SCRIPT).statusCode());
            assertEquals(201, head.post("/api/v1/jobs", "alice", SCRIPT).statusCode());
            HttpResponse<String> refused = head.post("/api/v1/jobs", "alice", SCRIPT);
            assertEquals(429, refused.statusCode(), refused.body());
            assertEquals("TOO_MANY_SUBMISSIONS", Json.readObject(refused.body()).string("code"));
            long retry = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
            assertTrue(retry >= 1 && retry <= 2, "Retry-After " + retry);
            assertEquals(2, jobsOf(head, "alice"), "nothing was created");

            head.grant("olga", dev.hpc.head.access.Role.OPERATOR);
            for (int i = 0; i < 5; i++) {
                assertEquals(201, head.post("/api/v1/jobs", "olga", SCRIPT).statusCode(), "operators are exempt");
            }

            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int status;
            do {
                Thread.sleep(100);
                status = head.post("/api/v1/jobs", "alice", SCRIPT).statusCode();
            } while (status == 429 && System.nanoTime() < deadline);
            assertEquals(201, status, "alice gets through again once her bucket refills");
        }
    }

    @Test
    void aUserAtTheQueuedLimitIsRefusedAndArrayTasksCountEach() throws Exception {
        HeadConfig d = HeadConfig.defaults("head1", "c", dir).withPort(0);
        try (RunningHead head = RunningHead.start(d.withAccess(d.access().withMaxQueuedPerUser(3)))) {
            String array = head.submit("alice", "sweep", List.of("-t", "1-2"));
            HttpResponse<String> tooBig = head.post("/api/v1/jobs", "alice",
                    "{\"script\": \"#!/bin/sh\\ntrue\\n\", \"options\": [\"-t\", \"1-2\"]}");
            assertEquals(403, tooBig.statusCode(), tooBig.body());
            JsonFields e = Json.readObject(tooBig.body());
            assertEquals("QUEUED_LIMIT", e.string("code"));
            assertEquals("alice has 2 queued or held tasks and this array adds 2; the limit is 3 per user (the head's "
                    + "max-queued-per-user, each task of an array counting one); wait for some to start, cancel some "
                    + "(qdel), or ask an administrator to raise max-queued-per-user", e.string("message"));
            String held = head.submit("alice", "held", List.of("-h"));
            HttpResponse<String> full = head.post("/api/v1/jobs", "alice", SCRIPT);
            assertEquals(403, full.statusCode(), "held jobs count too: " + full.body());
            assertTrue(Json.readObject(full.body()).string("message").startsWith("alice has 3 queued or held tasks; "
                    + "the limit is 3 per user"), full.body());
            assertEquals(2, jobsOf(head, "alice"), "nothing was created when refused");
            assertEquals(201, head.post("/api/v1/jobs", "bob", SCRIPT).statusCode(), "bob has his own count");

            assertEquals(200, head.post("/api/v1/jobs/" + held + "/cancel", "alice", "").statusCode());
            assertEquals(201, head.post("/api/v1/jobs", "alice", SCRIPT).statusCode(), "room again after a cancel");
            assertTrue(array.endsWith("[].c"), array);
        }
    }

    /** Issue 15: a user's jobs are limited apart from their tasks, and an array counts once. */
    @Test
    void aUserAtTheQueuedJobsLimitIsRefusedWithTheSettingToRaiseAndOperatorsAreExempt() throws Exception {
        HeadConfig d = HeadConfig.defaults("head1", "c", dir).withPort(0);
        try (RunningHead head = RunningHead.start(d.withAccess(d.access().withMaxQueuedJobsPerUser(2)))) {
            head.submit("alice", "sweep", List.of("-h", "-t", "0-99999"));
            String single = head.submit("alice", "one", List.of("-h"));
            HttpResponse<String> refused = head.post("/api/v1/jobs", "alice",
                    "{\"script\": \"#!/bin/sh\\ntrue\\n\", \"options\": [\"-t\", \"1-2\"]}");
            assertEquals(403, refused.statusCode(), refused.body());
            JsonFields e = Json.readObject(refused.body());
            assertEquals("QUEUED_LIMIT", e.string("code"));
            assertEquals("alice has 2 queued or held jobs; the limit is 2 per user (the head's "
                    + "max-queued-jobs-per-user, an array job counting once); wait for some to start, cancel some "
                    + "(qdel), submit many alike tasks as one array job (qsub -J), or ask an administrator to raise "
                    + "max-queued-jobs-per-user", e.string("message"));
            assertEquals(2, jobsOf(head, "alice"), "nothing was created when refused");

            head.grant("olga", dev.hpc.head.access.Role.OPERATOR);
            for (int i = 0; i < 3; i++) {
                assertEquals(201, head.post("/api/v1/jobs", "olga", SCRIPT).statusCode(), "operators are exempt");
            }
            assertEquals(200, head.post("/api/v1/jobs/" + single + "/cancel", "alice", "").statusCode());
            assertEquals(201, head.post("/api/v1/jobs", "alice", SCRIPT).statusCode(), "room again after a cancel");
        }
    }

    @Test
    void theDefaultsAllowOneFullArrayAndTenThousandJobsPerUser() {
        AccessSettings d = AccessSettings.defaults(dir);
        assertEquals(1_000_000, d.maxQueuedPerUser());
        assertEquals(10_000, d.maxQueuedJobsPerUser());
    }

    private static int jobsOf(RunningHead head, String user) throws Exception {
        return (int) Json.readObject(head.get("/api/v1/jobs?user=" + user).body()).longValue("total", -1);
    }
}
