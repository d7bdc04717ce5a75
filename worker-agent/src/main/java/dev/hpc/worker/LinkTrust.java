package dev.hpc.worker;

import dev.hpc.api.wire.ClusterSecret;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How the worker makes sure it talks to its own heads (docs/security.md, "Cluster secret and TLS"):
 * the cluster secret each head must prove before the worker obeys it, and whether the link runs over
 * TLS ({@code wss://}), trusting the certificates of {@code tlsCa} or else the JVM's default ones.
 *
 * @param clusterSecret the key of {@code --cluster-secret-file}; empty only with {@code --insecure-no-secret}
 * @param tls           whether the link to the heads is {@code wss://}
 * @param tlsCa         a PEM file of the certificates (or their CA) to trust; empty: the JVM's trust store
 */
public record LinkTrust(Optional<ClusterSecret> clusterSecret, boolean tls, Optional<Path> tlsCa) {
    /** No secret and plain WebSocket: in-process tests and {@code --insecure-no-secret}. */
    public static final LinkTrust INSECURE = new LinkTrust(Optional.empty(), false, Optional.empty());

    public LinkTrust {
        if (tlsCa.isPresent() && !tls) {
            throw new IllegalArgumentException("should never happen: a TLS CA without TLS");
        }
    }
}
