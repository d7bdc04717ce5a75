package dev.hpc.head.metrics;

import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.head.HeadConfig;
import dev.hpc.head.access.Role;
import dev.hpc.head.web.RunningHead;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /metrics} of a real head, read as Prometheus reads it: the text is parsed (families, types, labels,
 * values) and the figures are checked against what the test did, never matched as strings.
 */
class MetricsRoutesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** No heartbeats are sent: a node registered by the test stays up for the whole test. */
    private HeadConfig config() {
        HeadConfig d = HeadConfig.defaults("head1", "test", dir);
        return new HeadConfig(d.name(), d.cluster(), d.bindHost(), 0, dir, Duration.ofSeconds(1),
                Duration.ofMinutes(10), d.keepCompleted(), d.maxRequeues(), d.maxBodyBytes(), d.defaultQueue());
    }

    private static PrometheusText scrape(RunningHead head, String token) throws Exception {
        HttpResponse<String> r = head.getWithToken("/metrics", token);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        return PrometheusText.parse(r.body());
    }

    private static PrometheusText scrapeUntil(RunningHead head, String token, Predicate<PrometheusText> ready,
                                              String what) throws Exception {
        Instant until = Instant.now().plus(WAIT);
        PrometheusText m = scrape(head, token);
        while (!ready.test(m)) {
            if (Instant.now().isAfter(until)) {
                throw new AssertionError("no scrape showed " + what + " within " + WAIT);
            }
            Thread.sleep(50);
            m = scrape(head, token);
        }
        return m;
    }

    private static double v(PrometheusText m, String name, String... labels) {
        Map<String, String> l = new java.util.HashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            l.put(labels[i], labels[i + 1]);
        }
        return m.value(name, l).orElseThrow(() -> new AssertionError("no sample " + name + l));
    }

    @Test
    void theActiveHeadCountsJobsTasksUsersNodesAndCores() throws Exception {
        try (RunningHead head = RunningHead.start(config(), v -> v)) {
            String scraper = head.tokenFor("prometheus");
            for (int i = 0; i < 3; i++) {
                head.submit("alice", "a" + i, List.of());
            }
            String held = head.submit("bob", "b", List.of("-h"));
            head.submit("carol", "sweep", List.of("-t", "1-1000"));

            PrometheusText m = scrape(head, scraper);
            assertEquals("gauge", m.family("hpc_jobs_pending").orElseThrow().type());
            assertEquals("counter", m.family("hpc_jobs_submitted_total").orElseThrow().type());
            assertEquals("histogram", m.family("hpc_store_commit_seconds").orElseThrow().type());
            assertFalse(m.family("hpc_jobs_pending").orElseThrow().help().isBlank());
            assertEquals(1, v(m, "hpc_head_active", "cluster", "test", "head", "head1"));
            assertEquals(5, v(m, "hpc_jobs"));
            assertEquals(5, v(m, "hpc_jobs_pending"));
            assertEquals(1, v(m, "hpc_jobs_hold"));
            assertEquals(0, v(m, "hpc_jobs_running"));
            assertEquals(5, v(m, "hpc_jobs_submitted_total"));
            assertEquals(4, v(m, "hpc_queue_jobs", "queue", "batch", "state", "queued"));
            assertEquals(1, v(m, "hpc_queue_jobs", "queue", "batch", "state", "held"));
            assertEquals(1003, v(m, "hpc_queue_tasks", "queue", "batch", "state", "queued"));
            assertEquals(1003, v(m, "hpc_sched_queue_len"));
            assertEquals(5, v(m, "hpc_partition_jobs_pending", "partition", "batch"));
            assertEquals(3, v(m, "hpc_user_jobs_pending", "username", "alice"));
            assertEquals(1, v(m, "hpc_user_jobs_pending", "username", "bob"));
            assertEquals(1, v(m, "hpc_user_jobs_pending", "username", "carol"));
            assertEquals(0, v(m, "hpc_nodes"));
            assertTrue(v(m, "hpc_store_commit_seconds_count") >= 5, "every submission was committed");

            // a node of two cores: the scheduler starts two tasks on it
            head.service().workerEvents().registered(new Register("n1", "127.0.0.1", 2, 4L << 30, Map.of(), "", List.of(),
                    List.of()), () -> { }, why -> { throw new AssertionError(why); });
            m = scrapeUntil(head, scraper, s -> v(s, "hpc_queue_tasks", "queue", "batch", "state", "running") == 2,
                    "two tasks running");
            assertEquals(1, v(m, "hpc_nodes"));
            assertEquals(1, v(m, "hpc_nodes_alloc"));
            assertEquals(0, v(m, "hpc_nodes_idle"));
            assertEquals(2, v(m, "hpc_cpus"));
            assertEquals(2, v(m, "hpc_cpus_alloc"));
            assertEquals(0, v(m, "hpc_cpus_idle"));
            assertEquals(1001, v(m, "hpc_sched_queue_len"));
            assertEquals(5, v(m, "hpc_jobs"));
            assertEquals(5, v(m, "hpc_jobs_pending") + v(m, "hpc_jobs_running"));
            assertTrue(v(m, "hpc_jobs_running") >= 1);
            assertTrue(v(m, "hpc_sched_cycle_seconds_count") >= 1);
            everyMetricOfTheDashboardIsServed(m);

            // a cancelled job ends: counted as cancelled, and bob has no work left
            HttpResponse<String> cancel = head.send("DELETE", "/api/v1/jobs/" + held, head.tokenFor("bob"), "");
            assertEquals(200, cancel.statusCode(), cancel.body());
            m = scrape(head, scraper);
            assertEquals(1, v(m, "hpc_jobs_cancelled"));
            assertEquals(1, v(m, "hpc_jobs_ended_total", "state", "cancelled"));
            assertEquals(0, v(m, "hpc_jobs_hold"));
            assertTrue(m.value("hpc_user_jobs_pending", Map.of("username", "bob")).isEmpty(), "bob has no work");
        }
    }

    /** The Grafana dashboard shipped in examples/ asks only for series a leading head serves. */
    private static void everyMetricOfTheDashboardIsServed(PrometheusText m) throws Exception {
        Path dashboard = Path.of("..", "examples", "grafana", "hpc-dashboard.json");
        String text = java.nio.file.Files.readString(dashboard);
        java.util.regex.Matcher expr = java.util.regex.Pattern.compile("\"expr\": \"((?:[^\"\\\\]|\\\\.)*)\"")
                .matcher(text);
        java.util.Set<String> asked = new java.util.TreeSet<>();
        while (expr.find()) {
            java.util.regex.Matcher name = java.util.regex.Pattern.compile("\\b(?:hpc|jvm|process)_[a-z_]+")
                    .matcher(expr.group(1));
            while (name.find()) {
                asked.add(name.group());
            }
        }
        assertTrue(asked.size() > 20, "the dashboard's queries name " + asked);
        for (String series : asked) {
            assertFalse(m.samples(series, Map.of()).isEmpty(), dashboard + " asks for " + series
                    + ", which /metrics does not serve");
        }
    }

    @Test
    void aStandbyShowsItsOwnFiguresAndNoneOfTheCluster() throws Exception {
        try (RunningHead head = RunningHead.start(config(), v -> v)) {
            String scraper = head.tokenFor("prometheus");
            head.submit("alice", "a", List.of());
            assertEquals(1, v(scrape(head, scraper), "hpc_jobs_submitted_total"));

            head.service().term().deactivate();

            PrometheusText m = scrape(head, scraper);
            assertEquals(0, v(m, "hpc_head_active"));
            assertEquals(0, v(m, "hpc_head_epoch"));
            assertEquals(1, v(m, "hpc_head_takeovers_total"));
            for (String cluster : List.of("hpc_jobs", "hpc_jobs_pending", "hpc_nodes", "hpc_cpus", "hpc_sched_queue_len",
                    "hpc_queue_jobs", "hpc_user_jobs_pending", "hpc_jobs_submitted_total")) {
                assertTrue(m.samples(cluster, Map.of()).isEmpty(), cluster + " is the active head's figure");
            }
            assertTrue(v(m, "hpc_store_commit_seconds_count") >= 1);
            assertTrue(v(m, "jvm_threads_live_threads") > 0);
        }
    }

    @Test
    void aTokenIsNeededByDefault() throws Exception {
        try (RunningHead head = RunningHead.start(config(), v -> v)) {
            HttpResponse<String> none = head.getWithToken("/metrics", "");
            assertEquals(401, none.statusCode(), none.body());
            assertTrue(none.body().contains("Authorization: Bearer"), none.body());
            assertEquals(401, head.getWithToken("/metrics", "not-a-token").statusCode());
            assertEquals(1, v(scrape(head, head.tokenFor("prometheus")), "hpc_head_active"));
        }
    }

    @Test
    void operatorAccessRefusesAUserToken() throws Exception {
        MetricsSettings operators = new MetricsSettings(MetricsSettings.Access.OPERATOR, true);
        try (RunningHead head = RunningHead.start(config(), v -> v.metrics(operators))) {
            HttpResponse<String> user = head.getWithToken("/metrics", head.tokenFor("prometheus"));
            assertEquals(403, user.statusCode(), user.body());
            assertEquals(1, v(scrape(head, head.grant("ops", Role.OPERATOR)), "hpc_head_active"));
        }
    }

    @Test
    void openAccessWithoutUserNames() throws Exception {
        MetricsSettings open = new MetricsSettings(MetricsSettings.Access.OPEN, false);
        try (RunningHead head = RunningHead.start(config(), v -> v.metrics(open))) {
            head.submit("alice", "a", List.of());
            PrometheusText m = scrape(head, "");
            assertEquals(1, v(m, "hpc_jobs_pending"));
            assertTrue(m.samples("hpc_user_jobs_pending", Map.of()).isEmpty(), "no user names");
            assertTrue(m.families().keySet().stream().noneMatch(n -> n.startsWith("hpc_user_")),
                    m.families().keySet().toString());
        }
    }

    @Test
    void theDefaultsFollowTheAccessSettings() {
        var access = dev.hpc.head.access.AccessSettings.defaults(dir);
        assertEquals(new MetricsSettings(MetricsSettings.Access.TOKEN, true), MetricsSettings.defaults(access));
        assertEquals(new MetricsSettings(MetricsSettings.Access.TOKEN, false), MetricsSettings.defaults(
                access.withJobVisibility(new dev.hpc.head.access.JobVisibility(false))));
        var file = new java.util.Properties();
        file.setProperty("metrics-access", "open");
        assertEquals(new MetricsSettings(MetricsSettings.Access.OPEN, false),
                MetricsSettings.from(file, access, null, null));
        assertEquals(new MetricsSettings(MetricsSettings.Access.OPEN, true),
                MetricsSettings.from(file, access, null, "true"));
        var bad = org.junit.jupiter.api.Assertions.assertThrows(dev.hpc.api.InvalidRequestException.class,
                () -> MetricsSettings.from(file, access, "anyone", null));
        assertTrue(bad.getMessage().contains("open, token or operator"), bad.getMessage());
    }
}
