package dev.hpc.examples;

import com.sun.net.httpserver.HttpServer;
import dev.hpc.api.job.Alert;
import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.job.OfflineOrigin;
import dev.hpc.api.job.Task;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The acceptance of issue 4 (node health and requeue) on real processes: heads and workers started
 * from the built jars with a short node timeout (2 s, heartbeats every 500 ms), workers killed with
 * SIGKILL or frozen with SIGSTOP, and a real health-check script.
 *
 * <ul>
 *   <li>a worker "crashes" (SIGKILL to the agent and to its tasks, as when a machine loses power)
 *       during 200 short tasks: every task completes, the head counts each once, the dead node is
 *       down with a reason, and requeue and node-down alerts reach the event log and the webhook;</li>
 *   <li>a worker frozen with SIGSTOP past the timeout and resumed: its tasks ran elsewhere, its stale
 *       attempts were killed, no result counted twice, and it came back;</li>
 *   <li>a failing health check takes its node offline with the script's message, no task lands
 *       there, and fixing the script brings it back; pbsnodes -o/-c/-l work alongside;</li>
 *   <li>a {@code qsub -r n} job on a crashed node ends F with the node-failure reason, while a
 *       rerunnable one is requeued and shows its attempts in {@code qstat -f}.</li>
 * </ul>
 */
class NodeFailureIT {
    private static final Duration WAIT = Poll.TIMEOUT;
    private static final List<String> FAST_DETECTION = List.of("--node-timeout", "2s", "--heartbeat", "500ms");

    @TempDir
    Path home;

    @TempDir
    Path work;

    // ------------------------------------------------------------------ SIGKILL during 200 tasks

