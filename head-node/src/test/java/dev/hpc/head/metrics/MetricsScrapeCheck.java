package dev.hpc.head.metrics;

import dev.hpc.api.job.ArraySpec;
import dev.hpc.api.job.IndexSet;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.head.HeadConfig;
import dev.hpc.head.web.RunningHead;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A measurement, not part of the suite (the name does not end in Test): what one scrape of {@code /metrics} costs
 * with many jobs. {@code mvn -o test -pl job-api,head-node -Dtest=MetricsScrapeCheck
 * -Dsurefire.failIfNoSpecifiedTests=false -Djobs=100000 -Dusers=500}: submits that many jobs of that many users
 * and an array of a million tasks, then prints the time of the state thread's part, of a whole scrape over HTTP,
 * and, beside them, of the cluster summary, which passes over every job.
 */
class MetricsScrapeCheck {
    @TempDir
    Path dir;

    @Test
    void manyJobs() throws Exception {
        int n = Integer.getInteger("jobs", 100_000);
        int users = Integer.getInteger("users", 500);
        try (RunningHead head = RunningHead.start(HeadConfig.defaults("head1", "big", dir).withPort(0))) {
            long began = System.nanoTime();
            List<CompletableFuture<?>> pending = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String owner = "user" + (i % users);
                pending.add(head.service().submit(new JobSpec("j" + i, owner, "login", "#!/bin/sh\ntrue\n",
                        "/home/" + owner, "/home/" + owner, Map.of(), "batch", Resources.DEFAULT, Optional.empty(),
                        List.of(), true, 0, true, "", "", JoinMode.NONE, "", List.of(), "", Instant.EPOCH), false));
                if (pending.size() == 1024) {
                    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
                    pending.clear();
                }
            }
            pending.add(head.service().submit(new JobSpec("sweep", "user0", "login", "#!/bin/sh\ntrue\n", "/home/user0",
                    "/home/user0", Map.of(), "batch", Resources.DEFAULT, Optional.of(new ArraySpec("0-999999",
                    IndexSet.parse("0-999999"), 0)), List.of(), false, 0, true, "", "", JoinMode.NONE, "", List.of(), "",
                    Instant.EPOCH), false));
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
            System.out.printf("submitted %d jobs of %d users and an array of 1,000,000 tasks in %.1f s%n", n, users,
                    (System.nanoTime() - began) / 1e9);

            String token = head.tokenFor("prometheus");
            long[] figures = new long[30];
            long[] scrapes = new long[30];
            long[] summaries = new long[30];
            int bytes = 0;
            for (int i = 0; i < 30; i++) {
                long t = System.nanoTime();
                head.service().reads().figures().join();
                figures[i] = System.nanoTime() - t;
                t = System.nanoTime();
                HttpResponse<String> r = head.getWithToken("/metrics", token);
                scrapes[i] = System.nanoTime() - t;
                assertEquals(200, r.statusCode());
                bytes = r.body().length();
                PrometheusText m = PrometheusText.parse(r.body());
                assertEquals(n + 1, m.value("hpc_jobs_pending").orElseThrow());
                t = System.nanoTime();
                head.service().reads().summary().join();
                summaries[i] = System.nanoTime() - t;
            }
            System.out.printf("figures on the state thread: median %.2f ms; a whole scrape over HTTP (%d bytes): "
                    + "median %.2f ms; the cluster summary (a pass over every job): median %.2f ms%n",
                    median(figures), bytes, median(scrapes), median(summaries));
        }
    }

    private static double median(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }
}
