package dev.hpc.head.spawn;

import dev.hpc.api.wire.ClusterSecret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-attempt spawn tokens: {@code HMAC-SHA256(key, attempt id)}, so the head needs no table of
 * tokens and a restarted head still knows those it gave out. In a cluster with a secret the key is derived
 * from it, so every head has the same one and a running job keeps spawning through a head that took over
 * (issue 16: MPI jobs failed on a takeover). Without a secret (an insecure cluster) it is 32 random bytes
 * kept in the head's data directory ({@code spawn.key}, readable by its owner only), and a head that takes
 * over does not know the tokens of the previous one (docs/mpi.md).
 */
public final class SpawnKeys {
    static final String FILE = "spawn.key";
    private static final String ALGORITHM = "HmacSHA256";

    private final byte[] key;

    SpawnKeys(byte[] key) {
        if (key.length < 16) {
            throw new IllegalArgumentException("a spawn key needs at least 16 bytes, got " + key.length);
        }
        this.key = key.clone();
    }

    /** The cluster's key when it has a secret, else this head's own ({@link #open}). */
    public static SpawnKeys of(Optional<ClusterSecret> secret, Path dataDir) {
        return secret.map(s -> new SpawnKeys(s.derivedKey("spawn-tokens"))).orElseGet(() -> open(dataDir));
    }

    /** The key of {@code dataDir/spawn.key}, created on first use. */
    public static SpawnKeys open(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.isRegularFile(file)) {
                byte[] stored = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
                if (stored.length >= 16) {
                    return new SpawnKeys(stored);
                }
            }
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            Files.createDirectories(dataDir);
            Path tmp = dataDir.resolve(FILE + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp);
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            Files.writeString(tmp, Base64.getEncoder().encodeToString(fresh) + "\n", StandardCharsets.US_ASCII,
                    StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            return new SpawnKeys(fresh);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the spawn key " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the spawn key " + file + " is not base64; delete it and restart the "
                    + "head (running tasks then cannot spawn until they are restarted)", e);
        }
    }

    /** The token of one attempt, URL-safe base64 without padding. */
    public String token(long attemptId) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            byte[] sum = mac.doFinal(("attempt:" + attemptId).getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sum);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("should never happen: no " + ALGORITHM + " in this JDK", e);
        }
    }

    /** Whether {@code token} is the token of the attempt; compared in constant time. */
    public boolean verify(long attemptId, String token) {
        return MessageDigest.isEqual(token(attemptId).getBytes(StandardCharsets.US_ASCII),
                token.getBytes(StandardCharsets.US_ASCII));
    }
}
