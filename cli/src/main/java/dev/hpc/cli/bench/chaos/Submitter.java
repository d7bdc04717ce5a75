package dev.hpc.cli.bench.chaos;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.cli.ClientOptions;
import dev.hpc.cli.bench.BenchSupport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends the run's submissions from {@code submitters} threads, as the {@link Gate} lets them go: every
 * {@code qsubEvery}-th through {@code bin/qsub}, the others through {@code HeadClient.submit} with a key of our
 * own. Every job is the marker job. Also sends the probes that measure a takeover, with one key each, resent
 * until a head accepts it. What was sent and what came back is kept for the accounting.
 */
final class Submitter {
    private final ChaosSettings settings;
    private final JobFiles files;
    private final HeadClient patient;
    private final QsubRunner qsub;
    private final Gate gate;
    private final PrintWriter log;
    private final ConcurrentLinkedQueue<Submission> sent = new ConcurrentLinkedQueue<>();
    private final AtomicInteger next = new AtomicInteger(1);
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicInteger probes = new AtomicInteger();
    /** When the cluster was up ({@code System.nanoTime()}): acknowledgements are timed from it. */
    private final long upNanos;

    Submitter(ChaosSettings settings, JobFiles files, HeadClient patient, QsubRunner qsub, Gate gate,
              PrintWriter log, long upNanos) {
        this.upNanos = upNanos;
        this.settings = settings;
        this.files = files;
        this.patient = patient;
        this.qsub = qsub;
        this.gate = gate;
        this.log = log;
    }

    /** Sends every submission; returns when all have an answer or gave up. */
    void run() throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(settings.submitters(), r -> {
            Thread t = new Thread(r, "chaos-submit");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int i = 0; i < settings.submitters(); i++) {
                pool.execute(this::loop);
            }
        } finally {
            pool.shutdown();
        }
        while (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
            progress();
        }
        progress();
    }

    private void loop() {
        for (int i = next.getAndIncrement(); i <= settings.jobs(); i = next.getAndIncrement()) {
            try {
                gate.await(i);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            sent.add(submit(i));
            int n = done.incrementAndGet();
            if (n % 500 == 0) {
                progress();
            }
        }
    }

    private void progress() {
        long acked = sent.stream().filter(Submission::acknowledged).count();
        synchronized (log) {
            log.println("chaos: " + done.get() + " of " + settings.jobs() + " submissions answered, " + acked
                    + " acknowledged (probes included)");
            log.flush();
        }
    }

    private Submission submit(int index) {
        String name = "ch" + index;
        Path script = files.script(name);
        if (settings.qsubEvery() > 0 && index % settings.qsubEvery() == 0) {
            long sent = sinceUp();
            return qsub.submit(index, name, script, files.submitDir(), files.outDir()).timed(sent, sinceUp());
        }
        String key = UUID.randomUUID().toString();
        try {
            long sent = sinceUp();
            HeadClient.Accepted a = patient.submitAnswer(request(name), key);
            return Submission.acknowledged(index, name, Submission.Route.REST, key, a.job().id().toString(),
                    new Ack(a.head(), a.epoch(), sent, sinceUp()));
        } catch (HpcException e) {
            return Submission.failed(index, name, Submission.Route.REST, key, e.getMessage());
        }
    }

    /**
     * A probe: one submission, its key resent through {@code quick} (which asks the heads every few milliseconds)
     * until a head accepts it or {@code timeout} passes. Returns the milliseconds from
     * {@code sinceNanos} (a {@code System.nanoTime()}) to the acceptance, or -1.
     */
    long probe(HeadClient quick, long sinceNanos, Duration timeout) {
        int k = probes.incrementAndGet();
        String name = "probe" + k;
        String key = UUID.randomUUID().toString();
        SubmitRequest request = request(name);
        long deadline = sinceNanos + timeout.toNanos();
        String last = "";
        long first = sinceUp();
        while (System.nanoTime() - deadline < 0) {
            try {
                HeadClient.Accepted a = quick.submitAnswer(request, key);
                long ms = (System.nanoTime() - sinceNanos) / 1_000_000;
                sent.add(Submission.acknowledged(k, name, Submission.Route.PROBE, key, a.job().id().toString(),
                        new Ack(a.head(), a.epoch(), first, sinceUp())));
                return ms;
            } catch (HpcException e) {
                // no head accepts yet (dead, frozen, 503 during the takeover): the same key again
                last = e.getMessage();
            }
            BenchSupport.pause(Duration.ofMillis(10));
        }
        sent.add(Submission.failed(k, name, Submission.Route.PROBE, key, "no head accepted it within "
                + timeout.toSeconds() + " s: " + last));
        return -1;
    }

    private long sinceUp() {
        return (System.nanoTime() - upNanos) / 1_000_000;
    }

    private SubmitRequest request(String name) {
        return new SubmitRequest(files.scriptText(name), List.of("-N", name, "-j", "oe", "-o", files.outDir() + "/"),
                ClientOptions.user(), "chaos", files.submitDir().toString(),
                Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin")));
    }

    /** Every submission sent so far, probes last, each group in index order. */
    List<Submission> sent() {
        List<Submission> all = new ArrayList<>(sent);
        all.sort(Comparator.comparing(Submission::route).thenComparingInt(Submission::index));
        return all;
    }

    /** Where the jobs' scripts, outputs and marker files go. */
    record JobFiles(Path dir, Duration sleep) {
        JobFiles {
            for (String d : List.of("marks", "out", "scripts", "submit")) {
                try {
                    Files.createDirectories(dir.resolve(d));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create " + dir.resolve(d) + ": " + e.getMessage(), e);
                }
            }
        }

        Path marksDir() {
            return dir.resolve("marks");
        }

        Path outDir() {
            return dir.resolve("out");
        }

        Path submitDir() {
            return dir.resolve("submit");
        }

        String scriptText(String name) {
            return MarkerJob.script(marksDir(), name, sleep);
        }

        /** The script as a file, for qsub. */
        Path script(String name) {
            Path p = dir.resolve("scripts").resolve(name + ".sh");
            try {
                Files.writeString(p, scriptText(name), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + p + ": " + e.getMessage(), e);
            }
            return p;
        }
    }
}
