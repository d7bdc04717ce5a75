package dev.hpc.cli.bench.chaos;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import dev.hpc.cli.bench.BenchSupport;
import dev.hpc.cli.bench.Poll;
import dev.hpc.cli.local.Daemon;
import dev.hpc.cli.local.LocalCluster;
import dev.hpc.cli.local.LocalClusterInfo;
import dev.hpc.cli.local.LocalSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * The suite's cluster: two heads, the arbiter and N workers of {@link LocalCluster}, and what the fault
 * injector asks of them: who is active, whether everything is back, and the faults themselves. Like
 * {@link LocalCluster}, for one thread at a time (the injector's, then the suite's at the end).
 */
final class ChaosCluster {
    static final String HEAD1 = "head1";
    static final String HEAD2 = "head2";
    static final List<String> HEADS = List.of(HEAD1, HEAD2);
    private static final List<String> STANDBY_HEAD_ARGS = List.of("--peers", "{peers}", "--peer-port", "{peerPort}");
    /** With cuts, the other head reaches this one's head cluster port through a forwarder: it is published so. */
    private static final List<String> ROUTED_HEAD_ARGS = List.of("--peers", "{peers}", "--peer-port", "{peerPort}",
            "--peer-public-address", "{peerAddress}");
    /** A status question to one head: a frozen head must not hold the injector long. */
    private static final HeadTransport.Settings ONE_TRY = new HeadTransport.Settings(Duration.ZERO, Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofMillis(10), Duration.ofMillis(10));

    private final LocalCluster local;
    private final LocalClusterInfo info;
    private final Optional<ChaosNetwork> network;
    private final Map<String, HeadClient> perHead = new LinkedHashMap<>();

    private ChaosCluster(LocalCluster local, LocalClusterInfo info, Optional<ChaosNetwork> network) {
        this.local = local;
        this.info = info;
        this.network = network;
        for (String h : HEADS) {
            perHead.put(h, new HeadClient(List.of(address(h)), local.adminToken(), ONE_TRY));
        }
    }

    /**
     * Starts the cluster in {@code s.dir()/cluster}; with cuts, its links run through a {@link ChaosNetwork} from
     * port P+{@value ChaosSettings#LINK_PORT_OFFSET} on. On failure nothing is left running.
     */
    static ChaosCluster start(ChaosSettings s, LocalCluster local) {
        String name = "chaos" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        int links = s.cuts() > 0 ? ChaosNetwork.links(s.workers()) : 0;
        return BenchSupport.startOnFreePorts(s.port(), () -> freeBasePort(links), port -> {
            if (s.port() != 0) {
                checkLinkPorts(port, links);
            }
            Optional<ChaosNetwork> network = links > 0
                    ? Optional.of(new ChaosNetwork(port + ChaosSettings.LINK_PORT_OFFSET, s.workers()))
                    : Optional.empty();
            LocalSpec spec = LocalSpec.defaults(s.hpcHome()).withHeads(2)
                    .withHeadArgs(network.isPresent() ? ROUTED_HEAD_ARGS : STANDBY_HEAD_ARGS)
                    .withWorkers(s.workers()).withCoresPerWorker(s.cores()).withPort(port).withCluster(name)
                    .withJvmArgs(s.daemonJvmArgs()).withReadyTimeout(s.stepTimeout().compareTo(Duration.ofSeconds(90))
                            > 0 ? s.stepTimeout() : Duration.ofSeconds(90));
            if (network.isPresent()) {
                spec = spec.withRoutes(network.get());
            }
            try {
                return new ChaosCluster(local, local.start(spec), network);
            } catch (HpcException e) {
                network.ifPresent(ChaosNetwork::close);
                throw e;
            }
        });
    }

