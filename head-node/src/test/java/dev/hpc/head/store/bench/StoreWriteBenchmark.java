package dev.hpc.head.store.bench;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import dev.hpc.head.store.JobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The store's durable writes alone, as the active head makes them for single submissions: each job written
 * queued, then ended, in small groups with several groups in flight (the commit pipeline's shape). Prints jobs
 * per second for each round and the data file's size, so that a change to how rows are written can be measured
 * without HTTP, Hazelcast or a second head. Not part of {@code mvn verify}; run as docs/performance.md says.
 */
public final class StoreWriteBenchmark {
    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");
    private static final String SCRIPT = "#!/bin/bash\n#PBS -N bench\n#PBS -l walltime=00:10:00\n#PBS -j oe\n"
            + "cd $PBS_O_WORKDIR\nmodule load gcc\n./solver --input data/in.dat --steps 1000\n";

    private StoreWriteBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int jobsPerRound = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int group = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int inFlight = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        Path dir = Files.createTempDirectory("store-bench");
        try (JobStore store = JobStore.open(dir)) {
            long next = 1;
            for (int round = 1; round <= rounds; round++) {
                long first = next;
                long began = System.nanoTime();
                next = write(store, first, jobsPerRound, group, inFlight, JobState.QUEUED);
                write(store, first, jobsPerRound, group, inFlight, JobState.COMPLETED);
                double seconds = (System.nanoTime() - began) / 1e9;
                System.out.printf("round %d: %,d jobs written queued then ended in %.2f s: %,.0f jobs/s, "
                                + "%,d commits and %,d folds so far, data file %,d KB%n", round, jobsPerRound, seconds,
                        jobsPerRound / seconds, store.commits(), store.folds(), size(dir) / 1024);
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long write(JobStore store, long first, int count, int group, int inFlight, JobState state)
            throws Exception {
        Deque<CompletableFuture<Void>> pending = new ArrayDeque<>();
        long n = first;
        while (n < first + count) {
            List<Job> jobs = new ArrayList<>(group);
            for (int i = 0; i < group && n < first + count; i++, n++) {
                jobs.add(aJob(n, state));
            }
            pending.add(store.write(jobs, List.of()));
            if (pending.size() >= inFlight) {
                pending.poll().get();
            }
        }
        for (CompletableFuture<Void> f : pending) {
            f.get();
        }
        return n;
    }

    private static Job aJob(long number, JobState state) {
        JobSpec spec = new JobSpec("bench", "alice", "login1", SCRIPT, "/home/alice/run", "/home/alice/run",
                Map.of("PBS_O_HOME", "/home/alice", "PATH", "/usr/local/bin:/usr/bin:/bin", "LANG", "C.UTF-8"),
                "batch", Resources.DEFAULT, Optional.empty(), List.of(), false, 0, true, "/home/alice/run/o",
                "/home/alice/run/e", JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
        Task task = new Task(-1, state, List.of(), 0, EndReason.NONE, "", state.isTerminal() ? T0 : Instant.EPOCH);
        return new Job(new JobId(number, "bench", false), spec, state, T0, List.of(task), "",
                state.isTerminal() ? 2 : 1);
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
