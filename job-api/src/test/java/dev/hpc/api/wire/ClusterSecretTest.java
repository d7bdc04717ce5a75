package dev.hpc.api.wire;

import dev.hpc.api.HpcException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterSecretTest {
    @TempDir
    Path tmp;

    @Test
    void aGeneratedSecretIsPrivateAndReadsBack() throws Exception {
        Path file = tmp.resolve("secret");
        ClusterSecret made = ClusterSecret.generate(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        ClusterSecret read = ClusterSecret.read(file);
        assertEquals(made.workerProof("a", "b", "n1"), read.workerProof("a", "b", "n1"));
    }

    @Test
    void aSecretFileOpenToOthersIsRefusedWithTheFix() throws Exception {
        Path file = tmp.resolve("secret");
        ClusterSecret.generate(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        HpcException e = assertThrows(HpcException.class, () -> ClusterSecret.read(file));
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
    }

    @Test
    void aShortSecretIsRefused() throws Exception {
        Path file = tmp.resolve("secret");
        Files.writeString(file, "too-short\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        HpcException e = assertThrows(HpcException.class, () -> ClusterSecret.read(file));
        assertTrue(e.getMessage().contains("at least 32"), e.getMessage());
    }

    @Test
    void proofsDependOnRoleNoncesAndName() {
        ClusterSecret s = ClusterSecret.of(new byte[32]);
        assertNotEquals(s.headProof("a", "b", "x"), s.workerProof("a", "b", "x"));
        assertNotEquals(s.workerProof("a", "b", "n1"), s.workerProof("a", "b", "n2"));
        assertNotEquals(s.workerProof("ab", "", "n1"), s.workerProof("a", "b", "n1"));
    }

    @Test
    void aWorkerTrustsAHeadOnlyAfterItsProof() {
        ClusterSecret s = ClusterSecret.of(new byte[32]);
        WorkerHandshake w = new WorkerHandshake(Optional.of(s));
        String workerNonce = w.hello().orElseThrow().nonce();
        assertFalse(w.trusted());
        assertTrue(w.check(new WireMessage.Challenge(1, "h", "hn", "")).isPresent());
        assertTrue(w.check(new WireMessage.Challenge(1, "h", "hn", s.headProof("other", "hn", "h"))).isPresent());
        assertFalse(w.trusted());
        assertEquals(Optional.empty(), w.check(new WireMessage.Challenge(1, "h", "hn", s.headProof(workerNonce, "hn",
                "h"))));
        assertTrue(w.trusted());
    }

    @Test
    void theHandshakeMessagesRoundTrip() {
        WireMessage.Hello hello = new WireMessage.Hello("abc");
        assertEquals(hello, WireCodec.decodeFromWorker(WireCodec.encode(hello)));
        WireMessage.Challenge c = new WireMessage.Challenge(4, "head1", "n", "p");
        assertEquals(c, WireCodec.decodeFromHead(WireCodec.encode(c)));
    }
}
