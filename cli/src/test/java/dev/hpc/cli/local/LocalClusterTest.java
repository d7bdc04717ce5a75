package dev.hpc.cli.local;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.cli.ConfigFile;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link LocalCluster} with real processes: fake daemons ({@link FakeDaemon}) packed as the daemons' jars. */
class LocalClusterTest {
    /** Small, quick JVMs for the fake daemons. */
    private static final List<String> SMALL_JVM = List.of("-Xmx48m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-Xshare:auto");

    @TempDir
    Path tmp;

    private LocalCluster cluster;

    @AfterEach
    void stopLeftovers() {
        if (cluster != null) {
            cluster.stop(Duration.ofSeconds(5));
        }
    }

    /** A repository root whose daemon jars are {@link FakeDaemon}. */
    private Path fakeHome() throws Exception {
        Path home = tmp.resolve("home");
        fakeJar(home.resolve("head-node/target/hpc-head.jar"));
        fakeJar(home.resolve("worker-agent/target/hpc-worker.jar"));
        return home;
    }

    private static void fakeJar(Path jar) throws Exception {
        Files.createDirectories(jar.getParent());
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, FakeDaemon.class.getName());
        Path classes = Path.of(FakeDaemon.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path pkg = classes.resolve("dev/hpc/cli/local");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, m);
             Stream<Path> files = Files.list(pkg)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("FakeDaemon")).toList()) {
                out.putNextEntry(new JarEntry("dev/hpc/cli/local/" + f.getFileName()));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private LocalSpec spec(Path home, int port) {
        return LocalSpec.defaults(home).withPort(port).withWorkers(2).withCoresPerWorker(2).withJvmArgs(SMALL_JVM)
                .withReadyTimeout(Duration.ofSeconds(60)).withConfigFile(tmp.resolve("config"));
    }

    @Test
    void startsKillsRestartsAndStopsRealProcesses() throws Exception {
        int port = freePort();
        Path dir = tmp.resolve("local");
        cluster = new LocalCluster(dir);

        LocalClusterInfo info = cluster.start(spec(fakeHome(), port));

        assertEquals(List.of("127.0.0.1:" + port), info.heads());
        assertEquals(List.of("head1", "node1", "node2"), info.daemons().stream().map(Daemon::name).toList());
        for (Daemon d : info.daemons()) {
            ProcessHandle h = ProcessHandle.of(d.pid()).orElseThrow();
            assertTrue(h.isAlive(), d.name());
            assertTrue(h.info().command().orElse("/java").endsWith("/java"), "pid is the JVM itself, not a wrapper: "
                    + h.info().command());
            assertTrue(Files.readString(d.log()).contains("fake daemon --name " + d.name()), d.name());
        }
        assertEquals("127.0.0.1:" + port, ConfigFile.read(tmp.resolve("config")).get("server"));
        assertEquals(info, new LocalCluster(dir).info().orElseThrow());
        assertEquals(2, new HeadClient(info.heads(), cluster.adminToken(), HeadTransport.Settings.defaults()).nodes()
                .size());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(cluster.adminTokenFile())), "the admin token is private");
        assertTrue(info.daemon("head1").orElseThrow().command().containsAll(List.of("--admin-token-file",
                cluster.adminTokenFile().toString())), "every head gets the cluster's admin token");
        Path mine = tmp.resolve("home-token");
        assertEquals(LocalCluster.TokenInstall.INSTALLED, cluster.installToken(mine, info.heads()));
        assertEquals(cluster.adminToken().value(), Files.readString(mine).strip());
        assertEquals(LocalCluster.TokenInstall.KEPT, cluster.installToken(mine, info.heads()));
        dev.hpc.api.client.ApiToken.install(mine, "a-token-of-another-cluster");
        assertEquals(LocalCluster.TokenInstall.REPLACED, cluster.installToken(mine, info.heads()));
        assertEquals(cluster.adminToken().value(), Files.readString(mine).strip());
        assertTrue(info.daemon("head1").orElseThrow().command().containsAll(List.of("--name", "head1", "--cluster",
                "local", "--port", String.valueOf(port), "--bind", "127.0.0.1", "--data-dir",
                dir.resolve("head1").toString())));
        assertTrue(info.daemon("node2").orElseThrow().command().containsAll(List.of("--heads", "127.0.0.1:" + port,
                "--cores", "2", "--spool-dir", dir.resolve("node2").toString())));
        // every daemon gets the cluster's secret, made private in the cluster's directory
        Path secret = dir.resolve(LocalCluster.CLUSTER_SECRET);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(secret)));
        for (String daemon : List.of("head1", "node1", "node2")) {
            assertTrue(info.daemon(daemon).orElseThrow().command().containsAll(List.of("--cluster-secret-file",
                    secret.toString())), daemon);
        }

        HpcException again = assertThrows(HpcException.class, () -> new LocalCluster(dir).start(spec(fakeHome(),
                freePort())));
        assertTrue(again.getMessage().contains("is still running"), again.getMessage());

        long oldPid = info.daemon("node1").orElseThrow().pid();
        cluster.kill("node1");
        assertFalse(cluster.isAlive("node1"));
        assertTrue(cluster.isAlive("node2"));
        assertThrows(HpcException.class, () -> cluster.startDaemon("node2"));

        Daemon restarted = cluster.startDaemon("node1");
        assertNotEquals(oldPid, restarted.pid());
        LocalCluster elsewhere = new LocalCluster(dir);
        assertTrue(elsewhere.status().stream().allMatch(DaemonStatus::alive), elsewhere.status().toString());

        List<LocalCluster.Stopped> stopped = elsewhere.stop();

        assertEquals(List.of(LocalCluster.Outcome.TERMINATED, LocalCluster.Outcome.TERMINATED,
                LocalCluster.Outcome.TERMINATED), stopped.stream().map(LocalCluster.Stopped::outcome).toList());
        for (LocalCluster.Stopped s : stopped) {
            assertFalse(Processes.alive(s.daemon().pid(), s.daemon().started()), s.daemon().name());
        }
        assertFalse(Files.exists(dir.resolve("local.json")));
        assertEquals(List.of(), elsewhere.status());
    }

    @Test
    void aDaemonThatDiesWhileStartingFailsTheStartWithItsLog() throws Exception {
        Path dir = tmp.resolve("local");
        cluster = new LocalCluster(dir);

        HpcException e = assertThrows(HpcException.class,
                () -> cluster.start(spec(fakeHome(), freePort()).withHeadArgs(List.of("--fail"))));

        assertTrue(e.getMessage().startsWith("head1 exited while the cluster was starting with status 3; see "
                + dir.resolve("head1.log")), e.getMessage());
        assertTrue(e.getMessage().contains("boom: head1"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("local.json")));
        assertFalse(Files.exists(tmp.resolve("config")));
    }

    @Test
    void missingJarsSayHowToBuildThem() {
        HpcException e = assertThrows(HpcException.class,
                () -> new LocalCluster(tmp.resolve("local")).start(LocalSpec.defaults(tmp.resolve("nothing"))));

        assertTrue(e.getMessage().contains("hpc-head.jar is missing: run mvn -q -DskipTests package first"),
                e.getMessage());
    }

    @Test
    void takenPortIsRefusedBeforeAnythingStarts() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            Path dir = tmp.resolve("local");

            HpcException e = assertThrows(HpcException.class,
                    () -> new LocalCluster(dir).start(spec(fakeHome(), port)));

            assertEquals("port " + port + " on 127.0.0.1 is taken: choose another with --port (a head listens on it)",
                    e.getMessage());
            assertFalse(LocalCluster.portFree("127.0.0.1", port));
            assertFalse(Files.exists(dir.resolve("local.json")));
        }
    }

    @Test
    void stateFileRoundTrips() {
        Path dir = tmp.resolve("local");
        LocalClusterInfo info = new LocalClusterInfo("c1", dir, List.of("127.0.0.1:8640"), List.of(
                new Daemon("head1", Daemon.Role.HEAD, "127.0.0.1:8640", 123, dir.resolve("head1.log"),
                        List.of("java", "-jar", "h.jar"), Instant.parse("2026-11-24T00:00:00Z")),
                new Daemon("node1", Daemon.Role.WORKER, "", 124, dir.resolve("node1.log"), List.of("java"),
                        Instant.EPOCH)));

        LocalStateFile.write(dir.resolve("local.json"), info);

        assertEquals(info, LocalStateFile.read(dir.resolve("local.json")).orElseThrow());
        assertEquals(info, new LocalCluster(dir).info().orElseThrow());
    }

    @Test
    void recycledPidIsNotOurs() {
        long self = ProcessHandle.current().pid();
        Instant started = ProcessHandle.current().info().startInstant().orElseThrow();

        assertTrue(Processes.alive(self, started));
        assertTrue(Processes.alive(self, Instant.EPOCH));
        assertFalse(Processes.alive(self, started.minus(Duration.ofHours(1))));
    }

    @Test
    void extraArgumentsNameTheirDaemon() {
        assertEquals(List.of("--member", "head2", "--hz-port", "5702", "--peers", "a:1,b:2", "9000"),
                DaemonCommands.substitute(List.of("--member", "{name}", "--hz-port", "570{index}", "--peers",
                        "{heads}", "{port}"), "head2", 2, 9000, List.of("a:1", "b:2")));
        assertEquals(Map.of(), ConfigFile.read(Path.of("/nonexistent/config")));
    }

    @Test
    void routesGiveEachHeadTheOtherHeadsClusterAddressAndItsOwnPublishedOne() {
        LocalSpec.Routes routes = (from, to, port, direct) -> port == LocalSpec.Port.PEER
                ? "fwd:" + to : direct;

        assertEquals(List.of("--peers", "fwd:head1,fwd:head2", "--peer-public-address", "fwd:head2",
                        "--peer-port", "9101"),
                DaemonCommands.substitute(List.of("--peers", "{peers}", "--peer-public-address", "{peerAddress}",
                        "--peer-port", "{peerPort}"), "head2", 2, 9001, List.of("127.0.0.1:9000",
                        "127.0.0.1:9001"), routes));
        assertEquals(List.of("127.0.0.1:9100,127.0.0.1:9101", "127.0.0.1:9101"),
                DaemonCommands.substitute(List.of("{peers}", "{peerAddress}"), "head2", 2, 9001,
                        List.of("127.0.0.1:9000", "127.0.0.1:9001")));
    }
}