    @Test
    void aWorkerKilledDuringTwoHundredTasksLosesNoTaskAndRunsNoneTwice() throws Exception {
        try (Webhook hook = Webhook.start()) {
            List<String> headArgs = new ArrayList<>(FAST_DETECTION);
            headArgs.addAll(List.of("--alert-webhook", hook.url()));
            try (RealCluster c = RealCluster.start(home, 3, 2, s -> s.withHeadArgs(headArgs))) {
                Path log = work.resolve("attempts.log");
                Path out = Files.createDirectories(work.resolve("out"));
                String id = submit(c, "many", script(
                        "attempt=$(basename \"$(dirname \"$TMPDIR\")\")",
                        "echo \"$PBS_ARRAYID $HPC_WORKER_NODE $attempt start\" >> " + log,
                        "sleep 0.3",
                        "echo \"$PBS_ARRAYID $HPC_WORKER_NODE $attempt done\" >> " + log),
                        "-t", "1-200", "-j", "oe", "-o", out + "/");

                Poll.until("20 tasks are done and node2 runs some", WAIT,
                        () -> lines(log, "done").size() >= 20 && !c.client().node("node2").tasks().isEmpty(),
                        () -> lines(log, "done").size() + " done; node2 runs " + c.client().node("node2").tasks());
                crash(c, "node2");

                NodeInfo down = Poll.value("node2 is marked down", WAIT, () -> Optional.of(c.client().node("node2"))
                        .filter(n -> n.state() == NodeState.DOWN));
                // a killed worker's link closes at once: found by its closed link, or else by its silence
                assertTrue(down.reason().startsWith("link ended without a goodbye, not back within 500 ms")
                        || down.reason().startsWith("no heartbeat for 2000 ms"), down.reason());
                Job job = awaitTerminal(c, id, Duration.ofMinutes(2));

                // the head: every task completed, each in exactly one attempt that completed
                assertEquals(JobState.COMPLETED, job.state(), "every task completed: " + job.state());
                assertEquals(200, job.tasks().size());
                List<Task> requeued = new ArrayList<>();
                for (Task t : job.tasks()) {
                    assertEquals(JobState.COMPLETED, t.state(), "task " + t.index());
                    assertEquals(0, t.exitStatus(), "task " + t.index());
                    assertEquals(1, t.attempts().stream().filter(a -> a.outcome() == JobState.COMPLETED).count(),
                            "task " + t.index() + " completed once: " + t.attempts());
                    if (t.attempts().size() > 1) {
                        requeued.add(t);
                        Attempt first = t.attempts().get(0);
                        Attempt last = t.attempts().get(t.attempts().size() - 1);
                        assertEquals("node2", first.nodes().get(0).node(), "only node2 failed: " + t.attempts());
                        assertEquals(EndReason.NODE_FAILURE, first.reason());
                        assertEquals(JobState.QUEUED, first.outcome(), "requeued, not failed");
                        assertFalse(last.nodes().get(0).node().equals("node2"), "it avoids the node that failed it");
                    }
                }
                assertFalse(requeued.isEmpty(), "node2 was running tasks when it was killed");

                // the files: each task's completing attempt wrote "done" once; only attempts that died with
                // node2 may have left a line the head never heard of (work done, result lost with the node)
                Map<String, Long> doneByAttempt = lines(log, "done").stream()
                        .collect(Collectors.groupingBy(l -> l.split(" ")[2], TreeMap::new, Collectors.counting()));
                Set<String> completing = new HashSet<>();
                for (Task t : job.tasks()) {
                    Attempt last = t.attempts().get(t.attempts().size() - 1);
                    completing.add(String.valueOf(last.id()));
                    assertEquals(1L, doneByAttempt.getOrDefault(String.valueOf(last.id()), 0L),
                            "task " + t.index() + " attempt " + last.id() + " wrote done once");
                }
                for (String line : lines(log, "done")) {
                    String[] f = line.split(" ");
                    assertTrue(completing.contains(f[2]) || f[1].equals("node2"),
                            "a done line of an attempt that did not count came from the dead node: " + line);
                }

                // the alerts: in the event log and at the webhook
                List<Alert> events = c.client().events(1000);
                assertTrue(events.stream().anyMatch(a -> a.kind() == Alert.Kind.NODE_DOWN
                        && a.subject().equals("node2")), events.toString());
                assertTrue(events.stream().anyMatch(a -> a.kind() == Alert.Kind.TASK_REQUEUED), events.toString());
                Poll.until("the webhook heard of node2 going down and of a requeue", WAIT,
                        () -> hook.kinds().contains("NODE_DOWN") && hook.kinds().contains("TASK_REQUEUED"),
                        hook::toString);
                JsonFields posted = hook.first("NODE_DOWN");
                assertEquals("node2", posted.string("subject"));
                assertEquals(c.name(), posted.string("cluster"));
            }
        }
    }

    // ------------------------------------------------------------------ SIGSTOP, then SIGCONT

