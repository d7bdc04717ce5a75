package dev.hpc.head.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpc.head.HeadConfig;
import dev.hpc.head.HeadService;
import dev.hpc.head.access.Role;
import dev.hpc.head.access.TokenRegistry;
import dev.hpc.head.access.Tokens;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8: a token made or revoked on the active head is accepted or refused by the standby, which
 * keeps it (as a hash) in its own store, so that it holds after a takeover; issue 15: what the
 * standby holds open with a token ends when the revocation reaches it. Two Hazelcast members
 * and two heads' stores in this JVM, on 127.0.0.1.
 */
class TokenReplicationTest {
    @TempDir
    Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void theStandbyAcceptsTheActiveHeadsTokensAndForgetsRevokedOnes() throws Exception {
        Path adminFile = dir.resolve("admin.token");
        int[] ports = {freePort(), freePort()};
        List<String> members = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]);
        List<AutoCloseable> open = new ArrayList<>();
        try {
            HeadService[] heads = new HeadService[2];
            Leadership[] leaders = new Leadership[2];
            for (int i = 0; i < 2; i++) {
                String name = "head" + (i + 1);
                HeadConfig d = HeadConfig.defaults(name, "c", Files.createDirectories(dir.resolve(name)));
                heads[i] = HeadService.open(d.withAccess(d.access().withAdminTokenFile(adminFile)),
                        Clock.systemUTC());
                open.add(0, heads[i]);
                HeadCluster cluster = HeadCluster.join("c", name, "127.0.0.1:" + (9000 + i), new ReplicationConfig(
                        "127.0.0.1", ports[i], members, "", Duration.ofSeconds(3)));
                open.add(0, cluster);
                leaders[i] = new Leadership(cluster, heads[i], new Witnesses(Duration.ofSeconds(3)),
                        Clock.systemUTC(), Duration.ofMillis(100));
                open.add(0, leaders[i]);
                leaders[i].start();
                HeadService h = heads[i];
                Leadership l = leaders[i];
                if (i == 0) {
                    await("head1 is active", h::isActive);
                } else {
                    await("head2 is standby", () -> l.role().equals("STANDBY"));
                }
            }
            TokenRegistry active = heads[0].tokens();
            TokenRegistry standby = heads[1].tokens();
            String admin = Files.readString(adminFile).strip();
            assertEquals(Role.ADMIN, standby.authenticate(admin).orElseThrow().role(), "the shared admin token");

            String token = active.create("alice", Role.OPERATOR).token();
            await("the standby accepts alice's new token", () -> standby.authenticate(token).isPresent());
            assertEquals("alice", standby.authenticate(token).orElseThrow().user());
            assertTrue(heads[1].store().tokens().loadTokens().stream().anyMatch(t -> t.hash().equals(Tokens.hash(token))
                    && t.user().equals("alice") && t.role() == Role.OPERATOR), "kept in the standby's own store");

            // issue #15: what a standby holds open with the token ends when the revocation reaches it
            java.util.concurrent.CompletableFuture<String> endedOnStandby = new java.util.concurrent.CompletableFuture<>();
            standby.whileValid(standby.find(token).orElseThrow(), endedOnStandby::complete);

            active.revoke("alice");
            await("the standby refuses alice's revoked token", () -> standby.authenticate(token).isEmpty());
            String why = endedOnStandby.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(why.endsWith("of alice was revoked"), why);
            assertTrue(heads[1].store().tokens().loadTokens().stream().noneMatch(t -> t.user().equals("alice")));
        } finally {
            for (AutoCloseable c : open) {
                c.close();
            }
        }
    }
}
