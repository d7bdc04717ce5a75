package dev.hpc.head.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;

/**
 * A measurement, not part of the suite (the name does not end in Test): the web view with many jobs.
 * {@code mvn -o test -pl job-api,head-node -Dtest=WebViewLoadCheck -Dsurefire.failIfNoSpecifiedTests=false
 * -Djobs=100000}. Prints how long the submissions, the page's load, a sort and a filter took.
 */
@ExtendWith(Chromium.class)
class WebViewLoadCheck {
    @TempDir
    Path dir;

    @Test
    void manyJobs(WebDriver browser) throws Exception {
        int n = Integer.getInteger("jobs", 100_000);
        try (RunningHead head = RunningHead.start(Files.createDirectories(dir.resolve("head")), "big")) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Semaphore inFlight = new Semaphore(128);
            AtomicInteger failed = new AtomicInteger();
            String body = "{\"script\":\"#!/bin/bash\\necho hi\\n\",\"options\":[\"-h\"],\"submitDir\":\"/tmp\"}";
            CompletableFuture<?>[] all = new CompletableFuture<?>[n];
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                all[i] = http.sendAsync(HttpRequest.newBuilder(URI.create(head.baseUrl() + "/api/v1/jobs"))
                        .header("Authorization", "Bearer " + head.tokenFor("u" + i % 7))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                            inFlight.release();
                            if (e != null || r.statusCode() != 201) {
                                failed.incrementAndGet();
                            }
                        });
            }
            CompletableFuture.allOf(all).join();
            assertEquals(0, failed.get(), "failed submissions");
            report("submitted " + n + " held jobs", t0);

            WebPage page = new WebPage(browser, head.baseUrl(), Duration.ofMinutes(3)).withToken(head.adminToken());
            JavascriptExecutor js = (JavascriptExecutor) browser;
            long t1 = System.nanoTime();
            browser.get(head.baseUrl() + "/");
            page.awaitLive();
            String all1 = String.format("%,d shown of %,d jobs", n, n);
            page.awaitUntil("every job is loaded", d -> page.text("queue-count").equals(all1) ? Boolean.TRUE : null);
            report("page loaded every job", t1);
            System.err.println("  page fetches (queued/server/download ms @start): " + js.executeScript(
                    "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/jobs?'))"
                    + ".map(e => Math.round(e.requestStart - e.startTime) + '/' + Math.round(e.responseStart"
                    + " - e.requestStart) + '/' + Math.round(e.responseEnd - e.responseStart) + '@'"
                    + " + Math.round(e.startTime)).join(' ');"));

            long t2 = System.nanoTime();
            page.sortBy("name");
            page.awaitUntil("sorted by name", d -> "ascending".equals(page.attribute("sort-name", "aria-sort"))
                    ? Boolean.TRUE : null);
            report("sorted by name", t2);
            long t3 = System.nanoTime();
            page.filterUser("u3");
            page.awaitUntil("filtered", d -> page.text("queue-count").startsWith(
                    String.format("%,d shown", (n + 3) / 7)) ? Boolean.TRUE : null);
            report("filtered by user", t3);
            long rows = (Long) js.executeScript("return document.querySelectorAll('#queue-window .row').length;");
            System.err.println("  rows in the page: " + rows + ", JS heap: " + js.executeScript(
                    "return performance.memory ? Math.round(performance.memory.usedJSHeapSize / 1e6) + ' MB' : '?';"));
            assertTrue(rows < 200, "only the rows in sight are in the page: " + rows);
            page.screenshot("queue-many");
        }
    }

    private static void report(String what, long since) {
        System.err.println("LOAD CHECK " + what + " in " + (System.nanoTime() - since) / 1_000_000 + " ms");
    }
}