    @Test
    void aWorkerFrozenPastItsTimeoutHasItsTasksRunElsewhereAndItsStaleAttemptsKilled() throws Exception {
        try (RealCluster c = RealCluster.start(home, 3, 2, s -> s.withHeadArgs(FAST_DETECTION))) {
            Path log = work.resolve("attempts.log");
            String id = submit(c, "frozen", script(
                    "attempt=$(basename \"$(dirname \"$TMPDIR\")\")",
                    "echo \"$PBS_ARRAYID $HPC_WORKER_NODE $attempt start\" >> " + log,
                    "sleep 15",
                    "echo \"$PBS_ARRAYID $HPC_WORKER_NODE $attempt done\" >> " + log),
                    "-t", "1-4", "-j", "oe", "-o", work + "/");
            Job running = Poll.value("the 4 tasks run", WAIT, () -> Optional.of(c.job(id))
                    .filter(j -> j.tasks().stream().allMatch(t -> t.state() == JobState.RUNNING)));
            Map<Integer, Long> staleOnNode1 = new TreeMap<>();
            for (Task t : running.tasks()) {
                if (nodeOf(t).equals("node1")) {
                    staleOnNode1.put(t.index(), t.currentAttemptId());
                }
            }
            assertFalse(staleOnNode1.isEmpty(), "the scheduler put tasks on node1: " + running.tasks());
            Poll.until("node1's attempts have started", WAIT, () -> staleOnNode1.values().stream()
                    .allMatch(a -> !attemptProcesses(c, "node1", a).isEmpty()));

            long pid = workerPid(c, "node1");
            signal("STOP", pid);
            try {
                Poll.until("node1 is down and its tasks run elsewhere", WAIT, () -> {
                    Job j = c.job(id);
                    return c.client().node("node1").state() == NodeState.DOWN && staleOnNode1.keySet().stream()
                            .allMatch(i -> task(j, i).state() == JobState.RUNNING && !nodeOf(task(j, i)).equals("node1"));
                });
                for (long stale : staleOnNode1.values()) {
                    assertFalse(attemptProcesses(c, "node1", stale).isEmpty(),
                            "a frozen agent does not stop its tasks: attempt " + stale + " still runs");
                }
            } finally {
                signal("CONT", pid);
            }

            Poll.until("the stale attempts are killed on node1", WAIT, () -> staleOnNode1.values().stream()
                    .allMatch(a -> attemptProcesses(c, "node1", a).isEmpty()));
            Poll.until("node1 is back", WAIT, () -> c.client().node("node1").state() != NodeState.DOWN);
            Job done = awaitTerminal(c, id, WAIT);

            assertEquals(JobState.COMPLETED, done.state());
            for (Task t : done.tasks()) {
                assertEquals(0, t.exitStatus(), "no stale result counted for task " + t.index() + ": " + t.attempts());
                assertEquals(1, t.attempts().stream().filter(a -> a.outcome() == JobState.COMPLETED).count());
                if (staleOnNode1.containsKey(t.index())) {
                    assertEquals(2, t.attempts().size(), t.attempts().toString());
                    assertEquals(staleOnNode1.get(t.index()), t.attempts().get(0).id());
                    assertEquals(EndReason.NODE_FAILURE, t.attempts().get(0).reason());
                }
            }
            Map<String, Long> doneByIndex = lines(log, "done").stream()
                    .collect(Collectors.groupingBy(l -> l.split(" ")[0], TreeMap::new, Collectors.counting()));
            assertEquals(Map.of("1", 1L, "2", 1L, "3", 1L, "4", 1L), doneByIndex, "each task did its work once");
            for (String line : lines(log, "done")) {
                assertFalse(line.contains(" node1 ") && staleOnNode1.containsValue(Long.parseLong(line.split(" ")[2])),
                        "a stale attempt finished its work: " + line);
            }
            List<Alert.Kind> kinds = c.client().events(100).stream().filter(a -> a.subject().equals("node1"))
                    .map(Alert::kind).toList();
            assertTrue(kinds.containsAll(List.of(Alert.Kind.NODE_DOWN, Alert.Kind.NODE_BACK)), kinds.toString());
        }
    }

    // ------------------------------------------------------------------ health checks and pbsnodes

