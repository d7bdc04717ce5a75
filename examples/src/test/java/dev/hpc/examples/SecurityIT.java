package dev.hpc.examples;

import dev.hpc.api.client.ApiToken;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.client.HpcApiException;
import dev.hpc.api.client.JobQuery;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.pbs.SubmitRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue #8's acceptance on real processes: a job runs with its owner's uid on a worker running as
 * root, another user can neither cancel, hold, alter nor read it (and nothing changes), and one user
 * flooding the head with submissions does not stop another user's qstat from answering; and issue
 * #15's: another user sees a job's public attributes only, and no credential travels with a job.
 */
class SecurityIT {
    private static final String USER_A = "hpctesta";
    private static final String USER_B = "hpctestb";
    private static final Duration FLOOD = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    private static RealCluster cluster;

    @BeforeAll
    static void startCluster() throws IOException {
        // the workers' spools are in here, and jobs running as their owners must reach their scripts
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        cluster = RealCluster.start(dir, 2, 2);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aJobRunsAsItsOwnerAndNoOtherUserMayTouchIt() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "skipped: the workers must run as root to start jobs as another user; run the suite as root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/useradd")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "skipped: useradd (package passwd) and setpriv (util-linux) are needed to make the test users");
        int uidA = ensureUser(USER_A);
        ensureUser(USER_B);
        Cli asA = cluster.cliWithToken(tokenFile(USER_A));
        Cli asB = cluster.cliWithToken(tokenFile(USER_B));
        // the owner, not root, writes the output here: a directory anybody may write, as /tmp is
        Path work = Files.createTempDirectory(Path.of("/tmp"), "hpc-security-it");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        try {
            Path whoami = Files.writeString(work.resolve("whoami.sh"), "#!/bin/sh\n#PBS -N whoami\nid -u\nid -un\n");
            Cli.Result first = asA.qsubIn(work, whoami.toString());
            assertEquals(0, first.exitCode(), first.describe());
            Path sleeper = Files.writeString(work.resolve("sleeper.sh"), "#!/bin/sh\n#PBS -N sleeper\nsleep 300\n");
            Cli.Result second = asA.qsubIn(work, sleeper.toString());
            assertEquals(0, second.exitCode(), second.describe());
            String running = second.line();
            Poll.until(running + " to run", Duration.ofSeconds(60),
                    () -> cluster.client().job(running).state() == JobState.RUNNING);

            for (String[] attempt : List.of(new String[] {"qdel", running}, new String[] {"qhold", running},
                    new String[] {"qalter", "-N", "renamed", running}, new String[] {"qpeek", running})) {
                Cli.Result refused = asB.run(attempt[0], java.util.Arrays.copyOfRange(attempt, 1, attempt.length));
                assertNotEquals(0, refused.exitCode(), refused.describe());
                assertTrue(refused.err().contains("belongs to " + USER_A), refused.describe());
            }
            Job after = cluster.client().job(running);
            assertEquals(JobState.RUNNING, after.state(), "refusals must change nothing: " + after);
            assertEquals("sleeper", after.spec().name());
            assertTrue(after.tasks().stream().allMatch(t -> t.holds().isEmpty()), "no hold was set: " + after);

            // RUNNING is set when the head dispatches; the worker has the output once it has started the task
            Poll.until("the owner to read the output of " + running, Duration.ofSeconds(30),
                    () -> asA.run("qpeek", running).exitCode() == 0, () -> asA.run("qpeek", running).describe());
            Cli.Result qdel = asA.run("qdel", running);
            assertEquals(0, qdel.exitCode(), "the owner may cancel: " + qdel.describe());

            String done = first.line();
            Poll.until(done + " to complete", Duration.ofSeconds(60),
                    () -> cluster.client().job(done).state() == JobState.COMPLETED);
            Path out = work.resolve("whoami.o" + done.substring(0, done.indexOf('.')));
            Poll.until(out + " to be written", Duration.ofSeconds(30), () -> Files.exists(out));
            assertEquals(uidA + "\n" + USER_A + "\n", Files.readString(out), "the job ran as its owner");
            assertEquals(USER_A, Files.getOwner(out).getName(), "the owner, not the agent, made the output file");
        } finally {
            run(List.of("rm", "-rf", work.toString()));
        }
    }

    /**
     * Issue #15 on real processes: {@code bin/qsub -V} sends the caller's environment less the
     * cluster's credentials, and another user's {@code qstat -f} shows the job's public attributes,
     * never its variables, script or paths, while its owner's shows all of them.
     */
    @Test
    void anotherUserSeesOnlyThePublicAttributesAndNoCredentialTravelsWithAJob() throws Exception {
        Path work = Files.createTempDirectory(dir, "visibility");
        Path script = Files.writeString(work.resolve("private.sh"),
                "#!/bin/sh\n#PBS -N private -h\necho SECRET_IN_SCRIPT\n");
        Cli.Result submitted = cluster.cli().process(work, "qsub", "-V", "-v", "MY_SECRET=s3cr3t-value",
                script.toString());
        assertEquals(0, submitted.exitCode(), submitted.describe());
        String id = submitted.line();
        try {
            Job stored = cluster.client().job(id);
            Map<String, String> env = stored.spec().environment();
            assertEquals("s3cr3t-value", env.get("MY_SECRET"));
            assertTrue(env.containsKey("HPC_CONFIG"), "-V copied the caller's other variables: " + env.keySet());
            assertFalse(env.containsKey("HPC_TOKEN_FILE"), "a credential travelled with the job: " + env.keySet());
            assertFalse(env.containsKey("HPC_TOKEN"));

            Cli reader = cluster.cliWithToken(tokenFile("hpcreader"));
            Cli.Result full = reader.run("qstat", "-f", id);
            assertEquals(0, full.exitCode(), full.describe());
            assertTrue(full.out().contains("Job_Name = private"), full.describe());
            for (String withheld : List.of("Variable_List", "Output_Path", "init_work_dir", "s3cr3t-value",
                    work.toString())) {
                assertFalse(full.out().contains(withheld), withheld + " shown to another user: " + full.describe());
            }
            Cli.Result listing = reader.run("qstat");
            assertTrue(listing.out().contains(id.substring(0, id.indexOf('.'))), "listings are open by default: "
                    + listing.describe());

            Cli.Result own = cluster.cli().run("qstat", "-f", id);
            assertTrue(own.out().contains("MY_SECRET=s3cr3t-value") && own.out().contains("Output_Path"),
                    own.describe());
        } finally {
            cluster.cli().run("qdel", id);
        }
    }

    @Test
    void oneUserFloodingTheHeadDoesNotStopAnotherUsersQstat() throws Exception {
        HeadClient admin = cluster.client();
        HeadClient flooder = cluster.clientFor(admin.createToken("flooder", "user").token());
        HeadClient reader = cluster.clientFor(admin.createToken("reader", "user").token());
        Job watched = admin.submit(heldJob("watched"));

        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong dropped = new AtomicLong();
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> floods = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            floods.add(pool.submit(() -> {
                while (flooding.get()) {
                    try {
                        flooder.submit(heldJob("flood"));
                        accepted.incrementAndGet();
                    } catch (HpcApiException e) {
                        if (e.status() != 429 && e.status() != 403) {
                            throw e;
                        }
                        refused.incrementAndGet();
                    } catch (HeadTransport.UnavailableException e) {
                        // the flooder's own connection closed under its flood (a refused one is closed after
                        // its answer, and a request already on its way meets the close): its loss, not the
                        // reader's, whose every call below must be answered
                        dropped.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        List<Long> oneJob = Collections.synchronizedList(new ArrayList<>());
        List<Long> listing = new ArrayList<>();
        long end = System.nanoTime() + FLOOD.toNanos();
        try {
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                assertEquals(watched.id(), reader.job(watched.id().toString()).id());
                long t1 = System.nanoTime();
                reader.jobs(JobQuery.all().withLimit(100));
                long t2 = System.nanoTime();
                oneJob.add(t1 - t0);
                listing.add(t2 - t1);
            }
        } finally {
            flooding.set(false);
            pool.shutdown();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS), "the flooding threads did not stop");
        }
        for (Future<?> f : floods) {
            f.get();
        }
        assertTrue(accepted.get() > 0, "the flood submitted nothing");
        System.out.printf("flood for %d s: %d submissions accepted (%.0f/s), %d refused, %d dropped with their "
                        + "connection; reader's qstat of one job %s; listing of 100 %s%n", FLOOD.toSeconds(),
                accepted.get(), accepted.get() / (double) FLOOD.toSeconds(), refused.get(), dropped.get(),
                spread(oneJob), spread(listing));
        // every reader call above answered within the client's 10 s request timeout (one that did not threw);
        // how promptly is recorded, not asserted
    }

    private static SubmitRequest heldJob(String name) {
        return new SubmitRequest("#!/bin/sh\ntrue\n", List.of("-N", name, "-h"), "", "it", "/tmp", Map.of());
    }

    private static String spread(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return String.format("median %.1f ms, p99 %.1f ms, max %.1f ms over %d calls",
                sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) Math.min(sorted.size() - 1,
                        Math.ceil(sorted.size() * 0.99) - 1)) / 1e6, sorted.get(sorted.size() - 1) / 1e6, sorted.size());
    }

    /** Makes the user (with a home) if missing, and returns its uid. */
    private static int ensureUser(String user) throws IOException {
        if (run(List.of("id", "-u", user)).exitCode() != 0) {
            Ran made = run(List.of("useradd", "-m", "-s", "/bin/sh", user));
            assertEquals(0, made.exitCode(), "useradd " + user + ": " + made.output());
        }
        return Integer.parseInt(run(List.of("id", "-u", user)).output().strip());
    }

    private record Ran(int exitCode, String output) {
    }

    private static Ran run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not end within 60 s");
            }
            return new Ran(p.exitValue(), output);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    /** A token of role user for the OS user, in a file only root may read, as ~/.hpc/token would be. */
    private static Path tokenFile(String user) {
        Path file = dir.resolve(user + ".token");
        if (!Files.exists(file)) {
            ApiToken.install(file, cluster.client().createToken(user, "user").token());
        }
        return file;
    }
}
