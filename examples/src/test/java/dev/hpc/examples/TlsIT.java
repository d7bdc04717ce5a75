package dev.hpc.examples;

import dev.hpc.api.client.ApiToken;
import dev.hpc.api.client.ClientTls;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.testkit.SelfSignedCert;
import dev.hpc.api.wire.ClusterSecret;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #8 with real processes: a head serving TLS with a cluster secret, a worker that links over
 * wss with the secret, one with a wrong secret that never becomes a node, and the commands over
 * https, trusting the head's certificate through {@code tls-ca=} of their config file.
 */
class TlsIT {
    private static final Path HOME = Path.of(System.getProperty("hpc.home", "..")).toAbsolutePath().normalize();
    private final List<Process> processes = new ArrayList<>();

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
    }

    @Test
    void aTlsClusterWithASecretRunsJobsAndKeepsOutWorkersAndClientsWithoutTheRightKeys() throws Exception {
        SelfSignedCert cert = SelfSignedCert.make(dir);
        Path keystore = cert.keystore();
        Path pem = cert.pem();
        Path password = cert.passwordFile();
        Path secret = dir.resolve("cluster-secret");
        ClusterSecret.generate(secret);
        Path wrongSecret = dir.resolve("wrong-secret");
        ClusterSecret.generate(wrongSecret);
        Path adminToken = dir.resolve("admin.token");
        ApiToken.install(adminToken, ApiToken.generate());

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String head = "127.0.0.1:" + port;
        start("head1", List.of(java(), "-jar", HOME.resolve("head-node/target/hpc-head.jar").toString(),
                "--name", "head1", "--cluster", "tls" + ProcessHandle.current().pid(), "--bind", "127.0.0.1",
                "--port", String.valueOf(port), "--data-dir", dir.resolve("head1").toString(),
                "--cluster-secret-file", secret.toString(), "--admin-token-file", adminToken.toString(), "--tls-keystore", keystore.toString(),
                "--tls-keystore-password-file", password.toString()));
        start("node1", worker("node1", head, secret, pem));
        start("node2", worker("node2", head, wrongSecret, pem));
        List<String> noSecret = new ArrayList<>(worker("node3", head, secret, pem));
        int flag = noSecret.indexOf("--cluster-secret-file");
        noSecret.subList(flag, flag + 2).clear();
        noSecret.add("--insecure-no-secret");
        start("node3", noSecret);

        HeadClient client = new HeadClient(List.of("https://" + head), ApiToken.read(adminToken, "the admin token"),
                HeadTransport.Settings.defaults().withMaxWait(Duration.ofSeconds(30)),
                Optional.of(ClientTls.trusting(pem)));
        await("node1 to register over wss", Duration.ofSeconds(60), () -> client.nodes().stream()
                .anyMatch(n -> n.name().equals("node1") && n.state() != NodeState.DOWN));
        // node2 finds first that the head's proof does not match its secret, drops the link, and both log it
        await("node2 to drop the head", Duration.ofSeconds(60),
                () -> log("node2").contains("head head1 did not prove the cluster secret"));
        await("the head to log the abandoned link", Duration.ofSeconds(30),
                () -> log("head1").contains("closed its link before proving the cluster secret"));
        // node3 has no secret: the head refuses its registration, and both log why
        await("the head to refuse node3", Duration.ofSeconds(60),
                () -> log("head1").contains("worker node3 did not prove the cluster secret; check cluster-secret-file"));
        await("node3 to log the refusal", Duration.ofSeconds(30),
                () -> log("node3").contains("worker node3 did not prove the cluster secret"));
        List<String> names = client.nodes().stream().map(NodeInfo::name).toList();
        assertFalse(names.contains("node2") || names.contains("node3"), "only a worker with the secret is a node: "
                + names);

        Path work = Files.createDirectories(dir.resolve("work"));
        Path script = Files.writeString(work.resolve("job.sh"), "#!/bin/sh\n#PBS -N tlsjob\necho over-tls\n");
        Path config = Files.writeString(dir.resolve("config"), "server=https://" + head + "\ntls-ca=" + pem + "\n");
        Cli cli = new Cli("https://" + head, HOME, config, adminToken);
        Cli.Result qsub = cli.process(work, "qsub", script.toString());
        assertEquals(0, qsub.exitCode(), qsub.describe());
        String id = qsub.line();
        await(id + " to complete", Duration.ofSeconds(60), () -> client.job(id).state() == JobState.COMPLETED);
        Cli.Result qstat = cli.process(work, "qstat", "-x", id);
        assertEquals(0, qstat.exitCode(), qstat.describe());
        assertTrue(qstat.out().contains(id.substring(0, id.indexOf('.'))), qstat.describe());
        try (var outputs = Files.list(work)) {
            Path out = outputs.filter(p -> p.getFileName().toString().startsWith("tlsjob.o")).findFirst()
                    .orElseThrow(() -> new AssertionError("no tlsjob.o* in " + work));
            assertEquals("over-tls\n", Files.readString(out));
        }

        Path untrusting = Files.writeString(dir.resolve("config-untrusting"), "server=https://" + head + "\n");
        Cli.Result refused = new Cli("https://" + head, HOME, untrusting, adminToken).process(work, "qstat");
        assertNotEquals(0, refused.exitCode(), refused.describe());
        assertTrue(refused.err().contains("tls-ca"), refused.describe());
    }

    private List<String> worker(String name, String head, Path secret, Path pem) {
        return List.of(java(), "-jar", HOME.resolve("worker-agent/target/hpc-worker.jar").toString(), "--name", name,
                "--heads", head, "--cores", "2", "--spool-dir", dir.resolve(name).toString(), "--cluster-secret-file",
                secret.toString(), "--tls-ca", pem.toString(), "--allow-root-jobs");
    }

    private void start(String name, List<String> command) throws IOException {
        processes.add(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start());
    }

    private String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String log) {
        return log.length() <= 3000 ? log : log.substring(log.length() - 3000);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private void await(String what, Duration timeout, BooleanSupplier condition) {
        Instant end = Instant.now().plus(timeout);
        while (!safely(condition)) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "\n--- head1.log\n"
                        + log("head1") + "\n--- node1.log\n" + log("node1") + "\n--- node2.log (tail)\n"
                        + tail(log("node2")) + "\n--- node3.log (tail)\n" + tail(log("node3")));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    private static boolean safely(BooleanSupplier condition) {
        try {
            return condition.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }
}