    @Test
    void aFailingHealthCheckTakesItsNodeOfflineUntilTheScriptIsFixed() throws Exception {
        Path checks = Files.createDirectories(work.resolve("checks"));
        for (String node : List.of("node1", "node2")) {
            writeScript(checks.resolve("nhc-" + node + ".sh"), "exit 0");
        }
        List<String> workerArgs = List.of("--health-check", checks + "/nhc-{name}.sh", "--health-interval", "300ms",
                "--health-timeout", "5s");
        try (RealCluster c = RealCluster.start(home, 2, 2, s -> s.withHeadArgs(FAST_DETECTION)
                .withWorkerArgs(workerArgs))) {
            writeScript(checks.resolve("nhc-node1.sh"), "echo 'ERROR nhc: /scratch is 98% full'", "exit 1");
            NodeInfo sick = Poll.value("node1 goes offline", WAIT, () -> Optional.of(c.client().node("node1"))
                    .filter(n -> n.state() == NodeState.OFFLINE));
            assertEquals(OfflineOrigin.HEALTH_CHECK, sick.offlineBy());
            assertEquals("health check failed: ERROR nhc: /scratch is 98% full", sick.reason());
            Cli.Result list = c.cli().run("pbsnodes", "-l");
            assertEquals(0, list.exitCode(), list.describe());
            assertTrue(list.out().matches("(?s)node1\\s+offline\\s+health check failed: ERROR nhc: /scratch is 98% "
                    + "full\n"), list.describe());

            String id = submit(c, "healthy", script("sleep 1"), "-t", "1-6", "-j", "oe", "-o", work + "/");
            Job job = awaitTerminal(c, id, WAIT);
            assertEquals(JobState.COMPLETED, job.state());
            for (Task t : job.tasks()) {
                assertEquals("node2", nodeOf(t), "no task lands on the offline node1");
            }

            writeScript(checks.resolve("nhc-node1.sh"), "exit 0");
            Poll.until("node1 comes back", WAIT, () -> c.client().node("node1").state() == NodeState.FREE);
            // Alerts reach the event log just after the change they report is committed.
            Poll.until("the event log to hold node1's offline and back alerts", WAIT,
                    () -> List.of(Alert.Kind.NODE_OFFLINE, Alert.Kind.NODE_BACK).equals(c.client().events(100)
                            .stream().filter(a -> a.subject().equals("node1")).map(Alert::kind).toList()));

            // an administrator's mark is the administrator's to clear: a passing check leaves it
            Cli.Result off = c.cli().run("pbsnodes", "-o", "node2", "-N", "disk swap");
            assertEquals(new Cli.Result(off.command(), 0, "", ""), off);
            String later = submit(c, "later", script("sleep 1"), "-t", "1-2", "-j", "oe", "-o", work + "/");
            Job onNode1 = awaitTerminal(c, later, WAIT);
            onNode1.tasks().forEach(t -> assertEquals("node1", nodeOf(t), "node1 works again, node2 is offline"));
            NodeInfo node2 = c.client().node("node2");
            assertEquals(NodeState.OFFLINE, node2.state());
            assertEquals("disk swap", node2.reason());
            Cli.Result clear = c.cli().run("pbsnodes", "-c", "node2");
            assertEquals(0, clear.exitCode(), clear.describe());
            assertEquals(NodeState.FREE, c.client().node("node2").state());
            assertEquals("", c.cli().run("pbsnodes", "-l").out());
        }
    }

    // ------------------------------------------------------------------ qsub -r n on a crashed node

    @Test
    void aJobThatMayNotRerunEndsFailedWhenItsNodeDiesWhileARerunnableOneMoves() throws Exception {
        try (RealCluster c = RealCluster.start(home, 2, 2, s -> s.withHeadArgs(FAST_DETECTION))) {
            // both jobs on node1: node2 is offline while they start
            assertEquals(0, c.cli().run("pbsnodes", "-o", "node2").exitCode());
            String once = submit(c, "once", script("sleep 300"), "-r", "n", "-j", "oe", "-o", work + "/");
            String again = submit(c, "again", script("sleep 300"), "-j", "oe", "-o", work + "/");
            for (String id : List.of(once, again)) {
                Poll.until(id + " runs on node1", WAIT, () -> c.job(id).state() == JobState.RUNNING);
                assertEquals("node1", nodeOf(c.job(id).tasks().get(0)));
            }
            assertEquals(0, c.cli().run("pbsnodes", "-c", "node2").exitCode());

            crash(c, "node1");

            Job failed = awaitTerminal(c, once, WAIT);
            assertEquals(JobState.FAILED, failed.state());
            assertEquals(EndReason.NODE_FAILURE, failed.reason());
            Map<String, String> f = attributes(c, once, "-x");
            assertEquals("F", f.get("job_state"), f.toString());
            assertEquals("its node failed and the job is not rerunnable", f.get("comment"));
            assertEquals("node1/0 (node failure)", f.get("exec_host_history"));

            Poll.until("the rerunnable job runs on node2", WAIT, () -> {
                Job j = c.job(again);
                return j.state() == JobState.RUNNING && nodeOf(j.tasks().get(0)).equals("node2");
            });
            Map<String, String> moved = attributes(c, again);
            assertEquals("2", moved.get("run_count"));
            assertEquals("node1/0 (node failure, requeued), node2/0 (running)", moved.get("exec_host_history"));

            List<Alert> events = c.client().events(100);
            assertTrue(events.stream().anyMatch(a -> a.kind() == Alert.Kind.TASK_FAILED_NODE_FAILURE
                    && a.subject().equals(once)), events.toString());
            assertTrue(events.stream().anyMatch(a -> a.kind() == Alert.Kind.TASK_REQUEUED
                    && a.subject().equals(again)), events.toString());
            assertEquals(0, c.cli().run("qdel", again).exitCode());
        }
    }

