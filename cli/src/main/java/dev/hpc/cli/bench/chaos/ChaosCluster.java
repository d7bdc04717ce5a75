package dev.hpc.cli.bench.chaos;

import dev.hpc.api.HeadClient;
import dev.hpc.api.HpcException;
import dev.hpc.api.NodeInfo;
import dev.hpc.api.NodeState;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

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
    /** A status question to one head: a frozen head must not hold the injector long. */
    private static final HeadClient.Settings ONE_TRY = new HeadClient.Settings(Duration.ZERO, Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofMillis(10), Duration.ofMillis(10));

    private final LocalCluster local;
    private final LocalClusterInfo info;
    private final Map<String, HeadClient> perHead = new LinkedHashMap<>();

    private ChaosCluster(LocalCluster local, LocalClusterInfo info) {
        this.local = local;
        this.info = info;
        for (String h : HEADS) {
            perHead.put(h, new HeadClient(List.of(address(h)), local.adminToken(), ONE_TRY));
        }
    }

    /** Starts the cluster in {@code s.dir()/cluster}; on failure nothing is left running. */
    static ChaosCluster start(ChaosSettings s, LocalCluster local) {
        String name = "chaos" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        for (int attempt = 1; ; attempt++) {
            int port = s.port() != 0 ? s.port() : freeBasePort();
            LocalSpec spec = LocalSpec.defaults(s.hpcHome()).withHeads(2).withHeadArgs(STANDBY_HEAD_ARGS)
                    .withWorkers(s.workers()).withCoresPerWorker(s.cores()).withPort(port).withCluster(name)
                    .withJvmArgs(s.daemonJvmArgs()).withReadyTimeout(s.stepTimeout().compareTo(Duration.ofSeconds(90))
                            > 0 ? s.stepTimeout() : Duration.ofSeconds(90));
            try {
                return new ChaosCluster(local, local.start(spec));
            } catch (HpcException e) {
                // another process may have taken a free port between the probe and the start
                if (s.port() != 0 || attempt >= 3 || !String.valueOf(e.getMessage()).contains("is taken")) {
                    throw e;
                }
            }
        }
    }

    /** A port P with P, P+1 (the heads), P+2 (the arbiter), P+100 and P+101 (the head cluster) free. */
    static int freeBasePort() {
        for (int i = 0; i < 500; i++) {
            int p = 20_000 + ThreadLocalRandom.current().nextInt(10_000);
            if (Stream.of(p, p + 1, p + 2, p + LocalCluster.PEER_PORT_OFFSET, p + 1 + LocalCluster.PEER_PORT_OFFSET)
                    .allMatch(q -> LocalCluster.portFree("127.0.0.1", q))) {
                return p;
            }
        }
        throw new HpcException("found no free ports P to P+2, P+100 and P+101 between 20000 and 30101: give --port");
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

    HeadClient client(HeadClient.Settings settings) {
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

    /** Whether the active {@code head} told the voters its standby may lack changes it acknowledged. */
    private boolean holdsOnlyCopy(String head) {
        try {
            return perHead.get(head).cluster().get("head") instanceof Map<?, ?> self
                    && self.get("lease") instanceof Map<?, ?> lease && Boolean.TRUE.equals(lease.get("soleCopy"));
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
     * with it, and the active head has every worker up. Empty when it is; else what is missing.
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
        if (holdsOnlyCopy(active.get())) {
            return Optional.of(active.get() + " may still hold the only copy of recent changes: " + standby
                    + " is not in step yet");
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
    NodeKill crash(String worker) {
        Daemon d = info.daemon(worker).orElseThrow(() -> new HpcException("no worker " + worker));
        long pid = local.info().flatMap(i -> i.daemon(worker)).map(Daemon::pid).orElse(d.pid());
        if (!alive(worker)) {
            throw new HpcException(worker + " is not running, so it cannot be crashed");
        }
        local.freeze(worker, true);
        long at = NodeCrash.killTree(pid);
        Poll.until(worker + " exits after SIGKILL", Duration.ofSeconds(10), () -> !alive(worker));
        return new NodeKill(worker, at);
    }

    /** The last lines of every daemon's log, for a failure message. */
    String logTails(int lines) {
        StringBuilder s = new StringBuilder();
        for (Daemon d : info.daemons()) {
            s.append(tail(d.log(), d.role() == Daemon.Role.HEAD ? lines : 5));
        }
        return s.toString();
    }

    static String tail(java.nio.file.Path log, int lines) {
        try {
            List<String> all = java.nio.file.Files.readAllLines(log, java.nio.charset.StandardCharsets.UTF_8);
            return "--- last lines of " + log + ":\n  " + String.join("\n  ",
                    all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return "--- " + log + ": cannot read (" + e.getMessage() + ")\n";
        }
    }
}
