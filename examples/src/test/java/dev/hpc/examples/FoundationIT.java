package dev.hpc.examples;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.JobQuery;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The acceptance of the foundation, on real processes: a head and two workers of two cores started
 * from the built jars, the commands run as users run them, and the head killed with SIGKILL.
 *
 * <ul>
 *   <li>53 jobs of every kind submitted with qsub run, leave the output they should where they should,
 *       and report their exit status through {@code qstat -f};</li>
 *   <li>qdel of a running job kills its whole process tree;</li>
 *   <li>a head killed with SIGKILL and started again has every acknowledged job, does not restart the
 *       running ones, runs the queued ones and keeps the finished ones in the history (DESIGN.md
 *       invariants 1 and 3, for one head);</li>
 *   <li>bad input gets a clear error through the CLI and the REST API alike, and changes nothing
 *       (invariant 5).</li>
 * </ul>
 */
class FoundationIT {
    private static final Duration WAIT = Poll.TIMEOUT;

    @TempDir
    static Path clusterHome;

    static RealCluster cluster;

    @TempDir
    Path work;

    @BeforeAll
    static void startCluster() {
        cluster = RealCluster.start(clusterHome, 2, 2);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** What one job (or one task of an array job) must leave: its exit status and its files. */
    private record Expected(String id, String what, int exitStatus, Map<Path, String> files, List<Path> absent) {
    }

    // ------------------------------------------------------------------ 53 jobs

    @Test
    void fiftyThreeJobsOfEveryKindLeaveTheirOutputAndExitStatus() throws IOException {
        Cli cli = cluster.cli();
        Path submit = Files.createDirectories(work.resolve("submit"));
        Path custom = Files.createDirectories(work.resolve("custom"));
        Files.createDirectories(submit.resolve("relative"));
        Files.createDirectories(custom.resolve("dir"));
        String run = cluster.marker();
        List<Expected> expected = new ArrayList<>();

        // 30 jobs that print a unique line on each stream; every third is named with -N, the others
        // are named after their script file
        for (int i = 0; i < 30; i++) {
            String file = "echo-" + i + ".sh";
            String name = i % 3 == 0 ? "echo" + i : file;
            String[] options = i % 3 == 0 ? new String[] {"-N", name} : new String[0];
            String id = submit(submit, file, script("echo \"out-" + run + "-" + i + "\"",
                    "echo \"err-" + run + "-" + i + "\" >&2"), options);
            long n = number(id);
            expected.add(new Expected(id, "echo job " + i, 0, Map.of(
                    submit.resolve(name + ".o" + n), "out-" + run + "-" + i + "\n",
                    submit.resolve(name + ".e" + n), "err-" + run + "-" + i + "\n"), List.of()));
        }

        // 10 jobs that exit with their own non-zero status
        for (int code : new int[] {1, 2, 3, 7, 42, 64, 100, 127, 200, 255}) {
            String name = "exit" + code;
            String id = submit(submit, name + ".sh", script("echo \"exit-" + run + "-" + code + "\"", "exit " + code),
                    "-N", name);
            long n = number(id);
            expected.add(new Expected(id, "job exiting " + code, code, Map.of(
                    submit.resolve(name + ".o" + n), "exit-" + run + "-" + code + "\n",
                    submit.resolve(name + ".e" + n), ""), List.of()));
        }

        // 5 jobs with -j oe: both streams in the .o file, in the order written, and no .e file
        for (int j = 0; j < 5; j++) {
            String name = "joined" + j;
            int code = j == 4 ? 5 : 0;
            String id = submit(submit, name + ".sh", script("echo \"o1-" + run + "-" + j + "\"",
                    "echo \"e1-" + run + "-" + j + "\" >&2", "echo \"o2-" + run + "-" + j + "\"", "exit " + code),
                    "-N", name, "-j", "oe");
            long n = number(id);
            expected.add(new Expected(id, "job with -j oe " + j, code, Map.of(submit.resolve(name + ".o" + n),
                    "o1-" + run + "-" + j + "\ne1-" + run + "-" + j + "\no2-" + run + "-" + j + "\n"),
                    List.of(submit.resolve(name + ".e" + n))));
        }

        // 6 jobs with their own output paths
        String both = script("echo \"OUT-" + run + "\"", "echo \"ERR-" + run + "\" >&2");
        String id = submit(submit, "c1.sh", both, "-N", "c1", "-o", custom.resolve("c1.out").toString(),
                "-e", custom.resolve("c1.err").toString());
        expected.add(new Expected(id, "-o and -e absolute files", 0, Map.of(custom.resolve("c1.out"),
                "OUT-" + run + "\n", custom.resolve("c1.err"), "ERR-" + run + "\n"),
                List.of(submit.resolve("c1.o" + number(id)), submit.resolve("c1.e" + number(id)))));

        id = submit(submit, "c2.sh", both, "-N", "c2", "-o", "relative/c2.out");
        expected.add(new Expected(id, "-o relative to the submit directory", 0, Map.of(
                submit.resolve("relative/c2.out"), "OUT-" + run + "\n", submit.resolve("c2.e" + number(id)),
                "ERR-" + run + "\n"), List.of(submit.resolve("c2.o" + number(id)))));

        id = submit(submit, "c3.sh", both, "-N", "c3", "-o", custom.resolve("dir") + "/",
                "-e", custom.resolve("dir") + "/");
        expected.add(new Expected(id, "-o and -e naming a directory", 0, Map.of(
                custom.resolve("dir/c3.o" + number(id)), "OUT-" + run + "\n",
                custom.resolve("dir/c3.e" + number(id)), "ERR-" + run + "\n"), List.of()));

        id = submit(submit, "c4.sh", both, "-N", "c4", "-e", custom.resolve("c4.err").toString());
        expected.add(new Expected(id, "-e alone", 0, Map.of(submit.resolve("c4.o" + number(id)), "OUT-" + run + "\n",
                custom.resolve("c4.err"), "ERR-" + run + "\n"), List.of(submit.resolve("c4.e" + number(id)))));

        id = submit(submit, "c5.sh", both, "-N", "c5", "-j", "oe", "-o", custom.resolve("c5.log").toString());
        expected.add(new Expected(id, "-j oe with -o", 0, Map.of(custom.resolve("c5.log"),
                "OUT-" + run + "\nERR-" + run + "\n"),
                List.of(submit.resolve("c5.o" + number(id)), submit.resolve("c5.e" + number(id)))));

        id = submit(submit, "c6.sh", "#!/bin/bash\n#PBS -N c6\n#PBS -o " + custom.resolve("c6.out") + "\n#PBS -e "
                + custom.resolve("c6.err") + "\necho \"OUT-" + run + "\"\necho \"ERR-" + run + "\" >&2\n");
        expected.add(new Expected(id, "#PBS -o and -e directives", 0, Map.of(custom.resolve("c6.out"),
                "OUT-" + run + "\n", custom.resolve("c6.err"), "ERR-" + run + "\n"),
                List.of(submit.resolve("c6.o" + number(id)))));

        // 1 job held at submission: its script is gone long before qrls lets it start
        String held = submit(submit, "held.sh", script("echo \"held-" + run + "\""), "-N", "held", "-h");
        assertEquals("H", attributes(held).get("job_state"), "a job submitted with -h is held");
        Cli.Result rls = cli.run("qrls", held);
        assertEquals(0, rls.exitCode(), rls.describe());
        assertEquals("", rls.out() + rls.err(), "qrls is silent on success: " + rls.describe());
        expected.add(new Expected(held, "job held with -h, released after its script was deleted", 0, Map.of(
                submit.resolve("held.o" + number(held)), "held-" + run + "\n",
                submit.resolve("held.e" + number(held)), ""), List.of()));

        // 1 array job of 5 tasks; task 4 fails
        String array = submit(submit, "arr.sh", script("echo \"arr-" + run + "-$PBS_ARRAYID $PBS_JOBID\"",
                "if [ \"$PBS_ARRAYID\" = 4 ]; then exit 44; fi"), "-N", "arr", "-t", "1-5");
        long an = number(array);
        List<Expected> tasks = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            String task = an + "[" + i + "]." + cluster.name();
            tasks.add(new Expected(task, "array task " + i, i == 4 ? 44 : 0, Map.of(
                    submit.resolve("arr.o" + an + "-" + i), "arr-" + run + "-" + i + " " + task + "\n",
                    submit.resolve("arr.e" + an + "-" + i), ""), List.of()));
        }
        expected.add(new Expected(array, "array job (first non-zero status of its tasks)", 44, Map.of(), List.of()));

        List<String> ids = expected.stream().map(Expected::id).toList();
        assertEquals(53, ids.size());
        awaitFinished(ids);

        // every job's state and exit status through qstat -f, in one call
        Cli.Result full = cli.run("qstat", array(concat(List.of("-f"), ids)));
        assertEquals(0, full.exitCode(), full.describe());
        assertEquals("", full.err(), full.describe());
        Map<String, Map<String, String>> shown = QstatFull.parse(full.out());
        Cli.Result fullTasks = cli.run("qstat", "-f", "-t", array);
        assertEquals(0, fullTasks.exitCode(), fullTasks.describe());
        shown.putAll(QstatFull.parse(fullTasks.out()));

        List<String> problems = new ArrayList<>();
        List<Expected> all = new ArrayList<>(expected);
        all.addAll(tasks);
        for (Expected e : all) {
            Map<String, String> a = shown.get(e.id());
            if (a == null) {
                problems.add(e.id() + " (" + e.what() + "): not in qstat -f");
                continue;
            }
            if (!"F".equals(a.get("job_state")) || !String.valueOf(e.exitStatus()).equals(a.get("exit_status"))) {
                problems.add(e.id() + " (" + e.what() + "): job_state " + a.get("job_state") + " exit_status "
                        + a.get("exit_status") + ", expected C and " + e.exitStatus());
            }
            for (Map.Entry<Path, String> f : new TreeMap<>(e.files()).entrySet()) {
                if (!Files.exists(f.getKey())) {
                    problems.add(e.id() + " (" + e.what() + "): " + f.getKey() + " is missing");
                } else {
                    String content = Files.readString(f.getKey(), StandardCharsets.UTF_8);
                    if (!content.equals(f.getValue())) {
                        problems.add(e.id() + " (" + e.what() + "): " + f.getKey() + " holds [" + content
                                + "], expected [" + f.getValue() + "]");
                    }
                }
            }
            for (Path p : e.absent()) {
                if (Files.exists(p)) {
                    problems.add(e.id() + " (" + e.what() + "): " + p + " should not exist");
                }
            }
        }
        assertEquals(List.of(), problems, problems.size() + " of " + all.size() + " jobs and tasks are wrong");
    }