    // ------------------------------------------------------------------ leaving and joining

    @Test
    void aWorkerStoppedWithDrainLetsItsTaskFinishExitsCleanlyAndJoinsAgain() throws Exception {
        try (RealCluster c = RealCluster.start(home, 2, 2, s -> s.withHeadArgs(FAST_DETECTION))) {
            assertEquals(0, c.cli().run("pbsnodes", "-o", "node2").exitCode());
            String id = submit(c, "last", script("sleep 3"), "-j", "oe", "-o", work + "/");
            Poll.until(id + " runs on node1", WAIT, () -> c.job(id).state() == JobState.RUNNING);
            assertEquals(0, c.cli().run("pbsnodes", "-c", "node2").exitCode());
            long agent = workerPid(c, "node1");

            Cli.Result stop = hpc(c, "worker", "stop", "--drain", "--wait", "60", "node1");

            assertEquals(0, stop.exitCode(), stop.describe());
            assertTrue(stop.out().startsWith("node1: draining; its worker stops once its 1 running task has ended\n"),
                    stop.describe());
            Job job = c.job(id);
            assertEquals(JobState.COMPLETED, job.state(), "the task finished before the worker stopped");
            assertEquals(1, job.tasks().get(0).attempts().size(), "and was not requeued");
            NodeInfo node1 = c.client().node("node1");
            assertEquals(NodeState.DOWN, node1.state());
            assertEquals("stopped by an administrator after draining", node1.reason());
            Poll.until("the worker process exits", WAIT, () -> !Procs.alive(agent));
            // the daemon's recorded process (setsid and its java) may take a moment longer to be gone
            Poll.until("the local cluster sees node1 stopped", WAIT, () -> !c.local().isAlive("node1"));
            assertTrue(c.client().events(100).stream().noneMatch(a -> a.subject().equals("node1")),
                    "a clean stop is no alarm");

            c.local().startDaemon("node1");
            Poll.until("node1 joins again", WAIT, () -> c.client().node("node1").state() == NodeState.FREE);
            String next = submit(c, "next", script("true"), "-t", "1-4", "-j", "oe", "-o", work + "/");
            Job spread = awaitTerminal(c, next, WAIT);
            assertEquals(JobState.COMPLETED, spread.state());
        }
    }

    // ------------------------------------------------------------------ helpers

    private String submit(RealCluster c, String name, String text, String... options) throws IOException {
        Path file = Files.writeString(work.resolve(name + ".sh"), text, StandardCharsets.UTF_8);
        List<String> args = new ArrayList<>(List.of("-N", name));
        args.addAll(List.of(options));
        args.add(file.toString());
        Cli.Result r = c.cli().qsubIn(work, args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.describe());
        return r.line();
    }

    /** {@code hpc GROUP COMMAND --server HEAD ARGS...} in this JVM, for the commands under a group. */
    private static Cli.Result hpc(RealCluster c, String group, String command, String... args) {
        List<String> all = new ArrayList<>(List.of(group, command, "--server", c.server(), "--token-file",
                c.tokenFile().toString()));
        all.addAll(List.of(args));
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int code;
        try (java.io.PrintWriter o = new java.io.PrintWriter(out); java.io.PrintWriter e = new java.io.PrintWriter(err)) {
            code = dev.hpc.cli.HpcMain.run(o, e, all.toArray(String[]::new));
        }
        return new Cli.Result(String.join(" ", all), code, out.toString(), err.toString());
    }

    private static String script(String... lines) {
        return "#!/bin/bash\n" + String.join("\n", lines) + "\n";
    }

