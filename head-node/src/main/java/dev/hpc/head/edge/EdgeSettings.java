package dev.hpc.head.edge;

import dev.hpc.api.InvalidRequestException;
import java.time.Duration;

/**
 * The limits the head's HTTP port puts on every connection (docs/security.md, "The network edge").
 *
 * @param headerTimeout        a connection must send a whole request line and headers within this long of
 *                             opening, or of the end of the answer to its previous request; an idle kept-alive
 *                             connection is therefore closed after this long too
 * @param bodyTimeout          a request's body must have arrived within this long of its headers
 * @param idleTimeout          a connection on which nothing is read or written for this long is closed; the
 *                             head's own streams write at least every {@link #KEEPALIVE}, and workers heartbeat
 * @param linkHandshakeTimeout a worker link must prove the cluster secret and register within this long of
 *                             its upgrade to a WebSocket
 * @param maxRequestLineBytes  the longest request line (method, target, version)
 * @param maxHeaderBytes       the most bytes of headers in one request
 */
public record EdgeSettings(Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout,
                           Duration linkHandshakeTimeout, int maxRequestLineBytes, int maxHeaderBytes) {
    /**
     * How often the head writes on an open stream that has nothing to say (the event stream, the spawn
     * relay), so that the idle timeout, and proxies, leave it open.
     */
    public static final Duration KEEPALIVE = Duration.ofSeconds(15);

    /** Declared before {@link #DEFAULTS}, whose check reads it. */
    private static final Duration SHORTEST = Duration.ofMillis(100);

    /**
     * Slow clients on a far network still send a request head in well under 20 s; a 2 MiB submission
     * in 60 s needs 35 kB/s; 60 s of silence is four missed keepalives; a worker answers the head's
     * challenge in milliseconds. The sizes are Netty's defaults, which every client of ours fits.
     */
    public static final EdgeSettings DEFAULTS = new EdgeSettings(Duration.ofSeconds(20), Duration.ofSeconds(60),
            Duration.ofSeconds(60), Duration.ofSeconds(10), 4096, 8192);

    /**
     * The defaults for workers that heartbeat this often: the idle timeout is at least three heartbeats,
     * so a head with slow heartbeats does not close its quiet worker links.
     */
    public static EdgeSettings defaults(Duration heartbeatInterval) {
        Duration threeBeats = heartbeatInterval.multipliedBy(3);
        return threeBeats.compareTo(DEFAULTS.idleTimeout()) > 0 ? DEFAULTS.withIdleTimeout(threeBeats) : DEFAULTS;
    }

    public EdgeSettings {
        positive("header-timeout", headerTimeout);
        positive("body-timeout", bodyTimeout);
        positive("idle-timeout", idleTimeout);
        positive("link-handshake-timeout", linkHandshakeTimeout);
        if (idleTimeout.compareTo(KEEPALIVE.multipliedBy(2)) < 0) {
            throw new InvalidRequestException("idle-timeout (" + idleTimeout + ") must be at least twice the "
                    + "keepalive of the head's streams (" + KEEPALIVE + "), or an event stream with nothing to say "
                    + "would be closed");
        }
        if (maxRequestLineBytes < 1024 || maxRequestLineBytes > 1024 * 1024) {
            throw new InvalidRequestException("max-request-line must be between 1024 and 1048576 bytes, got "
                    + maxRequestLineBytes);
        }
        if (maxHeaderBytes < 1024 || maxHeaderBytes > 1024 * 1024) {
            throw new InvalidRequestException("max-header-size must be between 1024 and 1048576 bytes, got "
                    + maxHeaderBytes);
        }
    }

    private static void positive(String name, Duration d) {
        if (d.compareTo(SHORTEST) < 0) {
            throw new InvalidRequestException(name + " must be at least " + SHORTEST.toMillis() + "ms, got " + d);
        }
    }

    public EdgeSettings withHeaderTimeout(Duration d) {
        return new EdgeSettings(d, bodyTimeout, idleTimeout, linkHandshakeTimeout, maxRequestLineBytes,
                maxHeaderBytes);
    }

    public EdgeSettings withBodyTimeout(Duration d) {
        return new EdgeSettings(headerTimeout, d, idleTimeout, linkHandshakeTimeout, maxRequestLineBytes,
                maxHeaderBytes);
    }

    public EdgeSettings withIdleTimeout(Duration d) {
        return new EdgeSettings(headerTimeout, bodyTimeout, d, linkHandshakeTimeout, maxRequestLineBytes,
                maxHeaderBytes);
    }

    public EdgeSettings withLinkHandshakeTimeout(Duration d) {
        return new EdgeSettings(headerTimeout, bodyTimeout, idleTimeout, d, maxRequestLineBytes, maxHeaderBytes);
    }
}
