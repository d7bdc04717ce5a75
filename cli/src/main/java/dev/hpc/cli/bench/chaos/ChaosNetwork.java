package dev.hpc.cli.bench.chaos;

import dev.hpc.api.HpcException;
import dev.hpc.cli.local.LocalSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The network of the suite's cluster when it cuts links: a {@link Forwarder} for every link between daemons that
 * a cut may break, given to {@link dev.hpc.cli.local.LocalCluster} as the {@link LocalSpec.Routes} of the
 * cluster, so that each daemon is started with the forwarders' addresses for its peers:
 * <ul>
 *   <li>{@code node1>head2}: a worker's link to a head (its {@code --heads});</li>
 *   <li>{@code head1>head2}: a head's lease requests to the other head's voter (its {@code --voters});</li>
 *   <li>{@code head1>arbiter}: a head's lease requests to the arbiter;</li>
 *   <li>{@code peer>head2}: the head cluster's connections to a head (its {@code --peer-public-address}, and
 *   the other head's {@code --peers}), whichever head opened them.</li>
 * </ul>
 * Clients (the submitters, {@code qsub}, the suite's own status questions) reach the heads' API directly: a head
 * cut from every other daemon is still asked, and answers. A forwarder is made when the cluster's start first
 * asks for its route, on the next port from {@code firstPort}; the routes a daemon was started with stay as
 * they are when it is started again.
 */
final class ChaosNetwork implements LocalSpec.Routes, AutoCloseable {
    private static final String ARBITER = "arbiter";
    private static final String PEER = "peer";

    private final int firstPort;
    private final int maxLinks;
    private final Map<String, Forwarder> links = new LinkedHashMap<>();

    /** @param workers how many workers the cluster has: the forwarders take {@link #links} ports from firstPort */
    ChaosNetwork(int firstPort, int workers) {
        this.firstPort = firstPort;
        this.maxLinks = links(workers);
    }

    /** How many forwarders a cluster of two heads, the arbiter and {@code workers} workers needs. */
    static int links(int workers) {
        return 2 + 2 + 2 + 2 * workers;
    }

    @Override
    public synchronized String address(String from, String to, LocalSpec.Port port, String direct) {
        String name = port == LocalSpec.Port.PEER ? PEER + ">" + to : from + ">" + to;
        Forwarder f = links.get(name);
        if (f == null) {
            if (links.size() >= maxLinks) {
                throw new HpcException("the suite's network has room for " + maxLinks + " links, and " + name
                        + " would be one more: should never happen");
            }
            int colon = direct.lastIndexOf(':');
            f = new Forwarder(name, firstPort + links.size(), Integer.parseInt(direct.substring(colon + 1)));
            links.put(name, f);
        }
        return f.address();
    }

    /** Every link's name, in the order they were made. */
    synchronized List<String> names() {
        return List.copyOf(links.keySet());
    }

    /**
     * The links between daemon {@code a} and each of {@code others}, in either direction; between two heads, the
     * head cluster's links to both of them too.
     */
    synchronized List<Forwarder> between(String a, Collection<String> others) {
        List<Forwarder> out = new ArrayList<>();
        boolean headToHead = isHead(a) && others.stream().anyMatch(ChaosNetwork::isHead);
        for (Map.Entry<String, Forwarder> e : links.entrySet()) {
            String[] ends = e.getKey().split(">", 2);
            boolean peer = ends[0].equals(PEER);
            boolean hit = peer ? headToHead && (ends[1].equals(a) || others.contains(ends[1]))
                    : ends[0].equals(a) && others.contains(ends[1]) || ends[1].equals(a) && others.contains(ends[0]);
            if (hit) {
                out.add(e.getValue());
            }
        }
        return out;
    }

    /** The links a cut of {@code kind} breaks, with {@code active} the active head and {@code standby} the other. */
    List<Forwarder> linksOf(FaultKind kind, String active, String standby, List<String> workers) {
        List<String> everyone = new ArrayList<>(workers);
        everyone.add(ARBITER);
        List<Forwarder> out = switch (kind) {
            case CUT_HEADS -> between(active, List.of(standby));
            case CUT_ACTIVE_FROM_WORKERS -> between(active, workers);
            case ISOLATE_STANDBY -> {
                everyone.add(active);
                yield between(standby, everyone);
            }
            case ISOLATE_ACTIVE -> {
                everyone.add(standby);
                yield between(active, everyone);
            }
            default -> throw new IllegalArgumentException(kind + " is no cut");
        };
        if (out.isEmpty()) {
            throw new HpcException("the cut " + kind + " found no links among " + names() + ": should never happen");
        }
        return out;
    }

    private static boolean isHead(String daemon) {
        return daemon.startsWith("head");
    }

    @Override
    public synchronized void close() {
        links.values().forEach(Forwarder::close);
    }
}
