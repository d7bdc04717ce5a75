package dev.hpc.head;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.head.access.AccessSettings;
import dev.hpc.head.edge.EdgeSettings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything a head is told at start: defaults, then a properties file, then flags (see {@link
 * HeadMain}). Validated once, here, with messages that say which setting is wrong.
 *
 * @param heartbeatInterval how often workers heartbeat (sent to them at registration)
 * @param nodeTimeout       a worker silent this long is down and its tasks move
 * @param keepCompleted     how long a finished job stays in plain {@code qstat} (Torque's keep_completed)
 * @param maxRequeues       how many times a task may be requeued after node failures before it fails
 * @param maxBodyBytes      the largest REST request body accepted
 * @param access            tokens and per-user limits (docs/security.md)
 * @param linkSecurity      the cluster secret and TLS key store (docs/security.md)
 * @param linkLossGrace     a registered worker whose link to the active head closed and that has not
 *                          registered again this long after is down; zero leaves it to the node timeout
 * @param edge              the timeouts and sizes every connection to the HTTP port is held to (docs/security.md)
 */
public record HeadConfig(String name, String cluster, String bindHost, int port, Path dataDir,
                         Duration heartbeatInterval, Duration nodeTimeout, Duration keepCompleted, int maxRequeues,
                         long maxBodyBytes, String defaultQueue, AccessSettings access, LinkSecurity linkSecurity,
                         Duration linkLossGrace, EdgeSettings edge) {

    /** With the default limits of the HTTP port for this heartbeat. */
    public HeadConfig(String name, String cluster, String bindHost, int port, Path dataDir,
                      Duration heartbeatInterval, Duration nodeTimeout, Duration keepCompleted, int maxRequeues,
                      long maxBodyBytes, String defaultQueue, AccessSettings access, LinkSecurity linkSecurity,
                      Duration linkLossGrace) {
        this(name, cluster, bindHost, port, dataDir, heartbeatInterval, nodeTimeout, keepCompleted, maxRequeues,
                maxBodyBytes, defaultQueue, access, linkSecurity, linkLossGrace, EdgeSettings.defaults(heartbeatInterval));
    }

    /** With the default link-loss grace: two heartbeat intervals. */
    public HeadConfig(String name, String cluster, String bindHost, int port, Path dataDir,
                      Duration heartbeatInterval, Duration nodeTimeout, Duration keepCompleted, int maxRequeues,
                      long maxBodyBytes, String defaultQueue, AccessSettings access, LinkSecurity linkSecurity) {
        this(name, cluster, bindHost, port, dataDir, heartbeatInterval, nodeTimeout, keepCompleted, maxRequeues,
                maxBodyBytes, defaultQueue, access, linkSecurity, defaultLinkLossGrace(heartbeatInterval));
    }

    /**
     * A live worker whose link merely dropped reconnects after 0.1, 0.2, 0.4 s...: two heartbeats leave
     * room for several tries on a loaded machine while a killed worker's tasks still move well inside
     * the node timeout.
     */
    public static Duration defaultLinkLossGrace(Duration heartbeatInterval) {
        return heartbeatInterval.multipliedBy(2);
    }

    /**
     * With the default access settings for the data directory, and no cluster secret nor TLS (in-process
     * tests; see {@link LinkSecurity#INSECURE}).
     */
    public HeadConfig(String name, String cluster, String bindHost, int port, Path dataDir,
                      Duration heartbeatInterval, Duration nodeTimeout, Duration keepCompleted, int maxRequeues,
                      long maxBodyBytes, String defaultQueue) {
        this(name, cluster, bindHost, port, dataDir, heartbeatInterval, nodeTimeout, keepCompleted, maxRequeues,
                maxBodyBytes, defaultQueue, AccessSettings.defaults(dataDir), LinkSecurity.INSECURE);
    }

    public HeadConfig {
        if (name.isBlank()) {
            throw new InvalidRequestException("the head needs a name (--name)");
        }
        if (!cluster.matches("[A-Za-z0-9][A-Za-z0-9.-]*")) {
            throw new InvalidRequestException("cluster name '" + cluster + "' must be letters, digits, '.' and '-'");
        }
        if (port < 0 || port > 65535) {
            throw new InvalidRequestException("port must be between 0 and 65535, got " + port);
        }
        if (heartbeatInterval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new InvalidRequestException("heartbeat interval must be at least 100ms, got " + heartbeatInterval);
        }
        if (nodeTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new InvalidRequestException("node timeout (" + nodeTimeout + ") must be at least two heartbeat "
                    + "intervals (" + heartbeatInterval + "), or one late heartbeat would take a node down");
        }
        if (linkLossGrace.isNegative()) {
            throw new InvalidRequestException("link-loss grace must not be negative (0 turns it off), got "
                    + linkLossGrace);
        }
        if (maxRequeues < 0) {
            throw new InvalidRequestException("max requeues must not be negative");
        }
        if (maxBodyBytes < 1024) {
            throw new InvalidRequestException("max body size must be at least 1kb");
        }
        if (edge.idleTimeout().compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new InvalidRequestException("idle-timeout (" + edge.idleTimeout() + ") must be at least two "
                    + "heartbeat intervals (" + heartbeatInterval + "), or quiet worker links would be closed");
        }
    }

    public static HeadConfig defaults(String name, String cluster, Path dataDir) {
        return new HeadConfig(name, cluster, "127.0.0.1", 8640, dataDir, Duration.ofSeconds(1), Duration.ofSeconds(5),
                Duration.ofMinutes(5), 3, 2L * 1024 * 1024, "batch");
    }

    public HeadConfig withPort(int p) {
        return new HeadConfig(name, cluster, bindHost, p, dataDir, heartbeatInterval, nodeTimeout, keepCompleted,
                maxRequeues, maxBodyBytes, defaultQueue, access, linkSecurity, linkLossGrace, edge);
    }

    public HeadConfig withAccess(AccessSettings a) {
        return new HeadConfig(name, cluster, bindHost, port, dataDir, heartbeatInterval, nodeTimeout, keepCompleted,
                maxRequeues, maxBodyBytes, defaultQueue, a, linkSecurity, linkLossGrace, edge);
    }

    public HeadConfig withLinkSecurity(LinkSecurity security) {
        return new HeadConfig(name, cluster, bindHost, port, dataDir, heartbeatInterval, nodeTimeout, keepCompleted,
                maxRequeues, maxBodyBytes, defaultQueue, access, security, linkLossGrace, edge);
    }

    public HeadConfig withLinkLossGrace(Duration grace) {
        return new HeadConfig(name, cluster, bindHost, port, dataDir, heartbeatInterval, nodeTimeout, keepCompleted,
                maxRequeues, maxBodyBytes, defaultQueue, access, linkSecurity, grace, edge);
    }

    public HeadConfig withEdge(EdgeSettings e) {
        return new HeadConfig(name, cluster, bindHost, port, dataDir, heartbeatInterval, nodeTimeout, keepCompleted,
                maxRequeues, maxBodyBytes, defaultQueue, access, linkSecurity, linkLossGrace, e);
    }
}
