package dev.hpc.head.gateway;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.ApiToken;
import dev.hpc.api.client.ClientTls;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.client.JobQuery;
import dev.hpc.api.job.Health;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.api.testkit.SelfSignedCert;
import dev.hpc.api.wire.ClusterSecret;
import dev.hpc.api.wire.WireMessage;
import dev.hpc.api.wire.WorkerHandshake;
import dev.hpc.head.HeadConfig;
import dev.hpc.head.LinkSecurity;
import dev.hpc.head.web.RunningHead;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #8, "workers and heads authenticate each other": a worker link is accepted only from a
 * worker that proves the cluster secret; and TLS on the head's one HTTP server (API and link).
 */
class LinkSecurityTest {
    private static final ClusterSecret SECRET = ClusterSecret.of(
            "the-cluster-secret-of-this-test-0123456789".getBytes(StandardCharsets.US_ASCII));
    private static final ClusterSecret WRONG = ClusterSecret.of(
            "a-secret-the-forger-guessed-wrong-987654321".getBytes(StandardCharsets.US_ASCII));

    @TempDir
    Path tmp;
    private RunningHead head;

    @AfterEach
    void tearDown() {
        if (head != null) {
            head.close();
        }
    }

    private RunningHead start(LinkSecurity security) {
        head = RunningHead.start(HeadConfig.defaults("head1", "test", tmp.resolve("head")).withPort(0)
                .withLinkSecurity(security));
        return head;
    }

    private static LinkSecurity secretOnly() {
        return new LinkSecurity(Optional.of(SECRET), Optional.empty(), "");
    }

    private static WireMessage.Register registration(String node) {
        return new WireMessage.Register(node, "machine-" + node, 2, 8L << 30, Map.of(), "", List.of(), List.of(),
                new Health(0.1, 6L << 30, 100L << 30, true, ""));
    }

    private List<String> nodeNames() throws Exception {
        return head.service().reads().nodes().get().stream().map(NodeInfo::name).toList();
    }

    private void assertRefusedAndClosed(RawLink link, String node) throws Exception {
        WireMessage.Refused refused = link.next(WireMessage.Refused.class);
        assertTrue(refused.message().contains("did not prove the cluster secret"), refused.message());
        RawLink.Closed closed = link.awaitClosed();
        assertEquals(1008, closed.code());
        assertTrue(closed.reason().contains("cluster secret"), closed.reason());
        assertFalse(nodeNames().contains(node), "a worker that did not prove the secret is not a node");
    }

    @Test
    void aWorkerThatRegistersWithoutTheHandshakeIsRefusedAndNeverListed() throws Exception {
        start(secretOnly());
        try (RawLink link = RawLink.open("ws://127.0.0.1:" + head.port(), Optional.empty())) {
            link.send(registration("n3"));
            assertRefusedAndClosed(link, "n3");
        }
    }

    @Test
    void aWorkerWithAWrongSecretIsRefusedAndNeverListed() throws Exception {
        start(secretOnly());
        try (RawLink link = RawLink.open("ws://127.0.0.1:" + head.port(), Optional.empty())) {
            WorkerHandshake forger = new WorkerHandshake(Optional.of(WRONG));
            link.send(forger.hello().orElseThrow());
            WireMessage.Challenge c = link.next(WireMessage.Challenge.class);
            assertTrue(forger.check(c).isPresent(), "the head's proof does not verify under another secret");
            String forgedProof = WRONG.workerProof(c.nonce(), "any-nonce", "n3");
            link.send(registration("n3").withSecretProof(forgedProof));
            assertRefusedAndClosed(link, "n3");
        }
    }

    @Test
    void aWorkerThatHeartbeatsBeforeProvingIsClosed() throws Exception {
        start(secretOnly());
        try (RawLink link = RawLink.open("ws://127.0.0.1:" + head.port(), Optional.empty())) {
            link.send(new WireMessage.Heartbeat(Health.UNKNOWN, List.of(), ""));
            link.next(WireMessage.Refused.class);
            assertEquals(1008, link.awaitClosed().code());
        }
    }

    @Test
    void aWorkerWithTheSecretIsWelcomedAfterCheckingTheHead() throws Exception {
        start(secretOnly());
        try (RawLink link = RawLink.open("ws://127.0.0.1:" + head.port(), Optional.empty())) {
            assertWelcomed(link, "n1");
        }
    }

    private void assertWelcomed(RawLink link, String node) throws Exception {
        WorkerHandshake worker = new WorkerHandshake(Optional.of(SECRET));
        link.send(worker.hello().orElseThrow());
        WireMessage.Challenge c = link.next(WireMessage.Challenge.class);
        assertEquals(Optional.empty(), worker.check(c), "the head proves the secret");
        link.send(worker.prove(registration(node)));
        assertEquals("head1", link.next(WireMessage.Welcome.class).headName());
        assertTrue(nodeNames().contains(node));
    }

    @Test
    void aHeadWithoutASecretRefusesToStartUnlessToldItIsInsecure() {
        HpcException e = assertThrows(HpcException.class, () -> LinkSecurity.from(new Properties()));
        assertTrue(e.getMessage().contains("--cluster-secret-file"), e.getMessage());
        Properties insecure = new Properties();
        insecure.setProperty("insecure-no-secret", "true");
        assertTrue(LinkSecurity.from(insecure).clusterSecret().isEmpty());
    }

    @Test
    void overTlsTheApiAndTheWorkerLinkWorkAndAClientThatDoesNotTrustTheCertificateIsToldWhy() throws Exception {
        SelfSignedCert cert = SelfSignedCert.make(tmp);
        Properties settings = new Properties();
        settings.setProperty("insecure-no-secret", "true");
        settings.setProperty("tls-keystore", cert.keystore().toString());
        settings.setProperty("tls-keystore-password-file", cert.passwordFile().toString());
        LinkSecurity tls = LinkSecurity.from(settings);
        start(new LinkSecurity(Optional.of(SECRET), tls.tlsKeystore(), tls.tlsKeystorePassword()));
        SSLContext trusting = ClientTls.trusting(cert.pem());
        String address = "https://127.0.0.1:" + head.port();

        try (RawLink link = RawLink.open("wss://127.0.0.1:" + head.port(), Optional.of(trusting))) {
            assertWelcomed(link, "n1");
        }
        HeadClient client = new HeadClient(List.of(address), ApiToken.of(head.adminToken()), HeadTransport.Settings.defaults(),
                Optional.of(trusting));
        Job job = client.submit(new SubmitRequest("#!/bin/sh\nsleep 1\n", List.of("-N", "overtls"), "alice",
                "login1", "/home/alice", Map.of()));
        assertTrue(client.allJobs(JobQuery.all()).stream().anyMatch(j -> j.id().equals(job.id())));

        HeadClient untrusting = new HeadClient(List.of(address), ApiToken.of(head.adminToken()),
                HeadTransport.Settings.defaults().withMaxWait(Duration.ZERO), Optional.empty());
        HpcException e = assertThrows(HpcException.class, () -> untrusting.nodes());
        assertTrue(e.getMessage().contains("TLS") && e.getMessage().contains("tls-ca"), e.getMessage());
    }
}
