package dev.hpc.head.metrics;

import dev.hpc.api.job.JobState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 23: the samples the web view's charts draw, so that they survive a reload of the page. */
class ClusterHistoryTest {
    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

    @Test
    void keepsTheNewestSamplesOldestFirst() {
        ClusterHistory history = new ClusterHistory(Duration.ofSeconds(10), 3);
        for (int i = 0; i < 5; i++) {
            history.record(T0.plusSeconds(10L * i), Map.of(JobState.RUNNING, i), 8, i, 2L * i);
        }
        List<ClusterHistory.Sample> samples = history.samples();
        assertEquals(List.of(T0.plusSeconds(20), T0.plusSeconds(30), T0.plusSeconds(40)),
                samples.stream().map(ClusterHistory.Sample::time).toList());
        assertEquals(4, samples.get(2).jobs().get("RUNNING"));
    }

    @Test
    void aSampleShowsEveryStateAndTheCores() {
        ClusterHistory history = new ClusterHistory(Duration.ofSeconds(10), 3);
        history.record(T0, Map.of(JobState.QUEUED, 2), 8, 3, 5);
        Map<String, Object> json = history.samples().get(0).toJson();
        Map<?, ?> jobs = (Map<?, ?>) json.get("jobs");
        assertEquals(JobState.values().length, jobs.size(), "every state, 0 where none: " + jobs);
        assertEquals(2, jobs.get("QUEUED"));
        assertEquals(0, jobs.get("RUNNING"));
        assertEquals(Map.of("total", 8, "used", 3), json.get("cores"));
        assertEquals(T0.toString(), json.get("time"));
        assertEquals(5L, json.get("ended"), "the jobs ended so far, whose differences are the throughput");
    }

    @Test
    void aHeadThatStopsLeadingForgetsItsSamples() {
        ClusterHistory history = new ClusterHistory(Duration.ofSeconds(10), 3);
        history.record(T0, Map.of(), 0, 0, 0);
        history.clear();
        assertTrue(history.samples().isEmpty());
    }
}