    // ------------------------------------------------------------------ qdel

    @Test
    void qdelKillsTheWholeProcessTreeOfARunningJob() throws IOException {
        Cli cli = cluster.cli();
        String m = cluster.marker();
        Path leaderFile = work.resolve("leader.pid");
        // background sleeps, a subshell with its own sleep, and one that left for a session of its own;
        // the marker in their arguments finds them
        String id = submit(work, "tree.sh", script("echo $$ > " + leaderFile,
                "sleep 300." + m + "1 &", "sleep 300." + m + "2 &", "( sleep 300." + m + "3; true ) &",
                "setsid sleep 300." + m + "4 &", "wait"), "-N", "tree");
        List<Procs.Proc> tree = Poll.value("the 4 sleeps of job " + id + " run", WAIT, () -> {
            List<Procs.Proc> found = Procs.withCommandLineContaining(m);
            return found.size() >= 4 && Files.exists(leaderFile) ? Optional.of(found) : Optional.empty();
        }, () -> Procs.withCommandLineContaining(m) + ", job " + attributes(id).get("job_state"));
        long leader = Long.parseLong(Files.readString(leaderFile).strip());
        assertEquals("R", attributes(id).get("job_state"), "job " + id + " runs");

        Cli.Result del = cli.run("qdel", id);
        assertEquals(0, del.exitCode(), del.describe());
        assertEquals("", del.out() + del.err(), "qdel is silent on success: " + del.describe());

        Poll.until("job " + id + " ends after qdel", WAIT, () -> "F".equals(attributes(id).get("job_state")),
                () -> attributes(id).toString());
        List<Procs.Proc> left = Procs.withCommandLineContaining(m);
        assertEquals(List.of(), left, "processes of job " + id + " outlive qdel (its tree was " + tree + ")");
        assertFalse(Procs.alive(leader), "the job's shell (pid " + leader + ") outlives qdel");
        Map<String, String> a = attributes(id);
        assertEquals("271", a.get("exit_status"), "a job cancelled with SIGTERM exits 256 + 15: " + a);
    }

