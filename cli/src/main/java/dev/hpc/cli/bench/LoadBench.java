package dev.hpc.cli.bench;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.JobQuery;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.json.Json;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.cli.ClientOptions;
import dev.hpc.cli.ExitCodes;
import dev.hpc.cli.UsageException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The load measurements of {@code hpc bench} against any running cluster: how fast submissions
 * are accepted ({@code submit}), how fast trivial jobs flow through ({@code throughput}) and how
 * soon a job starts on an idle cluster ({@code latency}). Each acknowledgement includes the
 * durable write and, with a standby, the replication.
 */
final class LoadBench {
    private LoadBench() {
    }

    /**
     * {@code true} in bash, its output to /dev/null as compare-slurm.sh asks of Slurm: the benchmark's
     * jobs leave no files behind (a few runs had left 100,000 in the temporary directory).
     */
    static SubmitRequest trivialJob(String user, String options) {
        List<String> opts = new ArrayList<>(List.of("-o", "/dev/null", "-e", "/dev/null"));
        if (!options.isBlank()) {
            opts.addAll(List.of(options.trim().split("\\s+")));
        }
        return new SubmitRequest("#!/bin/bash\ntrue\n", opts, user, "bench", Path.of(System.getProperty(
                "java.io.tmpdir")).toString(), Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin")));
    }

    /** Submits {@code n} copies of {@code job} from {@code threads} clients at once; returns their ids. */
    static List<String> submitConcurrently(HeadClient head, SubmitRequest job, int n, int threads) throws Exception {
        return submitConcurrently(head, job, n, threads, 1);
    }

    /** {@code n} submissions from {@code threads} clients, {@code batch} to a request ({@code POST /jobs/batch}). */
    static List<String> submitConcurrently(HeadClient head, SubmitRequest job, int n, int threads, int batch)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int share = n / threads + (t < n % threads ? 1 : 0);
                parts.add(pool.submit(() -> {
                    List<String> ids = new ArrayList<>();
                    while (ids.size() < share) {
                        int size = Math.min(batch, share - ids.size());
                        if (size == 1) {
                            ids.add(head.submit(job).id().toString());
                        } else {
                            ids.addAll(head.submitAll(Collections.nCopies(size, job)));
                        }
                    }
                    return ids;
                }));
            }
            List<String> ids = new ArrayList<>();
            for (Future<List<String>> f : parts) {
                ids.addAll(f.get());
            }
            return ids;
        } finally {
            pool.shutdown();
        }
    }

    static void print(CommandSpec spec, boolean json, Map<String, Object> result, String table) {
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? Json.writePretty(result) + "\n" : table);
        out.flush();
    }

    /**
     * Waits until no job submitted by the benchmark is left unfinished, asking every 100 ms as
     * {@code compare-slurm.sh} asks Slurm's {@code squeue}. Each poll asks for the first queued or
     * running job numbered from the benchmark's first on, one job per request: fetching each job in
     * turn took ~1,000 requests per run, and an array's whole state at every poll, from the head whose
     * work is being measured. Other users' jobs in that range are stepped over.
     */
    static void awaitDone(HeadClient head, List<String> ids, Duration timeout) {
        Set<Long> ours = new HashSet<>();
        for (String id : ids) {
            ours.add(number(id));
        }
        long first = Collections.min(ours);
        long last = Collections.max(ours);
        Instant end = Instant.now().plus(timeout);
        Function<Long, Optional<Job>> firstQueuedOrRunningAfter = after -> head.jobs(
                JobQuery.all().withStates(List.of(JobState.QUEUED, JobState.HELD, JobState.RUNNING))
                        .withAfter(Long.toString(after)).withLimit(1)).jobs().stream().findFirst();
        while (true) {
            Optional<Job> unfinished = firstUnfinished(firstQueuedOrRunningAfter, ours, first, last);
            if (unfinished.isEmpty()) {
                return;
            }
            if (Instant.now().isAfter(end)) {
                throw new UsageException("gave up after " + timeout.toSeconds() + " s: job " + unfinished.get().id()
                        + " is still " + unfinished.get().state());
            }
            sleep(100);
        }
    }

    /** The number of a job id as the head prints it: {@code 42.c}, {@code 42[].c}. */
    static long number(String id) {
        int end = 0;
        while (end < id.length() && Character.isDigit(id.charAt(end))) {
            end++;
        }
        return Long.parseLong(id.substring(0, end));
    }

    /** The first of {@code ours} not finished yet, stepping over other jobs numbered among them. */
    static Optional<Job> firstUnfinished(Function<Long, Optional<Job>> firstQueuedOrRunningAfter,
                                         Set<Long> ours, long first, long last) {
        long after = first - 1;
        while (true) {
            Optional<Job> j = firstQueuedOrRunningAfter.apply(after);
            if (j.isEmpty() || j.get().id().number() > last) {
                return Optional.empty();
            }
            if (ours.contains(j.get().id().number())) {
                return j;
            }
            after = j.get().id().number();
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UsageException("interrupted");
        }
    }

    @Command(name = "submit", mixinStandardHelpOptions = true,
            description = "Submissions accepted per second through the REST API, by one client and by several "
                    + "at once, and through the qsub command in a shell loop.")
    static final class Submit implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Option(names = "--jobs", defaultValue = "2000", description = "submissions per measurement (default 2000)")
        int jobs;
        @Option(names = "--clients", defaultValue = "4", description = "concurrent clients (default 4)")
        int clients;
        @Option(names = "--qsub", defaultValue = "100",
                description = "qsub commands in a shell loop (default 100; 0 to skip)")
        int qsubRuns;
        @Option(names = "--batch", defaultValue = "0",
                description = "also submit in batches of this many jobs a request from --clients clients "
                        + "(POST /jobs/batch; 2 to 1000; default 0: skip)")
        int batch;
        @Option(names = "--single", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "measure one job a request, from 1 and from --clients clients (default; --no-single "
                        + "measures only the batches)")
        boolean single;
        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (jobs < 1 || clients < 1 || qsubRuns < 0) {
                throw new UsageException("--jobs and --clients must be at least 1, --qsub at least 0");
            }
            if (batch != 0 && (batch < 2 || batch > 1000)) {
                throw new UsageException("--batch must be from 2 to 1000 jobs a request, or 0 to skip it");
            }
            if (!single && batch == 0 && qsubRuns == 0) {
                throw new UsageException("nothing to measure: --no-single with neither --batch N nor --qsub N; "
                        + "give --batch N to measure batches of N jobs a request");
            }
            HeadClient head = client.client();
            SubmitRequest job = trivialJob("", "-h");
            double one = single ? rate(head, job, jobs, 1) : Double.NaN;
            double many = single ? rate(head, job, jobs, clients) : Double.NaN;
            double batched = batch == 0 ? Double.NaN : rate(head, job, jobs, clients, batch);
            double qsub = qsubRuns == 0 ? Double.NaN : qsubLoop(qsubRuns);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("jobs", jobs);
            m.put("clients", clients);
            if (single) {
                m.put("oneClientPerSecond", Figures.round(one));
                m.put("concurrentPerSecond", Figures.round(many));
            }
            if (batch > 0) {
                m.put("batch", batch);
                m.put("batchedPerSecond", Figures.round(batched));
            }
            if (qsubRuns > 0) {
                m.put("qsubLoopPerSecond", Figures.round(qsub));
            }
            // only the rows of what was measured: a skipped form would print as NaN
            StringBuilder table = new StringBuilder(String.format(
                    "submissions accepted per second (held jobs, durable%s)%n",
                    head.heads().size() > 1 ? " and replicated" : ""));
            if (single) {
                table.append(String.format("  REST, 1 client:      %10.1f%n  REST, %d clients:     %10.1f%n", one,
                        clients, many));
            }
            if (batch > 0) {
                table.append(String.format("  REST, %d clients, batches of %d: %10.1f%n", clients, batch, batched));
            }
            if (qsubRuns > 0) {
                table.append(String.format("  qsub in a shell loop: %9.1f  (%d runs)%n", qsub, qsubRuns));
            }
            print(spec, json, m, table.toString());
            return ExitCodes.OK;
        }

        /** Submits held jobs (so the measurement is of acceptance alone) and cancels them after. */
        private static double rate(HeadClient head, SubmitRequest job, int n, int threads) throws Exception {
            return rate(head, job, n, threads, 1);
        }

        private static double rate(HeadClient head, SubmitRequest job, int n, int threads, int batch) throws Exception {
            long start = System.nanoTime();
            List<String> ids = submitConcurrently(head, job, n, threads, batch);
            double seconds = (System.nanoTime() - start) / 1e9;
            for (String id : ids) {
                head.cancel(id);
            }
            return n / seconds;
        }

        /** {@code for i in ...; do echo true | qsub -h; done}, timed, then the jobs are cancelled. */
        private double qsubLoop(int runs) throws Exception {
            String home = System.getProperty("hpc.home", ".");
            String script = "for i in $(seq " + runs + "); do echo true | '" + home + "/bin/qsub' -h "
                    + serverOption() + " >> \"$IDS\" || exit 1; done";
            Path ids = Files.createTempFile("bench-qsub", ".ids");
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).inheritIO();
            pb.environment().put("IDS", ids.toString());
            long start = System.nanoTime();
            int code = pb.start().waitFor();
            double seconds = (System.nanoTime() - start) / 1e9;
            HeadClient head = client.client();
            for (String id : Files.readAllLines(ids)) {
                if (!id.isBlank()) {
                    head.cancel(id.trim());
                }
            }
            Files.deleteIfExists(ids);
            if (code != 0) {
                throw new UsageException("the qsub loop failed with exit code " + code);
            }
            return runs / seconds;
        }

        private String serverOption() {
            return "--server " + String.join(",", client.client().heads());
        }
    }

    @Command(name = "throughput", mixinStandardHelpOptions = true,
            description = "Trivial jobs (true) from the first submission to the last completion, as N jobs and "
                    + "as one array job of N tasks.")
    static final class Throughput implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Option(names = "--jobs", defaultValue = "1000", description = "jobs (and array tasks) to run (default 1000)")
        int jobs;
        @Option(names = "--clients", defaultValue = "4", description = "concurrent submitters (default 4)")
        int clients;
        @Option(names = "--timeout", defaultValue = "600", description = "give up after this many seconds")
        int timeout;
        @Option(names = "--json", description = "print JSON")
        boolean json;
        @Option(names = "--array", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "also run the array job of N tasks (default); --no-array runs the N jobs alone")
        boolean withArray;

        @Override
        public Integer call() throws Exception {
            if (jobs < 1 || clients < 1) {
                throw new UsageException("--jobs and --clients must be at least 1");
            }
            HeadClient head = client.client();
            SubmitRequest job = trivialJob("", "");
            long start = System.nanoTime();
            List<String> ids = submitConcurrently(head, job, jobs, clients);
            awaitDone(head, ids, Duration.ofSeconds(timeout));
            double jobsSeconds = (System.nanoTime() - start) / 1e9;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("jobs", jobs);
            m.put("jobsSeconds", Figures.round(jobsSeconds));
            m.put("jobsPerSecond", Figures.round(jobs / jobsSeconds));
            String table = String.format("%d trivial jobs, first submission to last completion: %.1f s, %.1f jobs/s%n",
                    jobs, jobsSeconds, jobs / jobsSeconds);
            if (!withArray) {
                print(spec, json, m, table);
                return ExitCodes.OK;
            }
            long arrayStart = System.nanoTime();
            Job array = head.submit(trivialJob("", "-t 1-" + jobs));
            awaitDone(head, List.of(array.id().toString()), Duration.ofSeconds(timeout));
            double arraySeconds = (System.nanoTime() - arrayStart) / 1e9;
            m.put("arrayTasksSeconds", Figures.round(arraySeconds));
            m.put("arrayTasksPerSecond", Figures.round(jobs / arraySeconds));
            print(spec, json, m, table + String.format("one array job of %d tasks: %.1f s, %.1f tasks/s%n", jobs,
                    arraySeconds, jobs / arraySeconds));
            return ExitCodes.OK;
        }
    }

    @Command(name = "latency", mixinStandardHelpOptions = true,
            description = "Submit-to-start and submit-to-finish of single jobs on an idle cluster, by the head's "
                    + "own clock (acceptance, scheduling, dispatch and the worker's start).")
    static final class Latency implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Option(names = "--runs", defaultValue = "50", description = "jobs, one after the other (default 50)")
        int runs;
        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            if (runs < 1) {
                throw new UsageException("--runs must be at least 1");
            }
            HeadClient head = client.client();
            Figures toStart = new Figures();
            Figures toFinish = new Figures();
            for (int i = 0; i < runs; i++) {
                Job submitted = head.submit(trivialJob("", ""));
                String id = submitted.id().toString();
                awaitDone(head, List.of(id), Duration.ofSeconds(60));
                Job done = head.job(id);
                if (done.state() != JobState.COMPLETED || done.tasks().get(0).attempts().isEmpty()) {
                    throw new UsageException("job " + id + " ended " + done.state() + "; latency needs jobs that run");
                }
                Instant accepted = done.submitted();
                toStart.add(Duration.between(accepted, done.tasks().get(0).attempts().get(0).start()).toNanos() / 1e6);
                toFinish.add(Duration.between(accepted, done.ended()).toNanos() / 1e6);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("submitToStart", toStart.toMap());
            m.put("submitToFinish", toFinish.toMap());
            print(spec, json, m, String.format("%d single jobs on an idle cluster (ms)     median     p99     min"
                            + "     max%n  submit to start  %27.1f %7.1f %7.1f %7.1f%n  submit to finish %27.1f %7.1f "
                            + "%7.1f %7.1f%n", runs, toStart.median(), toStart.percentile(99), toStart.min(),
                    toStart.max(), toFinish.median(), toFinish.percentile(99), toFinish.min(), toFinish.max()));
            return ExitCodes.OK;
        }
    }
}
