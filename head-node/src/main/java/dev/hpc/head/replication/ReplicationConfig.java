package dev.hpc.head.replication;

import dev.hpc.api.InvalidRequestException;
import java.time.Duration;
import java.util.List;

/**
 * How this head joins the head cluster: its Hazelcast port on {@code bindHost}, the members to
 * join ({@code host:port}), and an optional public address when members must reach it through
 * another address than the one it binds. {@code memberTimeout} is how long a silent (not
 * disconnected) member stays in the cluster; a killed one is seen at once through its closed
 * connection. The Hazelcast port has neither authentication nor TLS in the open-source edition, so
 * it listens on exactly one interface, {@code bindHost}, which must sit on a private network
 * (docs/security.md, "Ports and networks"): a wildcard address is refused.
 */
public record ReplicationConfig(String bindHost, int port, List<String> members, String publicAddress,
                                Duration memberTimeout) {
    /**
     * Refuses a wildcard API address for a head of a head cluster. The heads publish their API address to each
     * other: a standby sends clients to the active head's, and the voters are named by it. {@code 0.0.0.0} sent
     * to a client names the client's own machine, where it would send its token to whatever listens there.
     */
    public static void requireReachableApiBind(String bindHost) {
        String host = bindHost.startsWith("[") && bindHost.endsWith("]")
                ? bindHost.substring(1, bindHost.length() - 1) : bindHost;
        if (host.equals("0.0.0.0") || host.matches("[:0]+")) {
            throw new InvalidRequestException("--bind is '" + bindHost + "', a wildcard: with --peers, --bind must be "
                    + "the one address that clients and the other heads reach this head at (the standby sends "
                    + "clients to it, and --voters names it); give this machine's IP address");
        }
    }

    public ReplicationConfig {
        members = List.copyOf(members);
        if (!bindHost.matches("[0-9.]+|[0-9A-Fa-f:]+") || bindHost.equals("0.0.0.0") || bindHost.matches("[:0]+")) {
            throw new InvalidRequestException("the head cluster port must listen on one private interface, given "
                    + "as its IP address: --peer-bind (or --bind) is '" + bindHost + "'; the peer port has no "
                    + "authentication (docs/security.md)");
        }
        if (port < 1 || port > 65535) {
            throw new InvalidRequestException("--peer-port must be between 1 and 65535, got " + port);
        }
        for (String m : members) {
            if (!m.matches("[^:\\s]+:\\d{1,5}")) {
                throw new InvalidRequestException("--peers entry '" + m + "' must be host:port");
            }
        }
        if (memberTimeout.getSeconds() < 2) {
            throw new InvalidRequestException("the head member timeout must be at least 2s, got " + memberTimeout);
        }
    }
}
