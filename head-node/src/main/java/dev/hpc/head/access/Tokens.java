package dev.hpc.head.access;

import dev.hpc.api.client.ApiToken;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Making tokens and the values derived from them. */
public final class Tokens {

    private Tokens() {
    }

    /** A new token: 32 random bytes (256 bits), URL-safe Base64 without padding (43 characters). */
    /**
     * The token of an {@code Authorization} header's value ({@code Bearer TOKEN}, the scheme in any case), or ""
     * when there is none: every route that takes a token reads it so.
     */
    public static String fromBearerHeader(String authorization) {
        if (authorization == null) {
            return "";
        }
        String h = authorization.strip();
        return h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : "";
    }

    public static String generate() {
        return ApiToken.generate();
    }

    /** What the store keeps: the SHA-256 of the token, in hex. */
    public static String hash(String token) {
        return sha256Hex(token);
    }

    /**
     * The token's short id: from a hash of another input than the stored one, so that listing ids
     * tells nothing about the stored hashes; the same token gives the same id on every head.
     */
    public static String idOf(String token) {
        return sha256Hex("hpc-token-id:" + token).substring(0, 10);
    }

    /** Whether text could be a token at all: what {@link #generate} makes, or a similar long URL-safe word. */
    public static boolean plausible(String text) {
        return text.length() >= 20 && text.length() <= 512 && text.matches("[A-Za-z0-9_\\-.~+/=]+");
    }

    private static String sha256Hex(String text) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(d.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("should never happen: every JVM has SHA-256", e);
        }
    }
}