    // ------------------------------------------------------------------ errors

    @Test
    void badRequestsGetAClearErrorThroughCliAndRestAndChangeNothing() throws Exception {
        Cli cli = cluster.cli();
        long jobsBefore = cluster.jobCount();
        long listedBefore = listedJobs();

        // a malformed directive: refused, and the message names the line
        Path bad = write(work, "bad.sh", "#!/bin/bash\n#PBS -N refused1\n#PBS -l walltime=soon\necho never\n");
        Cli.Result r = cli.qsubIn(work, bad.toString());
        assertEquals(1, r.exitCode(), r.describe());
        assertEquals("", r.out(), r.describe());
        assertTrue(r.err().startsWith("qsub: line 3: ") && r.err().contains("walltime"),
                "the error names line 3 and what is wrong there: " + r.describe());

        Path unknown = write(work, "unknown.sh", "#!/bin/bash\n#PBS -N refused2\n#PBS -Z 1\necho never\n");
        r = cli.qsubIn(work, unknown.toString());
        assertEquals(1, r.exitCode(), r.describe());
        assertTrue(r.err().startsWith("qsub: line 3: ") && r.err().contains("-Z"),
                "the error names line 3 and the option: " + r.describe());

        // an impossible request: more cores than any node has
        Path ok = write(work, "ok.sh", script("echo never"));
        r = cli.qsubIn(work, "-N", "refused3", "-l", "nodes=1:ppn=64", ok.toString());
        assertEquals(1, r.exitCode(), r.describe());
        assertEquals("", r.out(), r.describe());
        assertTrue(r.err().startsWith("qsub: ") && r.err().contains("64") && r.err().contains("at most "
                + cluster.coresPerWorker()), "the error says what was asked and what is possible: " + r.describe());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.describe());

