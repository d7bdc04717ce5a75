package dev.hpc.api.client;

import dev.hpc.api.HpcException;
import dev.hpc.api.InvalidRequestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The bearer token a client sends (docs/security.md), or the lack of one with the advice to give
 * when a head asks for it. The text never appears in {@link #toString()}.
 *
 * <p>Where the CLI finds it, first match wins: a {@code --token-file}, {@code HPC_TOKEN},
 * the file named by {@code HPC_TOKEN_FILE}, {@code ~/.hpc/token}. A token file that the group or
 * others may read is refused.
 */
public final class ApiToken {
    public static final String ENV = "HPC_TOKEN";
    public static final String FILE_ENV = "HPC_TOKEN_FILE";
    private static final Set<PosixFilePermission> TOO_OPEN = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    /** In a holder so that a command that only reads its token does not set up the security providers. */
    private static final class Random {
        static final SecureRandom SOURCE = new SecureRandom();
    }

    private final String value;
    private final String advice;

    private ApiToken(String value, String advice) {
        this.value = value;
        this.advice = advice;
    }

    public static ApiToken of(String token) {
        String t = token.strip();
        if (t.isEmpty()) {
            throw new InvalidRequestException("an empty token");
        }
        return new ApiToken(t, "");
    }

    /** No token: a request that needs one fails with this advice. */
    public static ApiToken missing(String advice) {
        return new ApiToken("", advice);
    }

    public boolean isPresent() {
        return !value.isEmpty();
    }

    /** The token's text, for the {@code Authorization} header. */
    public String value() {
        return value;
    }

    /** What to tell a user who has no token. */
    public String advice() {
        return advice;
    }

    /** A new random token: 32 bytes from {@link java.security.SecureRandom}, URL-safe Base64 without padding. */
    public static String generate() {
        byte[] bytes = new byte[32];
        Random.SOURCE.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** {@code ~/.hpc/token}. */
    public static Path defaultFile(Path home) {
        return home.resolve(".hpc").resolve("token");
    }

    /**
     * The token as the CLI finds it (see the class comment); {@link #missing} when there is none.
     *
     * @throws HpcException when a token file exists but may be read by others, or cannot be read
     */
    public static ApiToken find(Optional<Path> tokenFile, Map<String, String> env, Path home) {
        if (tokenFile.isPresent()) {
            return read(tokenFile.get(), "--token-file");
        }
        String direct = env.getOrDefault(ENV, "").strip();
        if (!direct.isEmpty()) {
            return of(direct);
        }
        String named = env.getOrDefault(FILE_ENV, "").strip();
        if (!named.isEmpty()) {
            return read(Path.of(named), FILE_ENV);
        }
        Path file = defaultFile(home);
        if (Files.exists(file)) {
            return read(file, "the default token file");
        }
        return missing("no API token found: the heads need one for every request. Ask an admin to run "
                + "'hpc admin token create " + System.getProperty("user.name", "YOUR-USER") + " --install' (or to give "
                + "you a token to save in " + file + " with mode 0600); set " + ENV + " or " + FILE_ENV
                + " to use another. On your own machine, 'hpc local up' installs one.");
    }

    /** Reads a token file, refusing one that the group or others may read or write. */
    public static ApiToken read(Path file, String source) {
        if (!Files.exists(file)) {
            throw new HpcException("the token file " + file + " (" + source + ") does not exist");
        }
        try {
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                if (perms.stream().anyMatch(TOO_OPEN::contains)) {
                    throw new HpcException("the token file " + file + " may be read by other users; refusing to "
                            + "use it. Make it private: chmod 600 " + file);
                }
            } catch (UnsupportedOperationException notPosix) {
                // no POSIX permissions on this file system: nothing to check
            }
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (text.isEmpty()) {
                throw new HpcException("the token file " + file + " is empty; put your token in it");
            }
            return of(text);
        } catch (IOException e) {
            throw new HpcException("cannot read the token file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes a token file readable by its owner only (0600), making the directory when needed. */
    public static void install(Path file, String token) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Path tmp = Files.createTempFile(dir, ".token", ".tmp");
            try {
                try {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(
                            "rw-------"));
                } catch (UnsupportedOperationException notPosix) {
                    // nothing to restrict on this file system
                }
                Files.writeString(tmp, token.strip() + "\n", StandardCharsets.UTF_8);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new HpcException("cannot write the token file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return isPresent() ? "ApiToken[****]" : "ApiToken[none]";
    }
}
