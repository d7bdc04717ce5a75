package dev.hpc.examples;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.cli.local.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A real cluster with a hot standby for a failover test: two heads ({@code head1} on port P,
 * {@code head2} on P+1, their head cluster on P+100 and P+101) and N workers, started the way
 * {@code hpc local up --standby} starts them. How it starts and that {@link #close()} leaves nothing
 * behind is {@link ClusterFixture}'s, as for the one-head {@link RealCluster}.
 */
final class StandbyCluster extends ClusterFixture {
    static final String HEAD1 = "head1";
    static final String HEAD2 = "head2";
    static final List<String> HEADS = List.of(HEAD1, HEAD2);
    private static final List<String> STANDBY_HEAD_ARGS = List.of("--peers", "{peers}", "--peer-port", "{peerPort}");
    private static final Duration READY = Duration.ofSeconds(90);

    private final HeadClient client;

    private StandbyCluster(Parts parts) {
        super(parts);
        this.client = new HeadClient(servers(), local().adminToken(),
                HeadTransport.Settings.defaults().withMaxWait(Duration.ZERO).withRequestTimeout(Duration.ofSeconds(10)));
    }

    /**
     * Starts two heads and {@code workers} workers of {@code coresPerWorker} cores in {@code dir}, waits
     * until every worker is up and one head is ACTIVE and the other STANDBY. On failure nothing is left
     * running.
     */
    static StandbyCluster start(Path dir, int workers, int coresPerWorker) {
        return start(dir, workers, coresPerWorker, List.of());
    }

    /** As {@link #start(Path, int, int)}, with {@code headArgs} added to both heads' command lines. */
    static StandbyCluster start(Path dir, int workers, int coresPerWorker, List<String> headArgs) {
        return start(dir, workers, coresPerWorker, headArgs, List.of());
    }

    /** As {@link #start(Path, int, int, List)}, with {@code jvmArgs} added to every daemon's JVM options. */
    static StandbyCluster start(Path dir, int workers, int coresPerWorker, List<String> headArgs,
                                List<String> jvmArgs) {
        List<String> args = Stream.concat(STANDBY_HEAD_ARGS.stream(), headArgs.stream()).toList();
        return start(dir, "fo", workers, coresPerWorker, StandbyCluster::freeBasePort, READY,
                spec -> spec.withHeads(2).withHeadArgs(args)
                        .withJvmArgs(Stream.concat(spec.jvmArgs().stream(), jvmArgs.stream()).toList()), parts -> {
                    StandbyCluster c = new StandbyCluster(parts);
                    c.awaitRoles("one head ACTIVE and the other STANDBY after the start", Poll.TIMEOUT);
                    return c;
                });
    }

    /**
     * A port P with P and P+1 (the heads' HTTP ports), P+2 (the arbiter's) and P+100 and P+101 (their head
     * cluster ports) free, below the ephemeral range so that no outgoing connection takes one meanwhile.
     */
    static int freeBasePort() {
        for (int i = 0; i < 500; i++) {
            int p = 20_000 + ThreadLocalRandom.current().nextInt(10_000);
            if (Stream.of(p, p + 1, p + 2, p + LocalCluster.PEER_PORT_OFFSET, p + 1 + LocalCluster.PEER_PORT_OFFSET)
                    .allMatch(q -> LocalCluster.portFree("127.0.0.1", q))) {
                return p;
            }
        }
        throw new IllegalStateException("found no free ports P, P+1, P+2, P+100, P+101 between 20000 and 30101");
    }

    // ---- what tests use

    /** {@code 127.0.0.1:PORT} of a head. */
    String server(String head) {
        return "127.0.0.1:" + (port() + HEADS.indexOf(head));
    }

    /** Both heads' addresses, head1 first. */
    List<String> servers() {
        return List.of(server(HEAD1), server(HEAD2));
    }

    /** Where head {@code head} keeps its database. */
    Path dataDir(String head) {
        return local().dir().resolve(head);
    }

    /** A client of both heads that tries each once per call (the polls retry instead). */
    @Override
    HeadClient client() {
        return client;
    }

    /** A client of both heads with {@code settings}, as a user's program would have. */
    HeadClient client(HeadTransport.Settings settings) {
        return new HeadClient(servers(), local().adminToken(), settings);
    }

    /** The commands, given both heads' addresses ({@code --server A,B}). */
    Cli cli() {
        return new Cli(String.join(",", servers()), hpcHome(), config(), local().adminTokenFile());
    }

    /** {@code GET /api/v1/cluster} answered by {@code head} itself, never redirected. */
    Map<String, Object> clusterSeenBy(String head) {
        return new HeadClient(List.of(server(head)), local().adminToken(),
                HeadTransport.Settings.defaults().withMaxWait(Duration.ZERO).withRequestTimeout(Duration.ofSeconds(5)))
                .cluster();
    }

    /** Each head's role and epoch as {@code head} reports them: name to {@code ROLE/EPOCH}, e.g. {@code ACTIVE/2}. */
    Map<String, String> rolesSeenBy(String head) {
        Map<String, String> out = new LinkedHashMap<>();
        if (clusterSeenBy(head).get("heads") instanceof List<?> heads) {
            for (Object o : heads) {
                if (o instanceof Map<?, ?> h) {
                    out.put(String.valueOf(h.get("name")), h.get("role") + "/" + h.get("epoch"));
                }
            }
        }
        return out;
    }

    /** The role {@code head} gives itself ({@code head.role} of its own cluster status). */
    String ownRole(String head) {
        return clusterSeenBy(head).get("head") instanceof Map<?, ?> self ? String.valueOf(self.get("role")) : "";
    }

    /**
     * The active head and its epoch once a live head says it is ACTIVE and the other live head (if any)
     * agrees and calls itself STANDBY; empty while a takeover is under way.
     */
    Optional<Active> active() {
        for (String h : HEADS) {
            if (!local().isAlive(h)) {
                continue;
            }
            Map<String, String> roles = rolesSeenBy(h);
            for (String candidate : HEADS) {
                String r = roles.getOrDefault(candidate, "");
                if (r.startsWith("ACTIVE/") && local().isAlive(candidate) && ownRole(candidate).equals("ACTIVE")) {
                    String other = candidate.equals(HEAD1) ? HEAD2 : HEAD1;
                    if (local().isAlive(other) && !ownRole(other).equals("STANDBY")) {
                        return Optional.empty();
                    }
                    return Optional.of(new Active(candidate, Long.parseLong(r.substring("ACTIVE/".length()))));
                }
            }
        }
        return Optional.empty();
    }

    record Active(String head, long epoch) {
        String other() {
            return head.equals(HEAD1) ? HEAD2 : HEAD1;
        }
    }

    /**
     * Waits until one head is ACTIVE and every other live head STANDBY and in step with it (the active head no
     * longer says it may hold the only copy, so that the standby can take over when it is lost); returns the
     * active one.
     */
    Active awaitRoles(String what, Duration timeout) {
        return Poll.value(what, timeout, () -> active().filter(a -> !local().isAlive(a.other())
                || !holdsOnlyCopy(a.head()) && holdsCompleteCopy(a.other())), this::describe);
    }

    /**
     * As {@link #awaitRoles}, and every voter backs the active head's lease, so that no bid of the standby is
     * under way: a test that freezes the standby next then sees what the freeze does. On a loaded machine the
     * active head's renewals can lapse for a moment, and the standby's bid then wins, or leaves a voter promised to
     * it; a standby frozen at that moment took the active head's lease down with it.
     */
    Active awaitSettledRoles(String what, Duration timeout) {
        return Poll.value(what + ", with every voter behind the active head's lease", timeout,
                () -> active().filter(a -> local().isAlive(a.other()) && !holdsOnlyCopy(a.head())
                        && holdsCompleteCopy(a.other()) && backedByEveryVoter(a)), this::describe);
    }

    private boolean backedByEveryVoter(Active active) {
        return clusterSeenBy(active.head()).get("head") instanceof Map<?, ?> self
                && self.get("lease") instanceof Map<?, ?> lease && Boolean.TRUE.equals(lease.get("held"))
                && lease.get("epoch") instanceof Number epoch && epoch.longValue() == active.epoch()
                && lease.get("votersBacking") instanceof Number backing && lease.get("voters") instanceof Number voters
                && backing.intValue() == voters.intValue();
    }

    /** Whether the standby {@code head} found it holds every partition of the replicated state in step. */
    boolean holdsCompleteCopy(String head) {
        return clusterSeenBy(head).get("head") instanceof Map<?, ?> self
                && self.get("lease") instanceof Map<?, ?> lease && Boolean.TRUE.equals(lease.get("completeCopy"));
    }

    /** Whether the active {@code head} told the voters its standby may lack changes it acknowledged. */
    boolean holdsOnlyCopy(String head) {
        return clusterSeenBy(head).get("head") instanceof Map<?, ?> self
                && self.get("lease") instanceof Map<?, ?> lease && Boolean.TRUE.equals(lease.get("soleCopy"));
    }

    /** Waits until a head other than {@code previous} is ACTIVE with an epoch above {@code previousEpoch}. */
    Active awaitTakeover(Active previous, Duration timeout) {
        return Poll.value(previous.other() + " takes over from " + previous.head() + " with an epoch above "
                + previous.epoch(), timeout, () -> active().filter(a -> a.head().equals(previous.other())
                && a.epoch() > previous.epoch()), this::describe);
    }

    /**
     * SIGKILL to the active head, then waits until the other head takes over; prints how long that
     * took, as the test saw it.
     */
    Active killAndAwaitTakeover(Active previous, Duration timeout) {
        long t0 = System.nanoTime();
        kill(previous.head());
        Active next = awaitTakeover(previous, timeout);
        System.out.println("StandbyCluster " + name() + ": killed " + previous.head() + " (epoch " + previous.epoch()
                + "); " + next.head() + " ACTIVE with epoch " + next.epoch() + " " + (System.nanoTime() - t0) / 1_000_000
                + " ms after the kill");
        return next;
    }

    void awaitWorkersUp(Duration timeout) {
        Poll.until("every worker is registered with the active head", timeout, this::workersUp, this::describe);
    }

    /** SIGSTOP ({@code frozen}) or SIGCONT to a head or the arbiter: a hung process. */
    void freeze(String daemon, boolean frozen) {
        local().freeze(daemon, frozen);
    }

    /** SIGKILL to a head: a crash. */
    void kill(String head) {
        local().kill(head);
    }

    /** Starts a head again with its recorded command. */
    void restart(String head) {
        local().startDaemon(head);
    }

    /** Starts a head again with {@code --force-stale-start}, as an operator does when the head that led last is lost. */
    void restartForcingStaleStart(String head) {
        local().startDaemon(head, List.of("--force-stale-start"));
    }

    boolean alive(String head) {
        return local().isAlive(head);
    }

    /** What both heads say about the cluster, and the last lines of their logs: for failure messages. */
    String describe() {
        StringBuilder s = new StringBuilder();
        for (String h : HEADS) {
            try {
                s.append(h).append(local().isAlive(h) ? " (alive)" : " (dead)").append(" sees ").append(rolesSeenBy(h))
                        .append("; ");
            } catch (RuntimeException e) {
                s.append(h).append(local().isAlive(h) ? " (alive)" : " (dead)").append(": ").append(e.getMessage())
                        .append("; ");
            }
        }
        return s + "\n" + logTails(local(), 25);
    }

    @Override
    public String toString() {
        return "cluster " + name() + " at " + servers() + " in " + local().dir();
    }
}