        // unknown job ids
        r = cli.run("qstat", "9999");
        assertEquals(153, r.exitCode(), r.describe());
        assertEquals("", r.out(), r.describe());
        assertEquals("qstat: Unknown Job Id 9999", r.err().strip(), r.describe());
        r = cli.run("qdel", "9999");
        assertEquals(153, r.exitCode(), r.describe());
        assertEquals("qdel: Unknown Job Id 9999", r.err().strip(), r.describe());

        // the same through the REST API
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Map<String, Object> malformed = submitBody("#!/bin/bash\n#PBS -N refused4\n#PBS -l walltime=soon\necho x\n",
                List.of());
        assertError(post(http, "/jobs", malformed), 400, "BAD_REQUEST", "line 3");
        Map<String, Object> impossible = submitBody("#!/bin/bash\necho x\n",
                List.of("-N", "refused5", "-l", "nodes=1:ppn=64"));
        assertError(post(http, "/jobs", impossible), 400, "BAD_REQUEST", "64");
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(cluster.apiUrl() + "/jobs/9999"))
                .header("Authorization", "Bearer " + cluster.token()).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(get, 404, "UNKNOWN_JOB", "9999");
        HttpResponse<String> cancel = post(http, "/jobs/9999/cancel", Map.of());
        assertError(cancel, 404, "UNKNOWN_JOB", "9999");

        // nothing was created
        assertEquals(jobsBefore, cluster.jobCount(), "the refused submissions changed the job count");
        assertEquals(listedBefore, listedJobs(), "the refused submissions changed the job listing");
        List<Job> everything = new ArrayList<>(cluster.client().allJobs(JobQuery.all()));
        everything.addAll(cluster.client().allJobs(JobQuery.all().withHistory(true)));
        List<String> refused = everything.stream().map(j -> j.spec().name()).filter(n -> n.startsWith("refused"))
                .toList();
        assertEquals(List.of(), refused, "refused submissions left jobs behind");
    }

    /** The jobs {@code GET /api/v1/jobs} lists (the history is written behind, so it is not counted). */
    private static long listedJobs() {
        return cluster.client().allJobs(JobQuery.all()).size();
    }

    private static Map<String, Object> submitBody(String script, List<String> options) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("script", script);
        body.put("options", options);
        body.put("user", System.getProperty("user.name"));
        body.put("submitHost", "localhost");
        body.put("submitDir", "/tmp");
        body.put("environment", Map.of());
        return body;
    }

    private static HttpResponse<String> post(HttpClient http, String path, Map<String, Object> body)
            throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(cluster.apiUrl() + path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + cluster.token())
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> response, int status, String code, String inMessage) {
        String what = response.request().method() + " " + response.request().uri() + " -> " + response.statusCode()
                + " " + response.body();
        assertEquals(status, response.statusCode(), what);
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), what);
        JsonFields body = Json.readObject(response.body());
        assertEquals(code, body.string("code"), what);
        assertTrue(body.string("message").contains(inMessage), "the message names " + inMessage + ": " + what);
    }

    // ------------------------------------------------------------------ head killed with SIGKILL

    @Test
    void aHeadKilledWithSigkillKeepsEveryAcknowledgedJobAndRestartsNoRunningOne() throws IOException {
        try (RealCluster c = RealCluster.start(work.resolve("cluster"), 2, 2)) {
            Cli cli = c.cli();
            Path dir = Files.createDirectories(work.resolve("jobs"));
            Path release = dir.resolve("release");
            int slots = c.workers() * c.coresPerWorker();

            // finished before the kill
            List<String> finished = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                finished.add(submit(c, dir, "finished" + i, script("echo finished-" + i)));
            }
            awaitFinished(c, finished);

            // running at the kill: one per core, each writes its pid to a file at every start and then
            // waits for the release file (giving up after two minutes)
            List<String> running = new ArrayList<>();
            for (int i = 0; i < slots; i++) {
                running.add(submit(c, dir, "long" + i, script("echo $$ >> " + dir.resolve("long" + i + ".starts"),
                        "n=0", "while [ ! -e " + release + " ] && [ $n -lt 1200 ]; do sleep 0.1; n=$((n+1)); done",
                        "[ -e " + release + " ] || exit 99", "echo released-" + i)));
            }
            Poll.until("the " + slots + " long jobs run and wrote their pids", WAIT, () -> {
                for (int i = 0; i < slots; i++) {
                    if (RealCluster.lines(dir.resolve("long" + i + ".starts")).isEmpty()
                            || c.job(running.get(i)).state() != JobState.RUNNING) {
                        return false;
                    }
                }
                return true;
            }, () -> states(c, running));
            List<Long> pids = new ArrayList<>();
            for (int i = 0; i < slots; i++) {
                pids.add(Long.parseLong(RealCluster.lines(dir.resolve("long" + i + ".starts")).get(0).strip()));
            }

            // queued at the kill: more than the cores, which are all taken
            List<String> queued = new ArrayList<>();
            for (int i = 0; i < slots + 2; i++) {
                queued.add(submit(c, dir, "queued" + i, script("echo queued-" + i)));
            }
            for (String q : queued) {
                assertEquals(JobState.QUEUED, c.job(q).state(), "job " + q + " waits: every core is taken");
            }
            List<String> acknowledged = concat(concat(finished, running), queued);

            c.killHead();
            assertFalse(c.headAlive(), "the head is dead after SIGKILL");
            for (long pid : pids) {
                assertTrue(Procs.alive(pid), "task process " + pid + " lives on without the head");
            }
            c.restartHead();

            // every acknowledged job is still known
            Cli.Result known = Poll.value("the restarted head answers qstat for all " + acknowledged.size() + " jobs",
                    WAIT, () -> {
                        Cli.Result q = cli.run("qstat", array(acknowledged));
                        return q.exitCode() == 0 ? Optional.of(q) : Optional.empty();
                    }, () -> cli.run("qstat", array(acknowledged)).describe());
            for (String id : acknowledged) {
                assertTrue(known.out().contains(id), "qstat after the restart lists " + id + ": " + known.describe());
            }
            Poll.until("both workers are back with the restarted head", WAIT, c::workersUp,
                    () -> c.client().nodes().toString());

            // the running ones were not restarted, the queued ones still wait, the finished ones are history
            Map<String, Map<String, String>> after = QstatFull.parse(cli.run("qstat", array(concat(List.of("-f"),
                    acknowledged))).out());
            for (String id : running) {
                assertEquals("R", after.get(id).get("job_state"), "job " + id + " still runs: " + after.get(id));
                assertEquals("1", after.get(id).get("run_count"), "job " + id + " was not restarted: " + after.get(id));
            }
            for (String id : queued) {
                assertEquals("Q", after.get(id).get("job_state"), "job " + id + " still waits: " + after.get(id));
            }
            for (String id : finished) {
                assertEquals("F", after.get(id).get("job_state"), "job " + id + ": " + after.get(id));
                assertEquals("0", after.get(id).get("exit_status"), "job " + id + ": " + after.get(id));
            }
            assertHistoryShowsFinished(cli, finished);

            Files.writeString(release, "go\n");
            awaitFinished(c, acknowledged);
            Map<String, Map<String, String>> end = QstatFull.parse(cli.run("qstat", array(concat(List.of("-f"),
                    acknowledged))).out());
            for (String id : acknowledged) {
                assertEquals("F", end.get(id).get("job_state"), "job " + id + ": " + end.get(id));
                assertEquals("0", end.get(id).get("exit_status"), "job " + id + ": " + end.get(id));
            }
            for (int i = 0; i < slots; i++) {
                String id = running.get(i);
                assertEquals(List.of(String.valueOf(pids.get(i))), RealCluster.lines(dir.resolve("long" + i + ".starts")),
                        "job " + id + " started once, as pid " + pids.get(i));
                assertEquals("1", end.get(id).get("run_count"), "job " + id + ": " + end.get(id));
                assertEquals("released-" + i + "\n", Files.readString(dir.resolve("long" + i + ".o" + number(id))));
            }
            for (int i = 0; i < queued.size(); i++) {
                String id = queued.get(i);
                assertEquals("queued-" + i + "\n", Files.readString(dir.resolve("queued" + i + ".o" + number(id))),
                        "job " + id + " ran after the restart");
            }
            for (int i = 0; i < finished.size(); i++) {
                String id = finished.get(i);
                assertEquals("finished-" + i + "\n", Files.readString(dir.resolve("finished" + i + ".o" + number(id))));
            }
            assertHistoryShowsFinished(cli, acknowledged);
        }
    }

    /** {@code qstat -x} lists each of {@code ids} as F (finished). */
    private static void assertHistoryShowsFinished(Cli cli, List<String> ids) {
        Cli.Result x = cli.run("qstat", "-x");
        assertEquals(0, x.exitCode(), x.describe());
        Map<String, String> letters = new LinkedHashMap<>();
        for (String line : x.out().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6) {
                letters.put(f[0], f[4]);
            }
        }
        for (String id : ids) {
            assertEquals("F", letters.get(id), "qstat -x shows " + id + " finished: " + x.describe());
        }
    }

    // ------------------------------------------------------------------ helpers

    private static final Pattern ID = Pattern.compile("\\d+(\\[\\])?\\.[A-Za-z0-9.-]+\n");

    /**
     * Writes {@code text} to {@code dir/file}, submits it with qsub from {@code dir}, checks that qsub
     * printed nothing but the job id, and deletes the script at once. Returns the id.
     */
    private static String submit(Path dir, String file, String text, String... options) throws IOException {
        return submit(cluster, dir, file, text, options);
    }

    private static String submit(RealCluster c, Path dir, String file, String text, String... options)
            throws IOException {
        Path script = write(dir, file, text);
        List<String> args = new ArrayList<>(List.of(options));
        args.add(script.toString());
        Cli.Result r = c.cli().qsubIn(dir, args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(ID.matcher(r.out()).matches() && r.out().strip().endsWith("." + c.name()),
                "qsub prints the job id alone: " + r.describe());
        assertEquals("", r.err(), r.describe());
        Files.delete(script);
        return r.line();
    }

    /** A job named {@code name} from a script of the same name, submitted in {@code dir}. */
    private static String submit(RealCluster c, Path dir, String name, String text) throws IOException {
        return submit(c, dir, name + ".sh", text, "-N", name);
    }

    private static Path write(Path dir, String file, String text) throws IOException {
        return Files.writeString(dir.resolve(file), text, StandardCharsets.UTF_8);
    }

    private static String script(String... lines) {
        return "#!/bin/bash\n" + String.join("\n", lines) + "\n";
    }

    /** 42 of {@code 42.cluster} or {@code 42[].cluster}. */
    private static long number(String id) {
        return Long.parseLong(id.replaceAll("^(\\d+).*$", "$1"));
    }

    private static Map<String, String> attributes(String id) {
        Cli.Result r = cluster.cli().run("qstat", "-f", id);
        assertEquals(0, r.exitCode(), r.describe());
        return QstatFull.parse(r.out()).getOrDefault(id, Map.of());
    }

    private static void awaitFinished(List<String> ids) {
        awaitFinished(cluster, ids);
    }

    private static void awaitFinished(RealCluster c, List<String> ids) {
        Poll.until("all " + ids.size() + " jobs finish", WAIT, () -> ids.stream()
                .allMatch(id -> c.job(id).state().isTerminal()), () -> states(c, ids));
    }

    /** How many of {@code ids} are in each state, and which are not finished. */
    private static String states(RealCluster c, List<String> ids) {
        Map<JobState, List<String>> by = new TreeMap<>();
        for (String id : ids) {
            Job j = c.job(id);
            by.computeIfAbsent(j.state(), s -> new ArrayList<>()).add(id);
        }
        return by.entrySet().stream().map(e -> e.getKey() + "=" + (e.getKey().isTerminal() ? e.getValue().size()
                : e.getValue().toString())).collect(Collectors.joining(", "));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static String[] array(List<String> words) {
        return words.toArray(String[]::new);
    }
}