    /**
     * A port P with P, P+1 (the heads), P+2 (the arbiter), P+100 and P+101 (the head cluster) free, and
     * {@code links} ports from P+{@value ChaosSettings#LINK_PORT_OFFSET} on for the cuts' forwarders.
     */
    static int freeBasePort(int links) {
        int[] offsets = IntStream.concat(IntStream.of(0, 1, 2, LocalCluster.PEER_PORT_OFFSET,
                1 + LocalCluster.PEER_PORT_OFFSET), IntStream.range(ChaosSettings.LINK_PORT_OFFSET,
                ChaosSettings.LINK_PORT_OFFSET + links)).toArray();
        return BenchSupport.freeBasePort(500, offsets).orElseThrow(() -> new HpcException(
                "found no free ports P to P+2, P+100 and P+101" + (links > 0 ? " and P+"
                + ChaosSettings.LINK_PORT_OFFSET + " to P+" + (ChaosSettings.LINK_PORT_OFFSET + links - 1) : "")
                + " between 20000 and 30000: give --port"));
    }

    private static void checkLinkPorts(int port, int links) {
        for (int k = 0; k < links; k++) {
            int q = port + ChaosSettings.LINK_PORT_OFFSET + k;
            if (!LocalCluster.portFree("127.0.0.1", q)) {
                throw new HpcException("port " + q + " on 127.0.0.1 is taken: choose another --port (with --cuts, P+"
                        + ChaosSettings.LINK_PORT_OFFSET + " to P+" + (ChaosSettings.LINK_PORT_OFFSET + links - 1)
                        + " carry the links between the daemons)");
            }
        }
    }

    /**
     * Cuts the links a {@code kind} of cut breaks, given the roles the heads hold now; returns them, for
     * {@link #heal}.
     */
    List<Forwarder> cut(FaultKind kind, Forwarder.CutMode mode, String active) {
        ChaosNetwork n = network.orElseThrow(() -> new HpcException("the cluster was started without --cuts: "
                + "its daemons' links cannot be cut"));
        List<Forwarder> links = n.linksOf(kind, active, other(active), workers());
        links.forEach(f -> f.cut(mode));
        return links;
    }

    static void heal(List<Forwarder> links) {
        links.forEach(Forwarder::heal);
    }

    /** Closes the forwarders; after the daemons are stopped. */
    void closeNetwork() {
        network.ifPresent(ChaosNetwork::close);
    }

    String name() {
        return info.cluster();
    }

    List<String> heads() {
        return info.heads();
    }

    List<String> workers() {
        return info.daemons(Daemon.Role.WORKER).stream().map(Daemon::name).toList();
    }

    List<String> daemons() {
        return info.daemons().stream().map(Daemon::name).toList();
    }

    LocalCluster local() {
        return local;
    }

    String address(String head) {
        return info.daemon(head).map(Daemon::address).orElseThrow(() -> new HpcException("no head " + head));
    }

    HeadClient client(HeadTransport.Settings settings) {
        return new HeadClient(info.heads(), local.adminToken(), settings);
    }

    boolean alive(String daemon) {
        return local.isAlive(daemon);
    }

    Optional<Integer> exitStatus(String daemon) {
        return local.exitStatus(daemon);
    }

    /** The role a head gives itself, or "" when it does not answer (dead, frozen, starting). */
    String ownRole(String head) {
        try {
            return perHead.get(head).cluster().get("head") instanceof Map<?, ?> self
                    ? String.valueOf(self.get("role")) : "";
        } catch (HpcException e) {
            return "";
        }
    }

    /**
     * The heads that {@code head}'s head cluster has as members now (its cluster status lists them with a role
     * other than DOWN); empty when it does not answer.
     */
    Set<String> members(String head) {
        Set<String> out = new TreeSet<>();
        try {
            if (perHead.get(head).cluster().get("heads") instanceof List<?> heads) {
                for (Object o : heads) {
                    if (o instanceof Map<?, ?> h && !"DOWN".equals(String.valueOf(h.get("role")))) {
                        out.add(String.valueOf(h.get("name")));
                    }
                }
            }
        } catch (HpcException e) {
            // dead, frozen or starting: no members known
        }
        return out;
    }

    /** Whether the active {@code head} told the voters its standby may lack changes it acknowledged. */
    private boolean holdsOnlyCopy(String head) {
        return leaseSays(head, "soleCopy");
    }

    /** Whether the standby {@code head} found it holds every partition of the replicated state in step. */
    private boolean holdsCompleteCopy(String head) {
        return leaseSays(head, "completeCopy");
    }

