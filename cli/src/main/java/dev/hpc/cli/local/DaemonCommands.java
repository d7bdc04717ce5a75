package dev.hpc.cli.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The command lines a {@link LocalCluster} starts its daemons with: the arbiter of a cluster of several heads,
 * each head and each worker, from the cluster's {@link LocalSpec}, with the placeholders of its extra arguments
 * filled in ({@link #substitute}).
 */
final class DaemonCommands {
    /**
     * The daemons compile with C1 alone. Their work is I/O, JSON, the store and process starts, for which
     * C1's code was as fast as C2's in the throughput benchmark (and the scheduling cycle at 100,000 jobs
     * was no slower), while C2 kept compiling for minutes after a start and took a fifth of a 2-core
     * machine doing it (docs/performance.md).
     */
    static final List<String> DAEMON_JVM_ARGS = List.of("-XX:TieredStopAtLevel=1");
    private static final String BIND = LocalCluster.BIND;

    private final LocalSpec spec;
    private final List<String> heads;
    private final int arbiterPort;
    private final List<String> secret;
    private final Path adminTokenFile;
    private final Function<String, Path> dataDir;

    /**
     * @param heads          the heads' API addresses, head1 first
     * @param arbiterPort    the arbiter's port, when there are several heads
     * @param clusterSecret  the file of the secret the heads and workers share
     * @param adminTokenFile the admin token every head is given
     * @param dataDir        a daemon's data directory by its name, made if missing
     */
    DaemonCommands(LocalSpec spec, List<String> heads, int arbiterPort, Path clusterSecret, Path adminTokenFile,
                   Function<String, Path> dataDir) {
        this.spec = spec;
        this.heads = List.copyOf(heads);
        this.arbiterPort = arbiterPort;
        this.secret = List.of("--cluster-secret-file", clusterSecret.toString());
        this.adminTokenFile = adminTokenFile;
        this.dataDir = dataDir;
    }

    /** The arbiter, the third voter of two heads' leadership lease, on the port after the heads'. */
    List<String> arbiter() {
        List<String> args = new ArrayList<>(List.of("--arbiter", "--name", LocalCluster.ARBITER, "--cluster",
                spec.cluster(), "--port", String.valueOf(arbiterPort), "--bind", BIND, "--data-dir",
                dataDir.apply(LocalCluster.ARBITER).toString()));
        args.addAll(secret);
        return javaCommand(spec, List.of(), spec.headJar(), args);
    }

    /** Head {@code k}, from 1. */
    List<String> head(int k) {
        String name = "head" + k;
        int port = spec.port() + k - 1;
        List<String> args = new ArrayList<>(List.of("--name", name, "--cluster", spec.cluster(), "--port",
                String.valueOf(port), "--bind", BIND, "--data-dir", dataDir.apply(name).toString(),
                "--admin-token-file", adminTokenFile.toString()));
        args.addAll(secret);
        if (spec.heads() > 1) {
            args.addAll(List.of("--voters", String.join(",", voters(name))));
        }
        args.addAll(substitute(spec.headArgs(), name, k, port, heads, spec.routes()));
        return javaCommand(spec, List.of("-Djava.util.concurrent.ForkJoinPool.common.parallelism=4"),
                spec.headJar(), args);
    }

    /** Worker {@code k} ({@code nodeK}), from 1. */
    List<String> worker(int k) {
        String name = "node" + k;
        List<String> routed = new ArrayList<>();
        for (int j = 0; j < heads.size(); j++) {
            routed.add(spec.routes().address(name, "head" + (j + 1), LocalSpec.Port.API, heads.get(j)));
        }
        List<String> args = new ArrayList<>(List.of("--name", name, "--heads", String.join(",", routed),
                "--cores", String.valueOf(spec.coresPerWorker()), "--spool-dir", dataDir.apply(name).toString()));
        args.addAll(secret);
        if (runsAsRoot()) {
            // a local cluster is a personal one: its user submits, and here that user is root
            args.add("--allow-root-jobs");
        }
        args.addAll(substitute(spec.workerArgs(), name, k, 0, heads, spec.routes()));
        return javaCommand(spec, List.of(), spec.workerJar(), args);
    }

    /**
     * Head {@code name}'s voters: its own address (a head always reaches itself), the other heads' and the
     * arbiter's, each as {@code spec.routes()} gives it.
     */
    private List<String> voters(String name) {
        List<String> out = new ArrayList<>();
        for (int j = 0; j < heads.size(); j++) {
            String other = "head" + (j + 1);
            out.add(other.equals(name) ? heads.get(j)
                    : spec.routes().address(name, other, LocalSpec.Port.API, heads.get(j)));
        }
        out.add(spec.routes().address(name, LocalCluster.ARBITER, LocalSpec.Port.API, BIND + ":" + arbiterPort));
        return out;
    }

    static List<String> substitute(List<String> args, String name, int index, int port, List<String> heads) {
        return substitute(args, name, index, port, heads, LocalSpec.Routes.DIRECT);
    }

    static List<String> substitute(List<String> args, String name, int index, int port, List<String> heads,
                                   LocalSpec.Routes routes) {
        List<String> peers = new ArrayList<>();
        for (int j = 0; j < heads.size(); j++) {
            String head = "head" + (j + 1);
            String direct = peerAddress(heads.get(j));
            peers.add(head.equals(name) ? routes.address("", head, LocalSpec.Port.PEER, direct)
                    : routes.address(name, head, LocalSpec.Port.PEER, direct));
        }
        String published = port == 0 ? "" : routes.address("", name, LocalSpec.Port.PEER,
                BIND + ":" + (port + LocalCluster.PEER_PORT_OFFSET));
        List<String> out = new ArrayList<>();
        for (String a : args) {
            out.add(a.replace("{name}", name).replace("{index}", String.valueOf(index))
                    .replace("{port}", String.valueOf(port)).replace("{heads}", String.join(",", heads))
                    .replace("{peerPort}", String.valueOf(port + LocalCluster.PEER_PORT_OFFSET))
                    .replace("{peerAddress}", published)
                    .replace("{peers}", String.join(",", peers)));
        }
        return out;
    }

    private static String peerAddress(String head) {
        int colon = head.lastIndexOf(':');
        return head.substring(0, colon) + ":" + (Integer.parseInt(head.substring(colon + 1))
                + LocalCluster.PEER_PORT_OFFSET);
    }

    private static List<String> javaCommand(LocalSpec spec, List<String> ownJvmArgs, Path jar, List<String> args) {
        List<String> c = new ArrayList<>();
        setsid().ifPresent(c::add);
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.addAll(DAEMON_JVM_ARGS);
        c.addAll(ownJvmArgs);
        c.addAll(spec.jvmArgs());
        c.add("-jar");
        c.add(jar.toString());
        c.addAll(args);
        return c;
    }

    /** Whether this process runs as root (uid 0, from /proc/self/status). */
    static boolean runsAsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).trim().split("\\s+")[0].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /**
     * {@code setsid} puts a daemon in a session of its own, so that neither Ctrl-C in the terminal
     * that ran {@code hpc local up} nor closing it reaches the daemon. A process started from Java is
     * no process-group leader, so setsid runs the program in place and the pid stays the daemon's.
     */
    private static Optional<String> setsid() {
        for (String p : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(p))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
