package dev.hpc.examples;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.cli.bench.chaos.Forwarder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN.md invariant 2, issues 3 and 17: a cut between the two heads only (the workers and the arbiter still
 * reach both) never gives two heads that start tasks. All traffic between the heads, the head cluster's and
 * the leadership lease's, runs through {@link Forwarder}s that the test cuts; the standby loses the
 * active head in Hazelcast, asks the voters for the lease, gets only its own vote (the arbiter's lease is
 * still the active head's), and stays standby.
 */
class PartitionIT {
    private static final Path HOME = Path.of(System.getProperty("hpc.home", "..")).toAbsolutePath().normalize();
    private final List<Process> processes = new ArrayList<>();
    private final List<Forwarder> cuts = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    @AfterEach
    void stopEverything() throws InterruptedException {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : processes) {
            p.waitFor(20, TimeUnit.SECONDS);
        }
        cuts.forEach(Forwarder::close);
    }

    private Process start(String name, List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).redirectInput(ProcessBuilder.Redirect.from(
                        new java.io.File("/dev/null"))).start();
        processes.add(p);
        return p;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The role head {@code port} gives itself, or "" when it does not answer. */
    private String role(int port) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/v1/cluster")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            Map<?, ?> head = (Map<?, ?>) ((Map<?, ?>) dev.hpc.api.json.Json.readAny(r.body())).get("head");
            return String.valueOf(head.get("role"));
        } catch (IOException | RuntimeException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** How many workers head {@code port} heard lately: a standby's witnesses of who commands them. */
    private int workersHeard(int port) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/v1/cluster")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            Map<?, ?> workers = (Map<?, ?>) ((Map<?, ?>) dev.hpc.api.json.Json.readAny(r.body())).get("workers");
            return ((Number) workers.get("up")).intValue();
        } catch (IOException | RuntimeException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** The roles head {@code port} sees for every head, by name. */
    private Map<String, String> view(int port) {
        Map<String, String> out = new java.util.TreeMap<>();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/v1/cluster")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            for (Object o : (List<?>) ((Map<?, ?>) dev.hpc.api.json.Json.readAny(r.body())).get("heads")) {
                Map<?, ?> h = (Map<?, ?>) o;
                out.put(String.valueOf(h.get("name")), String.valueOf(h.get("role")));
            }
        } catch (IOException | RuntimeException e) {
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    private void await(String what, Duration timeout, BooleanSupplier condition) throws IOException {
        Instant end = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) {
                StringBuilder logs = new StringBuilder();
                for (String name : List.of("head1", "head2", "arbiter", "node1", "node2")) {
                    if (!Files.exists(dir.resolve(name + ".log"))) {
                        continue;
                    }
                    List<String> lines = Files.readAllLines(dir.resolve(name + ".log"));
                    logs.append("\n--- ").append(name).append(".log (tail)\n")
                            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
                }
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + logs);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    @Test
    void aCutBetweenTheHeadsOnlyNeverGivesTwoActiveHeads() throws Exception {
        int[] http = {FreePorts.one(), FreePorts.one()};
        int[] peer = {FreePorts.one(), FreePorts.one()};
        int[] proxy = {FreePorts.one(), FreePorts.one()};
        int[] apiProxy = {FreePorts.one(), FreePorts.one()};
        int arbiter = FreePorts.one();
        String peers = "127.0.0.1:" + proxy[0] + ",127.0.0.1:" + proxy[1];
        String cluster = "part" + ProcessHandle.current().pid();
        java.nio.file.Path secret = dir.resolve("cluster-secret");
        dev.hpc.api.wire.ClusterSecret.generate(secret);
        start("arbiter", List.of(java(), "-jar", HOME.resolve("head-node/target/hpc-head.jar").toString(), "--arbiter",
                "--name", "arbiter", "--cluster", cluster, "--bind", "127.0.0.1", "--port", String.valueOf(arbiter),
                "--data-dir", dir.resolve("arbiter").toString(), "--cluster-secret-file", secret.toString()));
        for (int k = 0; k < 2; k++) {
            // each head reaches the other's vote through a forwarder that the cut closes too
            cuts.add(new Forwarder("head" + (2 - k) + ">head" + (k + 1), apiProxy[k], http[k]));
        }
        for (int k = 0; k < 2; k++) {
            String name = "head" + (k + 1);
            int other = 1 - k;
            String voters = "127.0.0.1:" + http[k] + ",127.0.0.1:" + apiProxy[other] + ",127.0.0.1:" + arbiter;
            // Each head's forwarder opens only as the head starts: a forwarder that accepts and then
            // resets (its head not yet up) keeps Hazelcast's joiner retrying instead of forming a
            // cluster alone, while a closed port is passed over at once.
            cuts.add(new Forwarder("peer>" + name, proxy[k], peer[k]));
            start(name, List.of(java(), "-Djava.util.concurrent.ForkJoinPool.common.parallelism=4", "-jar",
                    HOME.resolve("head-node/target/hpc-head.jar").toString(), "--name", name, "--cluster", cluster,
                    "--bind", "127.0.0.1", "--port", String.valueOf(http[k]), "--data-dir",
                    dir.resolve(name).toString(), "--peers", peers, "--peer-port", String.valueOf(peer[k]),
                    "--peer-public-address", "127.0.0.1:" + proxy[k], "--admin-token-file",
                    dir.resolve("admin.token").toString(), "--cluster-secret-file", secret.toString(),
                    "--voters", voters));
            int port = http[k];
            String expected = k == 0 ? "ACTIVE" : "STANDBY";
            await(name + " to be " + expected, Duration.ofSeconds(120), () -> expected.equals(role(port)));
        }
        String heads = "127.0.0.1:" + http[0] + ",127.0.0.1:" + http[1];
        for (int k = 1; k <= 2; k++) {
            start("node" + k, List.of(java(), "-jar", HOME.resolve("worker-agent/target/hpc-worker.jar").toString(),
                    "--name", "node" + k, "--heads", heads, "--cores", "2", "--spool-dir",
                    dir.resolve("node" + k).toString(), "--cluster-secret-file", secret.toString(),
                    "--allow-root-jobs"));
        }
        HeadClient active = new HeadClient(List.of("127.0.0.1:" + http[0]), adminToken(),
                HeadTransport.Settings.defaults().withMaxWait(Duration.ofSeconds(30)));
        await("both workers up on head1", Duration.ofSeconds(60), () -> active.nodes().stream()
                .filter(n -> n.state() != dev.hpc.api.job.NodeState.DOWN).count() == 2);
        // the standby must have heard the workers say they obey head1 before the cut: a standby that has
        // heard no worker at all may take over (a cluster without workers must still fail over)
        await("head2 to hear both workers", Duration.ofSeconds(60), () -> workersHeard(http[1]) == 2);

        Map<String, Integer> activeSightings = new ConcurrentHashMap<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                if ("ACTIVE".equals(role(http[1]))) {
                    activeSightings.merge("head2", 1, Integer::sum);
                }
                if (!"ACTIVE".equals(role(http[0]))) {
                    activeSightings.merge("head1 not active", 1, Integer::sum);
                }
            }
        }, "role-watcher");
        watcher.setDaemon(true);
        watcher.start();

        cuts.forEach(c -> c.cut(Forwarder.CutMode.RESET));
        await("head2 to lose head1 in the head cluster", Duration.ofSeconds(30),
                () -> "DOWN".equals(view(http[1]).get("head1")));
        Path marks = Files.createDirectories(dir.resolve("marks"));
        List<Job> submitted = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Path mark = marks.resolve("job" + i);
            submitted.add(active.submit(new SubmitRequest("#!/bin/bash\necho run >> " + mark + "\n", List.of(),
                    System.getProperty("user.name"), "localhost", dir.toString(), Map.of())));
        }
        await("the 20 jobs to finish on head1 during the cut", Duration.ofSeconds(60), () -> submitted.stream()
                .allMatch(j -> active.job(j.id().toString()).state() == JobState.COMPLETED));
        // Keep watching the cut for as long as a takeover would take if nothing stopped it.
        Instant observedUntil = Instant.now().plusSeconds(5);
        await("the observation window", Duration.ofSeconds(10), () -> Instant.now().isAfter(observedUntil));
        assertEquals(Map.of(), activeSightings, "while cut off, only head1 may be active");
        assertEquals("STANDBY", role(http[1]));

        cuts.forEach(Forwarder::heal);
        await("the head cluster to merge again", Duration.ofSeconds(60),
                () -> "ACTIVE".equals(view(http[1]).get("head1")) && "STANDBY".equals(view(http[0]).get("head2")));
        watching.set(false);
        watcher.join(5000);
        assertEquals(Map.of(), activeSightings, "after the merge, still only head1 is active");
        for (int i = 0; i < 20; i++) {
            assertEquals(List.of("run"), Files.readAllLines(marks.resolve("job" + i)), "job " + i + " ran once");
        }
        HeadClient viaStandby = new HeadClient(List.of("127.0.0.1:" + http[1]), adminToken(),
                HeadTransport.Settings.defaults().withMaxWait(Duration.ofSeconds(30)));
        assertTrue(viaStandby.job(submitted.get(19).id().toString()).state() == JobState.COMPLETED,
                "the standby sends its callers to the active head, which knows every job");
    }

    /** The admin token both heads share (the first head made the file). */
    private dev.hpc.api.client.ApiToken adminToken() {
        return dev.hpc.api.client.ApiToken.read(dir.resolve("admin.token"), "the heads' admin token");
    }
}