    /** Whether {@code head}'s own status has {@code flag} true in its lease part. */
    private boolean leaseSays(String head, String flag) {
        try {
            return perHead.get(head).cluster().get("head") instanceof Map<?, ?> self
                    && self.get("lease") instanceof Map<?, ?> lease && Boolean.TRUE.equals(lease.get(flag));
        } catch (HpcException e) {
            return false;
        }
    }

    /** The head that calls itself ACTIVE, when exactly one live head does. */
    Optional<String> active() {
        List<String> active = new ArrayList<>();
        for (String h : HEADS) {
            if (alive(h) && ownRole(h).equals("ACTIVE")) {
                active.add(h);
            }
        }
        return active.size() == 1 ? Optional.of(active.get(0)) : Optional.empty();
    }

    static String other(String head) {
        return head.equals(HEAD1) ? HEAD2 : HEAD1;
    }

    /**
     * Whether the cluster is whole again: every daemon runs, one head is ACTIVE and the other STANDBY and in step
     * with it, both are members of one head cluster (after a cut, each may call itself so while the head clusters
     * have not merged yet), and the active head has every worker up. Empty when it is; else what is missing.
     */
    Optional<String> missing() {
        for (String d : daemons()) {
            if (!alive(d)) {
                return Optional.of(d + " is not running");
            }
        }
        Optional<String> active = active();
        if (active.isEmpty()) {
            return Optional.of("no single ACTIVE head (head1 says '" + ownRole(HEAD1) + "', head2 says '"
                    + ownRole(HEAD2) + "')");
        }
        String standby = other(active.get());
        String role = ownRole(standby);
        if (!role.equals("STANDBY")) {
            return Optional.of(standby + " is not STANDBY yet ('" + role + "')");
        }
        for (String h : HEADS) {
            Set<String> members = members(h);
            if (!members.containsAll(HEADS)) {
                return Optional.of("the heads are not in one head cluster yet (" + h + " has " + members + ")");
            }
        }
        if (holdsOnlyCopy(active.get())) {
            return Optional.of(active.get() + " may still hold the only copy of recent changes: " + standby
                    + " is not in step yet");
        }
        if (!holdsCompleteCopy(standby)) {
            return Optional.of(standby + " does not hold a complete copy of the replicated state yet");
        }
        try {
            List<NodeInfo> nodes = perHead.get(active.get()).nodes();
            List<String> up = nodes.stream().filter(n -> n.state() != NodeState.DOWN).map(NodeInfo::name).toList();
            List<String> notUp = workers().stream().filter(w -> !up.contains(w)).toList();
            return notUp.isEmpty() ? Optional.empty()
                    : Optional.of("workers not up on " + active.get() + ": " + notUp);
        } catch (HpcException e) {
            return Optional.of(active.get() + " does not list its nodes: " + e.getMessage());
        }
    }

    void kill(String daemon) {
        local.kill(daemon);
    }

    void freeze(String daemon, boolean frozen) {
        local.freeze(daemon, frozen);
    }

    void restart(String daemon) {
        local.startDaemon(daemon);
    }

    /** Crashes a worker's whole machine: its agent and every process of its tasks; see {@link NodeCrash}. */
    NodeLoss crash(String worker) {
        Daemon d = info.daemon(worker).orElseThrow(() -> new HpcException("no worker " + worker));
        long pid = local.info().flatMap(i -> i.daemon(worker)).map(Daemon::pid).orElse(d.pid());
        if (!alive(worker)) {
            throw new HpcException(worker + " is not running, so it cannot be crashed");
        }
        local.freeze(worker, true);
        long at = NodeCrash.killTree(pid);
        Poll.within(Duration.ofSeconds(10)).until(worker + " exits after SIGKILL", () -> !alive(worker));
        return new NodeLoss(worker, at);
    }

    /** The last lines of every daemon's log, for a failure message. */
    String logTails(int lines) {
        StringBuilder s = new StringBuilder();
        for (Daemon d : info.daemons()) {
            s.append(BenchSupport.tail(d.log(), d.role() == Daemon.Role.HEAD ? lines : 5));
        }
        return s.toString();
    }
}
