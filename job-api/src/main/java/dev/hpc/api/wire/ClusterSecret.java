package dev.hpc.api.wire;

import dev.hpc.api.InvalidRequestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key heads and workers share to prove to each other that they belong to one cluster (the
 * {@code cluster-secret-file} setting). Each side proves it by an HMAC-SHA256 over both sides' fresh
 * nonces, a role label and the name it claims, so a proof can be neither replayed on another link nor
 * reflected back as the other role. The secret itself never crosses the link.
 */
public final class ClusterSecret {
    /** Shorter keys are refused: 32 bytes is the HMAC-SHA256 block of entropy we ask for. */
    public static final int MIN_BYTES = 32;
    private static final String MAC = "HmacSHA256";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] key;

    private ClusterSecret(byte[] key) {
        this.key = key.clone();
    }

    /** A secret from bytes held in memory (tests, and a key read by other means). */
    public static ClusterSecret of(byte[] key) {
        if (key.length < MIN_BYTES) {
            throw new InvalidRequestException("the cluster secret is " + key.length + " bytes; it must be at least "
                    + MIN_BYTES + " (make one with: head -c 32 /dev/urandom | base64 > FILE; chmod 600 FILE)");
        }
        return new ClusterSecret(key);
    }

    /**
     * Reads the secret of {@code cluster-secret-file}: the file's bytes without trailing white space.
     * A file that group or others may read or write is refused, as ssh refuses a loose private key.
     */
    public static ClusterSecret read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidRequestException("cluster-secret-file " + file + " does not exist or is not a file");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(p -> !OWNER_ONLY.contains(p) && p != PosixFilePermission.OWNER_EXECUTE)) {
                throw new InvalidRequestException("cluster-secret-file " + file + " is open to group or others ("
                        + PosixFilePermissions.toString(perms) + "); make it private with: chmod 600 " + file);
            }
        } catch (UnsupportedOperationException e) {
            // no POSIX permissions on this file system: nothing to check
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read cluster-secret-file " + file + ": " + e.getMessage());
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read cluster-secret-file " + file + ": " + e.getMessage());
        }
        int end = content.length;
        while (end > 0 && Character.isWhitespace(content[end - 1])) {
            end--;
        }
        if (end < MIN_BYTES) {
            throw new InvalidRequestException("cluster-secret-file " + file + " holds " + end + " bytes; it must hold "
                    + "at least " + MIN_BYTES + " (make one with: head -c 32 /dev/urandom | base64 > " + file
                    + "; chmod 600 " + file + ")");
        }
        return new ClusterSecret(Arrays.copyOf(content, end));
    }

    /** Writes a new random secret (256 bits, hex) to {@code file}, readable by its owner only. */
    public static ClusterSecret generate(Path file) {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        byte[] text = HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            }
            Files.write(file, text);
        } catch (FileAlreadyExistsException e) {
            throw new InvalidRequestException("cluster secret file " + file + " already exists; not overwriting it");
        } catch (IOException e) {
            throw new InvalidRequestException("cannot write the cluster secret file " + file + ": " + e.getMessage());
        }
        return new ClusterSecret(text);
    }

    /** A fresh random nonce for one link. */
    public static String nonce() {
        byte[] n = new byte[16];
        RANDOM.nextBytes(n);
        return HexFormat.of().formatHex(n);
    }

    /** What the head sends to prove the secret on one link. */
    public String headProof(String workerNonce, String headNonce, String headName) {
        return mac("head", workerNonce, headNonce, headName);
    }

    /** What the worker sends, in its registration, to prove the secret on one link. */
    public String workerProof(String headNonce, String workerNonce, String node) {
        return mac("worker", headNonce, workerNonce, node);
    }

    /** What a head sends to ask a voter for the leadership lease (head-node's {@code lease} package). */
    public String leaseRequestProof(String head, long epoch, long durationMillis, long sentAtMillis, boolean active,
                                    boolean soleCopy, long numbersUpTo) {
        return mac("lease-request", head, Long.toString(epoch), Long.toString(durationMillis),
                Long.toString(sentAtMillis), Boolean.toString(active), Boolean.toString(soleCopy),
                Long.toString(numbersUpTo));
    }

    /**
     * As {@link #leaseRequestProof(String, long, long, long, boolean, boolean, long)}, for a request that binds its
     * grant to the head's bond {@code bond} with the voter (a grant the voter gives up when that bond closes).
     */
    public String leaseRequestProof(String head, long epoch, long durationMillis, long sentAtMillis, boolean active,
                                    boolean soleCopy, long numbersUpTo, String bond) {
        if (bond.isEmpty()) {
            return leaseRequestProof(head, epoch, durationMillis, sentAtMillis, active, soleCopy, numbersUpTo);
        }
        return mac("lease-request", head, Long.toString(epoch), Long.toString(durationMillis),
                Long.toString(sentAtMillis), Boolean.toString(active), Boolean.toString(soleCopy),
                Long.toString(numbersUpTo), bond);
    }

    /**
     * What a head answers a voter's challenge {@code nonce} on a new lease bond with: proof that {@code head} opened
     * it, which no recording of an earlier bond gives, as every bond has a new nonce.
     */
    public String leaseBondProof(String nonce, String head) {
        return mac("lease-bond", nonce, head);
    }

    /** What a voter sends with its answer, bound to the request it answers, so that no one else can grant. */
    public String leaseAnswerProof(String requestProof, boolean granted, long epoch, String holder,
                                   long remainingMillis, long activeEpoch, String activeHead, boolean activeSole,
                                   long activeSoleAt, long numberedUpTo) {
        return mac("lease-answer", requestProof, Boolean.toString(granted), Long.toString(epoch), holder,
                Long.toString(remainingMillis), Long.toString(activeEpoch), activeHead, Boolean.toString(activeSole),
                Long.toString(activeSoleAt), Long.toString(numberedUpTo));
    }

    /**
     * A key of 32 bytes for one purpose, the same on every head that holds this secret: what one head signs
     * with it, another can check (the spawn tokens of running jobs, across a takeover).
     */
    public byte[] derivedKey(String purpose) {
        return HexFormat.of().parseHex(mac("derived-key", purpose));
    }

    /** Compares a received proof with the expected one in time that does not depend on where they differ. */
    public static boolean matches(String expected, String received) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                received.getBytes(StandardCharsets.UTF_8));
    }

    private String mac(String... parts) {
        try {
            Mac mac = Mac.getInstance(MAC);
            mac.init(new SecretKeySpec(key, MAC));
            for (String part : parts) {
                byte[] b = part.getBytes(StandardCharsets.UTF_8);
                // length-prefixed, so that no two lists of parts give the same bytes
                mac.update(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8),
                        (byte) b.length});
                mac.update(b);
            }
            return HexFormat.of().formatHex(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("should never happen: every Java 17 runtime has " + MAC, e);
        }
    }

    @Override
    public String toString() {
        return "ClusterSecret[hidden]";
    }
}
