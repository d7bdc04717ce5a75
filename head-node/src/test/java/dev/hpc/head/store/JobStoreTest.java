package dev.hpc.head.store;

import dev.hpc.api.HpcException;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobStoreTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    @TempDir
    Path dir;

    private static Job aJob(long number, JobState state) {
        JobSpec spec = new JobSpec("job", "alice", "login", "echo hi\n", "/tmp", "/tmp", Map.of("A", "1"), "batch",
                Resources.DEFAULT, Optional.empty(), List.of(), false, 0, true, "/tmp/o", "/tmp/e", JoinMode.NONE, "",
                List.of(), "", Instant.EPOCH);
        Task t = new Task(-1, state, List.of(), 0, dev.hpc.api.job.EndReason.NONE, "", state.isTerminal() ? T0
                : Instant.EPOCH);
        return new Job(new JobId(number, "c", false), spec, state, T0, List.of(t), "", 1);
    }

    @Test
    void whatIsCommittedSurvivesAReopenAndTheNewestVersionWins() throws Exception {
        try (JobStore store = JobStore.open(dir)) {
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (long n = 1; n <= 500; n++) {
                writes.add(store.write(List.of(aJob(n, JobState.QUEUED)), List.of()));
            }
            Job done = aJob(7, JobState.COMPLETED);
            writes.add(store.write(List.of(new Job(done.id(), done.spec(), done.state(), done.submitted(),
                    done.tasks(), "", 2)), List.of()));
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertTrue(store.commits() < 500, "writes are grouped into fewer commits than changes");
        }
        try (JobStore store = JobStore.open(dir)) {
            List<Job> live = new ArrayList<>();
            store.loadLive(T0.plusSeconds(1), live::add);
            assertEquals(499, live.size(), "the completed job is history, not live");
            assertEquals(JobState.COMPLETED, store.job(7).orElseThrow().state());
            assertEquals("1", store.job(3).orElseThrow().spec().environment().get("A"));
            assertEquals(500, store.history("alice", "", List.of(), 0, 1000).size());
            assertEquals(1, store.history("", "", List.of(JobState.COMPLETED), 0, 1000).size());
        }
    }

    private static dev.hpc.api.job.NodeInfo aNode(String reason, long version) {
        return new dev.hpc.api.job.NodeInfo("node1", "h1", dev.hpc.api.job.NodeState.FREE, 4, 0, 1L << 30, 0,
                dev.hpc.api.job.Health.UNKNOWN, T0, reason, List.of(), dev.hpc.api.job.OfflineOrigin.NONE, "", false, version);
    }

    /** Issue 18: a node's properties and host resources, and a job's node constraint, survive a reopen. */
    @Test
    void nodeTraitsAndJobConstraintsSurviveAReopen() throws Exception {
        dev.hpc.api.job.NodeTraits traits = dev.hpc.api.job.NodeTraits.parse("ib,bigmem", List.of("gpu_model=v100"),
                "--properties", "--resource");
        Job plain = aJob(1, JobState.QUEUED);
        dev.hpc.api.job.NodeConstraint kind = dev.hpc.api.job.NodeConstraint.parseFeatures("ib|opa")
                .and(dev.hpc.api.job.NodeConstraint.resource("gpu_model", "v100"));
        Job job = new Job(plain.id(), plain.spec().withResources(plain.spec().resources().withConstraint(kind)),
                plain.state(), plain.submitted(), plain.tasks(), "", 1);
        try (JobStore store = JobStore.open(dir)) {
            store.write(List.of(job), List.of(aNode("", 1).withTraits(traits))).get(30, TimeUnit.SECONDS);
        }
        try (JobStore store = JobStore.open(dir)) {
            assertEquals(traits, store.loadNodes().get(0).traits());
            assertEquals(kind, store.job(1).orElseThrow().spec().resources().constraint());
        }
    }

    /** Issue 16: node records carry a version as jobs do; an older one, written later, never wins. */
    @Test
    void anOlderNodeRecordNeverOverwritesANewerOne() throws Exception {
        try (JobStore store = JobStore.open(dir)) {
            store.write(List.of(), List.of(aNode("newer", 5))).get(30, TimeUnit.SECONDS);
            store.write(List.of(), List.of(aNode("older", 4))).get(30, TimeUnit.SECONDS);
            assertEquals("newer", store.loadNodes().get(0).reason());
            assertEquals(5, store.loadNodes().get(0).version());
            store.write(List.of(), List.of(aNode("older in one batch", 3), aNode("newest", 6)))
                    .get(30, TimeUnit.SECONDS);
        }
        try (JobStore store = JobStore.open(dir)) {
            assertEquals("newest", store.loadNodes().get(0).reason());
            assertEquals(6, store.loadNodes().get(0).version());
        }
    }

    /** Issue 15: an array's unstarted tasks are one entry of its row, and read back as every task. */
    @Test
    void aMillionTaskArrayIsWrittenAsItsStartedTaskAndOneEntryAndReadsBackWhole() throws Exception {
        JobSpec plain = aJob(1, JobState.QUEUED).spec();
        JobSpec spec = new JobSpec("sweep", "alice", "login", "echo hi\n", "/tmp", "/tmp", Map.of(), "batch",
                Resources.DEFAULT, Optional.of(new dev.hpc.api.job.ArraySpec("0-999999",
                dev.hpc.api.job.IndexSet.parse("0-999999"), 0)), List.of(), false, 0, true, plain.stdoutPath(),
                plain.stderrPath(), JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
        dev.hpc.api.job.Attempt ran = new dev.hpc.api.job.Attempt(4_294_967_297L, List.of(new dev.hpc.api.job.NodeSlot("n1", 1, 0)),
                T0, T0.plusSeconds(3), JobState.COMPLETED, dev.hpc.api.job.EndReason.EXITED, 0);
        Task first = new Task(0, JobState.COMPLETED, List.of(ran), 0, dev.hpc.api.job.EndReason.EXITED, "",
                T0.plusSeconds(3));
        dev.hpc.api.job.UnstartedTasks rest = dev.hpc.api.job.UnstartedTasks.fresh(dev.hpc.api.job.IndexSet.parse("1-999999"),
                false);
        Job array = new Job(new JobId(9, "c", true), spec, JobState.QUEUED, T0,
                dev.hpc.api.job.TaskList.of(List.of(first), rest), "", 4);
        try (JobStore store = JobStore.open(dir)) {
            store.write(List.of(array), List.of()).get(30, TimeUnit.SECONDS);
        }
        try (JobStore store = JobStore.open(dir)) {
            List<Job> live = new ArrayList<>();
            store.loadLive(T0, live::add);
            assertEquals(List.of(array), live);
            assertEquals(1_000_000, live.get(0).tasks().size());
            assertEquals(List.of(first), live.get(0).listedTasks());
            List<String> users = new ArrayList<>();
            store.loadUsage(T0.plusSeconds(3), java.time.Duration.ofDays(7), (u, s, at) -> users.add(u + " " + s));
            assertEquals(List.of("alice 3.0"), users, "the one attempt's usage, once");
        }
    }

    /** qmgr's queues are a setting: the newer version wins, and it survives reopening the store, twice. */
    @Test
    void aSettingSurvivesReopeningAndAnOlderVersionNeverWins() throws Exception {
        try (JobStore store = JobStore.open(dir)) {
            store.write(List.of(), List.of(), List.of(), Map.of("queues", "{\"version\": 5, \"v\": \"newer\"}"))
                    .get(30, TimeUnit.SECONDS);
            store.write(List.of(), List.of(), List.of(), Map.of("queues", "{\"version\": 4, \"v\": \"older\"}"))
                    .get(30, TimeUnit.SECONDS);
        }
        for (int reopen = 0; reopen < 2; reopen++) {
            try (JobStore store = JobStore.open(dir)) {
                assertTrue(store.setting("queues").orElseThrow().contains("newer"), store.setting("queues").get());
                assertEquals(Optional.empty(), store.setting("other"));
            }
        }
    }

    private static JobSpec anArray(String indices) {
        JobSpec plain = aJob(1, JobState.QUEUED).spec();
        return new JobSpec("sweep", "alice", "login", "echo hi\n", "/tmp", "/tmp", Map.of(), "batch", Resources.DEFAULT,
                Optional.of(new dev.hpc.api.job.ArraySpec(indices, dev.hpc.api.job.IndexSet.parse(indices), 0)), List.of(),
                false, 0, true, plain.stdoutPath(), plain.stderrPath(), JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
    }

    /** Array job 9's first sealed segment: tasks 0 and 1, attempts 1 and 2. */
    private static final dev.hpc.api.job.TaskSegment FIRST_SEGMENT = new dev.hpc.api.job.TaskSegment(9, 0, 3,
            List.of(endedAt(0, 1), endedAt(1, 2)));
    /** Its second: tasks 2 and 4, attempts 3 and 4. */
    private static final dev.hpc.api.job.TaskSegment SECOND_SEGMENT = new dev.hpc.api.job.TaskSegment(9, 1, 5,
            List.of(endedAt(2, 3), endedAt(4, 4)));

    /** Array job 9 of tasks 0-9: task 3 ended and listed, 5-9 not started, the others sealed in {@code segments}. */
    private static Job arraySealed(long version, dev.hpc.api.job.TaskSegment... segments) {
        return new Job(new JobId(9, "c", true), anArray("0-9"), JobState.QUEUED, T0,
                dev.hpc.api.job.TaskList.of(List.of(endedAt(3, 5)),
                        dev.hpc.api.job.UnstartedTasks.fresh(dev.hpc.api.job.IndexSet.parse("5-9"), false),
                        List.of(segments)), "", version);
    }

    private static Task endedAt(int index, long attempt) {
        dev.hpc.api.job.Attempt ran = new dev.hpc.api.job.Attempt(attempt, List.of(new dev.hpc.api.job.NodeSlot("n1", 2, 0)), T0,
                T0.plusSeconds(1), JobState.COMPLETED, dev.hpc.api.job.EndReason.EXITED, 0);
        return new Task(index, JobState.COMPLETED, List.of(ran), 0, dev.hpc.api.job.EndReason.EXITED, "", T0.plusSeconds(1));
    }

    /**
     * Issue 15: an array's sealed tasks are rows of their own, written once; the job's row names how many there
     * are, and reads back whole. Usage is charged once per attempt, sealed in the same commit as it ended or not.
     */
    @Test
    void sealedSegmentsAreRowsOfTheirOwnAndTheJobReadsBackWhole() throws Exception {
        dev.hpc.api.job.TaskSegment first = FIRST_SEGMENT;
        dev.hpc.api.job.TaskSegment second = SECOND_SEGMENT;
        Job sealedOnce = arraySealed(3, first);
        Job sealedTwice = arraySealed(5, first, second);
        try (JobStore store = JobStore.open(dir)) {
            store.write(List.of(sealedOnce), List.of(), List.of(first)).get(30, TimeUnit.SECONDS);
            // task 4 ended and was sealed in one commit: its usage comes with its segment
            store.write(List.of(sealedTwice), List.of(), List.of(second)).get(30, TimeUnit.SECONDS);
            assertEquals(sealedTwice, store.job(9).orElseThrow());
        }
        try (JobStore store = JobStore.open(dir)) {
            List<Job> live = new ArrayList<>();
            store.loadLive(T0, live::add);
            assertEquals(List.of(sealedTwice), live);
            assertEquals(List.of(endedAt(3, 5)), live.get(0).listedTasks());
            assertEquals(List.of(first, second), live.get(0).segments());
            assertEquals(List.of(sealedTwice), store.history("alice", "", List.of(), 0, 10));
            List<String> users = new ArrayList<>();
            store.loadUsage(T0.plusSeconds(1), java.time.Duration.ofDays(7), (u, s, at) -> users.add(u + " " + s));
            assertEquals(List.of("alice 10.0"), users, "five attempts of two cores for a second, each once");
        }
    }

    /** A job row that names a segment the store does not hold is a broken store, said as such, not a short job. */
    @Test
    void aMissingSegmentIsReportedNotSkipped() throws Exception {
        JobSpec spec = anArray("0-1");
        dev.hpc.api.job.TaskSegment only = new dev.hpc.api.job.TaskSegment(9, 0, 3, List.of(endedAt(0, 1), endedAt(1, 2)));
        Job job = new Job(new JobId(9, "c", true), spec, JobState.COMPLETED, T0, dev.hpc.api.job.TaskList.of(List.of(),
                dev.hpc.api.job.UnstartedTasks.NONE, List.of(only)), "", 3);
        try (JobStore store = JobStore.open(dir)) {
            store.write(List.of(job), List.of()).get(30, TimeUnit.SECONDS); // the segment left out
            HpcException e = assertThrows(HpcException.class, () -> store.job(9));
            assertTrue(e.getMessage().contains("names 1 segments of ended tasks but the store holds 0"),
                    e.getMessage());
        }
    }

    /**
     * Issue 21: a batch is acknowledged once it is in the change log, and folded into the tables later. A head
     * killed in between (here: its files copied as they are on disk at that moment, the copy opened as a new
     * head would) replays the log: every acknowledged job is there, the array's segments from the log and the
     * table both, its usage charged once.
     */
    @Test
    void whatWasAcknowledgedButNotYetFoldedIsReplayedAtTheNextStart() throws Exception {
        dev.hpc.api.job.TaskSegment first = FIRST_SEGMENT;
        dev.hpc.api.job.TaskSegment second = SECOND_SEGMENT;
        Job sealedOnce = arraySealed(3, first);
        Job sealedTwice = arraySealed(5, first, second);
        Path killed = dir.resolve("killed");
        try (JobStore store = JobStore.open(dir.resolve("live"), java.time.Duration.ofHours(1))) {
            store.write(List.of(sealedOnce), List.of(), List.of(first)).get(30, TimeUnit.SECONDS);
            store.history("", "", List.of(), 0, 10); // a read folds: segment 0 is in the table from here on
            for (long n = 1; n <= 8; n++) {
                store.write(List.of(aJob(n, JobState.QUEUED)), List.of()).get(30, TimeUnit.SECONDS);
            }
            store.write(List.of(sealedTwice, aJob(8, JobState.COMPLETED)), List.of(), List.of(second))
                    .get(30, TimeUnit.SECONDS);
            assertEquals(1, store.folds(), "nothing folded since the read");
            copyAsOnDisk(dir.resolve("live"), killed);
        }
        assertTrue(Files.size(killed.resolve(JobStore.CHANGE_LOG)) > 0, "the copy holds an unfolded log");
        try (JobStore store = JobStore.open(killed)) {
            assertEquals(0, Files.size(killed.resolve(JobStore.CHANGE_LOG)), "the log is folded at the start");
            List<Job> live = new ArrayList<>();
            store.loadLive(T0, live::add);
            assertEquals(9, live.size(), "jobs 1 to 8 and the array");
            assertEquals(JobState.COMPLETED, store.job(8).orElseThrow().state());
            assertEquals(sealedTwice, store.job(9).orElseThrow());
            List<String> users = new ArrayList<>();
            store.loadUsage(T0.plusSeconds(1), java.time.Duration.ofDays(7), (u, s, at) -> users.add(u + " " + s));
            assertEquals(List.of("alice 10.0"), users, "five attempts of two cores for a second, each once");
        }
    }

    /** Any local user could read every job's script and environment in a data directory of mode 0755. */
    @Test
    void theDataDirectoryAndTheChangeLogAreTheHeadsUserAlone() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (JobStore store = JobStore.open(data)) {
            store.write(List.of(aJob(1, JobState.QUEUED)), List.of()).get(30, TimeUnit.SECONDS);
            assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(data)));
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(data.resolve(JobStore.CHANGE_LOG))));
        }
    }

    /**
     * A fold that fails comes after its changes were acknowledged, so no write of a caller fails with it: the store
     * says so to whoever stops the head, refuses every later write, refuses reads of tables that miss what it
     * acknowledged, and keeps its log, which the next start must fold before it goes on.
     */
    @Test
    void aFoldThatFailsStopsTheStoreTellsTheHeadAndKeepsTheLog() throws Exception {
        Job queued = aJob(2, JobState.QUEUED);
        // no table can hold this date, though the log can: the fold fails where the commit did not
        Job unfoldable = new Job(queued.id(), queued.spec(), queued.state(), Instant.MAX, queued.tasks(), "", 1);
        List<Exception> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (JobStore store = JobStore.open(dir, java.time.Duration.ofHours(1))) {
            store.onFailure(told::add);
            store.write(List.of(aJob(1, JobState.QUEUED)), List.of()).get(30, TimeUnit.SECONDS);
            store.write(List.of(unfoldable), List.of()).get(30, TimeUnit.SECONDS);
            assertEquals(List.of(), told, "both were acknowledged");
            HpcException refused = assertThrows(HpcException.class, () -> store.job(1));
            assertTrue(refused.getMessage().contains("the store's tables miss changes it acknowledged"),
                    refused.getMessage());
            assertEquals(1, told.size(), "told once: " + told);
            java.util.concurrent.ExecutionException later = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> store.write(List.of(aJob(3, JobState.QUEUED)), List.of()).get(30, TimeUnit.SECONDS));
            assertTrue(later.getCause().getMessage().contains("refuses writes after a failed commit"),
                    later.getCause().getMessage());
        }
        assertTrue(Files.size(dir.resolve(JobStore.CHANGE_LOG)) > 0, "the acknowledged changes stay in the log");
        HpcException reopened = assertThrows(HpcException.class, () -> JobStore.open(dir));
        assertTrue(reopened.getMessage().contains("cannot fold the change log"), reopened.getMessage());
    }

    /** A read of the tables sees every write acknowledged before it, though the writer has not folded yet. */
    @Test
    void aReadSeesEveryAcknowledgedWriteBeforeTheFoldIsDue() throws Exception {
        try (JobStore store = JobStore.open(dir, java.time.Duration.ofHours(1))) {
            store.write(List.of(aJob(1, JobState.QUEUED)), List.of()).get(30, TimeUnit.SECONDS);
            assertEquals(JobState.QUEUED, store.job(1).orElseThrow().state());
            store.write(List.of(withVersion(aJob(1, JobState.COMPLETED), 2)), List.of()).get(30, TimeUnit.SECONDS);
            assertEquals(JobState.COMPLETED, store.job(1).orElseThrow().state());
            assertEquals(1, store.history("alice", "", List.of(JobState.COMPLETED), 0, 10).size());
        }
    }

    /** The batch being appended when the head died is torn; the whole ones before it replay. */
    @Test
    void aTornLastBatchIsDroppedAndTheOnesBeforeItReplay() throws Exception {
        Path killed = killedAfterTwoBatches();
        Path log = killed.resolve(JobStore.CHANGE_LOG);
        try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(log,
                java.nio.file.StandardOpenOption.WRITE)) {
            c.truncate(Files.size(log) - 3);
        }
        try (JobStore store = JobStore.open(killed)) {
            assertEquals(JobState.QUEUED, store.job(1).orElseThrow().state());
            assertTrue(store.job(2).isEmpty(), "the torn batch was never whole, so never acknowledged");
            store.write(List.of(aJob(3, JobState.QUEUED)), List.of()).get(30, TimeUnit.SECONDS);
        }
        try (JobStore store = JobStore.open(killed)) {
            assertEquals(JobState.QUEUED, store.job(3).orElseThrow().state(), "the log was emptied of the torn "
                    + "batch, so what came after it replays");
        }
    }

    /**
     * A bad frame with acknowledged frames after it is not a torn write: the head refuses to start from it and
     * keeps the log, rather than start without what it acknowledged.
     */
    @Test
    void aLogDamagedBeforeItsEndStopsTheStartAndIsKept() throws Exception {
        Path killed = killedAfterTwoBatches();
        Path log = killed.resolve(JobStore.CHANGE_LOG);
        long size = Files.size(log);
        try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(log,
                java.nio.file.StandardOpenOption.WRITE)) {
            c.write(java.nio.ByteBuffer.wrap(new byte[] {'#'}), 20); // inside the first of the two batches
        }
        HpcException refused = assertThrows(HpcException.class, () -> JobStore.open(killed));
        assertTrue(refused.getMessage().contains("is damaged at byte 0, before its end"), refused.getMessage());
        assertEquals(size, Files.size(log), "the log is kept as it was");
    }

    /** A store that acknowledged jobs 1 and 2 in two batches, folded neither, and was killed: its copy. */
    private Path killedAfterTwoBatches() throws Exception {
        Path killed = dir.resolve("killed");
        try (JobStore store = JobStore.open(dir.resolve("live"), java.time.Duration.ofHours(1))) {
            store.write(List.of(aJob(1, JobState.QUEUED)), List.of()).get(30, TimeUnit.SECONDS);
            store.write(List.of(aJob(2, JobState.QUEUED)), List.of()).get(30, TimeUnit.SECONDS);
            copyAsOnDisk(dir.resolve("live"), killed);
        }
        return killed;
    }

    /** The data directory as a SIGKILL would leave it: the files' bytes as the kernel has them now. */
    private static void copyAsOnDisk(Path from, Path to) throws java.io.IOException {
        Files.createDirectories(to);
        try (java.util.stream.Stream<Path> files = Files.list(from)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".mv.db")
                    || p.getFileName().toString().equals(JobStore.CHANGE_LOG)).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private static Job withVersion(Job j, long version) {
        return new Job(j.id(), j.spec(), j.state(), j.submitted(), j.tasks(), "", version);
    }

    private static Job ownedBy(Job j, String owner) {
        JobSpec s = j.spec();
        JobSpec other = new JobSpec(s.name(), owner, s.submitHost(), s.script(), s.submitDir(), s.workDir(),
                s.environment(), s.queue(), s.resources(), s.array(), s.dependencies(), s.userHold(), s.priority(),
                s.rerunnable(), s.stdoutPath(), s.stderrPath(), s.join(), s.mailPoints(), s.mailUsers(), s.account(),
                s.notBefore());
        return new Job(j.id(), other, j.state(), j.submitted(), j.tasks(), "", j.version());
    }

    /** Regression (issue 16): writes could land out of order, and an older version overwrote a newer one. */
    @Test
    void anOlderVersionWrittenLaterNeverOverwritesANewerOne() throws Exception {
        try (JobStore store = JobStore.open(dir)) {
            store.write(List.of(withVersion(aJob(1, JobState.COMPLETED), 3)), List.of()).get(10, TimeUnit.SECONDS);
            store.write(List.of(withVersion(aJob(1, JobState.RUNNING), 2)), List.of()).get(10, TimeUnit.SECONDS);
            assertEquals(JobState.COMPLETED, store.job(1).orElseThrow().state());
            assertEquals(3, store.job(1).orElseThrow().version());
            store.write(List.of(withVersion(aJob(1, JobState.FAILED), 4)), List.of()).get(10, TimeUnit.SECONDS);
            assertEquals(JobState.FAILED, store.job(1).orElseThrow().state(), "a newer version still lands");
        }
    }

    /**
     * Regression (issue 16): after a failed commit the store went on committing later batches, so a later
     * change could be durable while an earlier one was not.
     */
    @Test
    void afterAFailedCommitEveryWriteIsRefusedAndNothingOfTheBatchLands() throws Exception {
        try (JobStore store = JobStore.open(dir)) {
            CompletableFuture<Void> good = store.write(List.of(aJob(1, JobState.QUEUED)), List.of());
            good.get(10, TimeUnit.SECONDS);
            CompletableFuture<Void> bad = store.write(List.of(aJob(2, JobState.QUEUED),
                    ownedBy(aJob(3, JobState.QUEUED), "x".repeat(300))), List.of());
            java.util.concurrent.ExecutionException failed = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> bad.get(10, TimeUnit.SECONDS));
            assertTrue(store.job(2).isEmpty(), "no part of the failed batch is durable");
            CompletableFuture<Void> later = store.write(List.of(aJob(4, JobState.QUEUED)), List.of());
            java.util.concurrent.ExecutionException refused = assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> later.get(10, TimeUnit.SECONDS));
            assertTrue(refused.getCause().getMessage().contains("refuses writes after a failed commit"),
                    refused.getCause().getMessage() + " after " + failed.getCause());
            assertTrue(store.job(4).isEmpty());
        }
    }

    @Test
    void theEpochRisesAtEveryStart() {
        try (JobStore store = JobStore.open(dir)) {
            assertEquals(1, store.nextEpoch(0));
        }
        try (JobStore store = JobStore.open(dir)) {
            assertEquals(2, store.nextEpoch(0));
        }
    }

    @Test
    void aSecondProcessOnTheSameFilesIsToldWhy() throws Exception {
        try (JobStore store = JobStore.open(dir)) {
            Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), OpenStore.class.getName(), dir.toString())
                    .redirectErrorStream(true).start();
            String out = new String(other.getInputStream().readAllBytes());
            assertTrue(other.waitFor(60, TimeUnit.SECONDS));
            assertTrue(out.contains("in use by another process"), out);
        }
        assertThrows(HpcException.class, () -> JobStore.open(Path.of("/proc/no-such-dir/x")));
    }

    /** Opens the store in another JVM, for the test above. */
    public static final class OpenStore {
        public static void main(String[] args) {
            try (JobStore s = JobStore.open(Path.of(args[0]))) {
                System.out.println("opened");
            } catch (HpcException e) {
                System.out.println(e.getMessage());
            }
        }
    }

    /** tracejob reads the alerts of one job's tasks, not those of another job or of a node named like a job. */
    @Test
    void theEventLogOfOneJobHasOnlyItsTasksAlerts() throws Exception {
        java.time.Instant t = java.time.Instant.parse("2026-11-24T10:00:00Z");
        try (JobStore store = JobStore.open(dir)) {
            store.appendEvents(List.of(
                    dev.hpc.api.job.Alert.of(dev.hpc.api.job.Alert.Kind.TASK_REQUEUED, "42.c", "task 42.c requeued", t),
                    dev.hpc.api.job.Alert.of(dev.hpc.api.job.Alert.Kind.TASK_REQUEUED, "420.c", "task 420.c requeued", t),
                    dev.hpc.api.job.Alert.of(dev.hpc.api.job.Alert.Kind.NODE_DOWN, "42.rack1", "node 42.rack1 down", t),
                    dev.hpc.api.job.Alert.of(dev.hpc.api.job.Alert.Kind.TASK_FAILED_NODE_FAILURE, "42[3].c", "task 42[3].c "
                            + "failed", t.plusSeconds(1)),
                    dev.hpc.api.job.Alert.of(dev.hpc.api.job.Alert.Kind.TASK_REQUEUED, "4.c", "task 4.c requeued", t)));

            assertEquals(List.of("task 42.c requeued", "task 42[3].c failed"),
                    store.jobEvents(42, 100).stream().map(dev.hpc.api.job.Alert::message).toList());
            assertEquals(List.of("task 42[3].c failed"),
                    store.jobEvents(42, 1).stream().map(dev.hpc.api.job.Alert::message).toList(), "the newest ones");
            assertEquals(List.of(), store.jobEvents(7, 100));
        }
    }
}
