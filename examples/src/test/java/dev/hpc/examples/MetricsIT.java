package dev.hpc.examples;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.head.metrics.PrometheusText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20, {@code /metrics} on real processes: two heads (the second a standby) and a worker of two cores started
 * from the built jars. Each head's scrape is parsed as Prometheus parses it. The active head serves the cluster's
 * figures and the standby only its own (role, store); after the active head is killed with SIGKILL the new one
 * serves the same cluster, with its takeover counted and its counters starting from zero.
 */
class MetricsIT {
    private static final Duration WAIT = Poll.TIMEOUT;
    private static final Duration TAKEOVER = Duration.ofSeconds(30);
    private static final String USER = System.getProperty("user.name", "");

    @TempDir
    Path work;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusText scrape(StandbyCluster cluster, String head) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + cluster.server(head)
                            + "/metrics")).header("Authorization", "Bearer " + cluster.token())
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(head + " answered /metrics with " + r.statusCode() + ": " + r.body());
            }
            return PrometheusText.parse(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double v(PrometheusText m, String name, String... labels) {
        Map<String, String> l = new java.util.HashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            l.put(labels[i], labels[i + 1]);
        }
        OptionalDouble found = m.value(name, l);
        return found.isPresent() ? found.getAsDouble() : Double.NaN;
    }

    /** Scrapes {@code head} until {@code ready} holds of its figures; returns them. */
    private PrometheusText scrapeUntil(StandbyCluster cluster, String head, String what,
                                       java.util.function.Predicate<PrometheusText> ready) {
        return Poll.value(head + "'s /metrics shows " + what, WAIT, () -> {
            PrometheusText m = scrape(cluster, head);
            return ready.test(m) ? Optional.of(m) : Optional.empty();
        }, cluster::describe);
    }

    @Test
    void onlyTheActiveHeadServesTheClusterAndTheNewOneDoesAfterATakeover() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        StandbyCluster cluster = StandbyCluster.start(work.resolve("c"), 1, 2);
        System.out.println("MetricsIT: " + cluster);
        try {
            StandbyCluster.Active first = cluster.awaitRoles("one head ACTIVE", WAIT);
            cluster.awaitWorkersUp(WAIT);
            HeadClient client = cluster.client();
            for (int i = 0; i < 2; i++) {
                client.submit(new SubmitRequest("#!/bin/sh\nsleep 600\n", List.of("-N", "sleeper" + i), USER,
                        "localhost", submitDir.toString(), Map.of()));
            }
            for (int i = 0; i < 3; i++) {
                client.submit(new SubmitRequest("#!/bin/sh\ntrue\n", List.of("-N", "held" + i, "-h"), USER,
                        "localhost", submitDir.toString(), Map.of()));
            }

            PrometheusText active = scrapeUntil(cluster, first.head(), "two jobs running",
                    m -> v(m, "hpc_jobs_running") == 2);
            assertEquals(1, v(active, "hpc_head_active"));
            assertEquals(first.epoch(), v(active, "hpc_head_epoch"));
            assertEquals(5, v(active, "hpc_jobs"));
            assertEquals(3, v(active, "hpc_jobs_pending"));
            assertEquals(3, v(active, "hpc_jobs_hold"));
            assertEquals(5, v(active, "hpc_jobs_submitted_total"));
            assertEquals(3, v(active, "hpc_user_jobs_pending", "username", USER));
            assertEquals(2, v(active, "hpc_user_jobs_running", "username", USER));
            assertEquals(1, v(active, "hpc_nodes"));
            assertEquals(1, v(active, "hpc_nodes_alloc"));
            assertEquals(2, v(active, "hpc_cpus"));
            assertEquals(2, v(active, "hpc_cpus_alloc"));
            assertEquals(0, v(active, "hpc_sched_queue_len"), "held jobs are not queued");

            // the standby: its role, and its store's commits of what it mirrors; none of the cluster's figures
            PrometheusText standby = scrapeUntil(cluster, first.other(), "mirrored commits",
                    m -> v(m, "hpc_store_commit_seconds_count") > 0);
            assertEquals(0, v(standby, "hpc_head_active"));
            assertTrue(v(standby, "hpc_store_last_commit_timestamp_seconds") > 0);
            for (String name : List.of("hpc_jobs", "hpc_jobs_pending", "hpc_nodes", "hpc_cpus",
                    "hpc_user_jobs_pending", "hpc_jobs_submitted_total")) {
                assertTrue(standby.samples(name, Map.of()).isEmpty(), "the standby serves " + name);
            }

            StandbyCluster.Active next = cluster.killAndAwaitTakeover(first, TAKEOVER);
            PrometheusText taken = scrapeUntil(cluster, next.head(), "the same jobs, its worker back and both "
                    + "sleepers still running", m -> v(m, "hpc_head_active") == 1 && v(m, "hpc_jobs_running") == 2
                    && v(m, "hpc_nodes_alloc") == 1);
            assertEquals(next.epoch(), v(taken, "hpc_head_epoch"));
            assertTrue(next.epoch() > first.epoch());
            assertEquals(1, v(taken, "hpc_head_takeovers_total"));
            assertEquals(5, v(taken, "hpc_jobs"));
            assertEquals(3, v(taken, "hpc_jobs_hold"));
            assertEquals(0, v(taken, "hpc_jobs_submitted_total"), "counters count from the head's takeover");
            assertEquals(3, v(taken, "hpc_user_jobs_pending", "username", USER));
        } catch (Exception | AssertionError e) {
            cluster.printLogs("the test failed: " + e);
            throw e;
        } finally {
            cluster.close();
        }
    }
}
