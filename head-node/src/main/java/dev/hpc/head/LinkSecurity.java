package dev.hpc.head;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.wire.ClusterSecret;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Collections;
import java.util.Optional;
import java.util.Properties;

/**
 * How a head proves itself and checks others on the network (docs/security.md, "Cluster secret and
 * TLS"): the cluster secret that workers and heads prove to each other on the worker link, and the
 * TLS key store of the HTTP server (API, web view and worker link share it). Without a secret the
 * head starts only when told it runs on a trusted network ({@code --insecure-no-secret}); TLS is off
 * unless a key store is given.
 *
 * @param clusterSecret       the shared key of {@code cluster-secret-file}; empty in an insecure cluster
 * @param tlsKeystore         a PKCS12 file with the server's key and certificate chain; empty: plain HTTP
 * @param tlsKeystorePassword the key store's password (read from {@code tls-keystore-password-file})
 */
public record LinkSecurity(Optional<ClusterSecret> clusterSecret, Optional<Path> tlsKeystore,
                           String tlsKeystorePassword) {
    /** No secret and no TLS: in-process tests, and clusters started with {@code --insecure-no-secret}. */
    public static final LinkSecurity INSECURE = new LinkSecurity(Optional.empty(), Optional.empty(), "");

    public boolean tls() {
        return tlsKeystore.isPresent();
    }

    /**
     * Reads the settings {@code cluster-secret-file}, {@code insecure-no-secret}, {@code tls-keystore}
     * and {@code tls-keystore-password-file} (flags already merged over the file), checking the files
     * now so that a bad one stops the head at start with a message that says what to fix.
     */
    public static LinkSecurity from(Properties settings) {
        Optional<Path> secretFile = path(settings, "cluster-secret-file");
        boolean insecure = Boolean.parseBoolean(settings.getProperty("insecure-no-secret", "false"));
        if (secretFile.isEmpty() && !insecure) {
            throw new InvalidRequestException("no cluster secret: give --cluster-secret-file FILE (the same private "
                    + "file on every head and worker, at least 32 bytes, chmod 600), or --insecure-no-secret to let "
                    + "any program that reaches the port act as a worker");
        }
        Optional<ClusterSecret> secret = secretFile.map(ClusterSecret::read);
        Optional<Path> keystore = path(settings, "tls-keystore");
        Optional<Path> passwordFile = path(settings, "tls-keystore-password-file");
        if (keystore.isEmpty()) {
            if (passwordFile.isPresent()) {
                throw new InvalidRequestException("--tls-keystore-password-file is given without --tls-keystore");
            }
            return new LinkSecurity(secret, Optional.empty(), "");
        }
        String password = passwordFile.map(LinkSecurity::readPassword).orElse("");
        checkKeystore(keystore.get(), password);
        return new LinkSecurity(secret, keystore, password);
    }

    private static Optional<Path> path(Properties settings, String key) {
        String v = settings.getProperty(key, "").trim();
        return v.isEmpty() ? Optional.empty() : Optional.of(Path.of(v));
    }

    private static String readPassword(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read tls-keystore-password-file " + file + ": " + e.getMessage());
        }
    }

    /** Opens the key store once, so that a wrong password or file fails at start, not at the first client. */
    private static void checkKeystore(Path file, String password) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password.toCharArray());
            boolean hasKey = false;
            for (String alias : Collections.list(ks.aliases())) {
                hasKey |= ks.isKeyEntry(alias);
            }
            if (!hasKey) {
                throw new InvalidRequestException("tls-keystore " + file + " holds no private key: it needs the "
                        + "server's key and certificate (keytool -genkeypair, or openssl pkcs12 -export)");
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new InvalidRequestException("cannot open tls-keystore " + file + " as PKCS12 with the password of "
                    + "tls-keystore-password-file: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "LinkSecurity[secret " + (clusterSecret.isPresent() ? "set" : "none") + ", tls "
                + tlsKeystore.map(Path::toString).orElse("off") + "]";
    }
}