    /** Replaces a health-check script at once (a rename), so that no run sees it half written. */
    private static void writeScript(Path file, String... lines) throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".new");
        Files.writeString(next, "#!/bin/sh\n" + String.join("\n", lines) + "\n");
        Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<String> lines(Path log, String kind) {
        return RealCluster.lines(log).stream().filter(l -> l.endsWith(" " + kind)).toList();
    }

    private static Task task(Job j, int index) {
        return j.tasks().stream().filter(t -> t.index() == index).findFirst().orElseThrow();
    }

    private static String nodeOf(Task t) {
        List<Attempt> a = t.attempts();
        return a.isEmpty() ? "" : a.get(a.size() - 1).nodes().get(0).node();
    }

    private static Job awaitTerminal(RealCluster c, String id, Duration timeout) {
        return Poll.value(id + " ends", timeout, () -> Optional.of(c.job(id)).filter(j -> j.state().isTerminal()),
                () -> {
                    Job j = c.job(id);
                    return j.state() + ", " + j.tasks().stream().filter(t -> !t.state().isTerminal()).count()
                            + " tasks not ended";
                });
    }

    private static Map<String, String> attributes(RealCluster c, String id, String... more) {
        List<String> args = new ArrayList<>(List.of(more));
        args.add("-f");
        args.add(id);
        Cli.Result r = c.cli().run("qstat", args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.describe());
        return QstatFull.parse(r.out()).getOrDefault(id, Map.of());
    }

    private static long workerPid(RealCluster c, String node) {
        return c.local().info().orElseThrow().daemon(node).orElseThrow().pid();
    }

    /** The processes of one attempt on a node: its leader names {@code NODE/ATTEMPT/} in its command line. */
    private static List<Procs.Proc> attemptProcesses(RealCluster c, String node, long attempt) {
        String spool = c.local().dir().resolve(node).resolve(Long.toString(attempt)) + "/";
        return Procs.withCommandLineContaining(spool);
    }

    /**
     * A machine that loses power: SIGKILL to the worker agent, then to every process of its tasks
     * (their shells name the worker's spool directory; their children share their sessions). On one
     * test machine the tasks would otherwise live on as orphans, which a dead node's tasks do not.
     */
    private static void crash(RealCluster c, String node) {
        long agent = workerPid(c, node);
        List<Long> tree = ProcessHandle.of(agent).map(h -> h.descendants().map(ProcessHandle::pid).toList())
                .orElse(List.of());
        c.local().kill(node);
        String spool = c.local().dir().resolve(node) + "/";
        Set<Long> sessions = new HashSet<>(tree);
        Procs.withCommandLineContaining(spool).forEach(p -> sessions.add(p.pid()));
        Set<Long> victims = new HashSet<>(tree);
        for (Procs.Proc p : Procs.all()) {
            if (sessions.contains(p.pid()) || sessions.contains(p.session())) {
                victims.add(p.pid());
            }
        }
        victims.remove(ProcessHandle.current().pid());
        Procs.killAll(victims, Duration.ofSeconds(10));
    }

    private static void signal(String name, long pid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
        assertEquals(0, p.waitFor(), "kill -" + name + " " + pid);
    }

    /** A webhook receiver on a free port of 127.0.0.1 that keeps every JSON body posted to it. */
    static final class Webhook implements AutoCloseable {
        private final HttpServer server;
        private final List<JsonFields> posted = new CopyOnWriteArrayList<>();

        private Webhook(HttpServer server) {
            this.server = server;
        }

        static Webhook start() throws IOException {
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            Webhook w = new Webhook(s);
            s.createContext("/hook", ex -> {
                w.posted.add(Json.readObject(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                ex.sendResponseHeaders(204, -1);
                ex.close();
            });
            s.start();
            return w;
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        List<String> kinds() {
            return posted.stream().map(f -> f.string("kind")).toList();
        }

        JsonFields first(String kind) {
            return posted.stream().filter(f -> f.string("kind").equals(kind)).findFirst().orElseThrow();
        }

        @Override
        public String toString() {
            return "webhook got " + kinds();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
