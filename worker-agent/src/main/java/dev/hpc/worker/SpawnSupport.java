package dev.hpc.worker;

import dev.hpc.api.client.ClientTls;
import dev.hpc.api.wire.SpawnProtocol;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import dev.hpc.mpi.HostFiles;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a task needs to start commands on the nodes of its allocation and to run MPI there without ssh
 * (docs/mpi.md): the variables that let {@code hpc-rsh} and {@code hpc dsh} reach the head and name the
 * attempt, the agent settings that make a plain {@code mpirun}/{@code mpiexec} use {@code hpc-rsh}, and,
 * for a multi-node task, the allocation's host files in Open MPI's and MPICH's forms. The spawn token
 * itself comes from the head, in the launch order's environment.
 *
 * <p>Settings the submission exported itself win over those given here, except the {@code HPC_*}
 * variables, which are always this worker's.
 */
final class SpawnSupport {
    static final String OPEN_MPI_HOSTFILE = "hostfile";
    static final String MPICH_HOSTFILE = "hostfile.mpich";
    /** The agent under the installation's root. */
    static final String AGENT = "bin/hpc-rsh";

    private final String servers;
    private final Optional<Path> home;
    /** The CA file the worker trusts, passed on so that hpc-rsh and qsub in the job trust the heads too. */
    private Optional<Path> tlsCa = Optional.empty();

    SpawnSupport(String servers, Optional<Path> home) {
        this.servers = servers;
        this.home = home;
    }

    /** No head to name and no installation found: tasks get the job's variables and host files only. */
    static SpawnSupport none() {
        return new SpawnSupport("", Optional.empty());
    }

    static SpawnSupport create(WorkerConfig config) {
        String scheme = config.linkTrust().tls() ? "https://" : "";
        String servers = config.heads().stream().map(h -> scheme + h).collect(Collectors.joining(","));
        SpawnSupport support = new SpawnSupport(servers, findHome(System.getProperty("hpc.home", ""),
                Optional.ofNullable(System.getenv(SpawnProtocol.ENV_HOME)).orElse(""), jarLocation()));
        support.tlsCa = config.linkTrust().tlsCa();
        return support;
    }

    Optional<Path> home() {
        return home;
    }

    /**
     * The installation root: {@code -Dhpc.home}, else {@code $HPC_HOME}, else the root of the repository
     * whose {@code worker-agent/target/} holds this jar; the first that has an executable {@code bin/hpc-rsh}.
     */
    static Optional<Path> findHome(String property, String environment, Optional<Path> jar) {
        Set<Path> candidates = new LinkedHashSet<>();
        if (!property.isBlank()) {
            candidates.add(Path.of(property));
        }
        if (!environment.isBlank()) {
            candidates.add(Path.of(environment));
        }
        jar.map(Path::getParent).map(Path::getParent).map(Path::getParent).ifPresent(candidates::add);
        for (Path c : candidates) {
            Path root = c.toAbsolutePath().normalize();
            if (Files.isExecutable(root.resolve(AGENT))) {
                return Optional.of(root);
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> jarLocation() {
        try {
            CodeSource source = SpawnSupport.class.getProtectionDomain().getCodeSource();
            return source == null ? Optional.empty() : Optional.of(Path.of(source.getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Writes the host files of a multi-node task into {@code dir} and returns the variables to add to
     * the task's environment {@code env} (which already holds the job's and the PBS variables).
     */
    Map<String, String> prepare(LaunchOrder order, Path dir, List<String> nodeFileLines, Map<String, String> env)
            throws IOException {
        Map<String, String> add = new LinkedHashMap<>();
        if (!servers.isEmpty()) {
            add.put(SpawnProtocol.ENV_SERVER, servers);
        }
        tlsCa.ifPresent(ca -> add.put(ClientTls.CA_ENV, ca.toString()));
        add.put(SpawnProtocol.ENV_JOB_ID, order.taskName());
        add.put(SpawnProtocol.ENV_ATTEMPT_ID, Long.toString(order.attemptId()));
        if (home.isPresent()) {
            Path root = home.get();
            String agent = root.resolve(AGENT).toString();
            add.put(SpawnProtocol.ENV_HOME, root.toString());
            String path = env.getOrDefault("PATH", "");
            String bin = root.resolve("bin").toString();
            if (!List.of(path.split(":")).contains(bin)) {
                add.put("PATH", path.isEmpty() ? bin : path + ":" + bin);
            }
            unlessSet(env, add, "OMPI_MCA_plm_rsh_agent", agent);
            unlessSet(env, add, "OMPI_MCA_plm_rsh_no_tree_spawn", "1");
            unlessSet(env, add, "OMPI_MCA_orte_leave_session_attached", "1");
            unlessSet(env, add, "HYDRA_LAUNCHER", "rsh");
            unlessSet(env, add, "HYDRA_LAUNCHER_EXEC", agent);
            // Hydra would give every rank mpiexec's environment, node-local variables included; the
            // agent forwards the job's environment to each node's proxy, whose worker sets its own
            unlessSet(env, add, "HYDRA_ENV", "none");
        }
        if (order.nodes().size() > 1) {
            Map<String, Integer> slots = HostFiles.slots(nodeFileLines);
            Path openMpi = dir.resolve(OPEN_MPI_HOSTFILE);
            Path mpich = dir.resolve(MPICH_HOSTFILE);
            Files.writeString(openMpi, HostFiles.openMpi(slots), StandardCharsets.UTF_8);
            Files.writeString(mpich, HostFiles.mpich(slots), StandardCharsets.UTF_8);
            add.put(SpawnProtocol.ENV_HOSTFILE, openMpi.toString());
            add.put(SpawnProtocol.ENV_MPICH_HOSTFILE, mpich.toString());
            unlessSet(env, add, "OMPI_MCA_orte_default_hostfile", openMpi.toString());
            unlessSet(env, add, "HYDRA_HOST_FILE", mpich.toString());
            if (oneMachine(env.getOrDefault(SpawnProtocol.ENV_NODE_HOSTS, ""), slots.size())) {
                // several workers on one machine: no shared-memory transport between the "nodes", loopback only
                unlessSet(env, add, "OMPI_MCA_btl", "self,tcp");
                unlessSet(env, add, "OMPI_MCA_oob_tcp_if_include", "lo");
                unlessSet(env, add, "OMPI_MCA_btl_tcp_if_include", "lo");
                unlessSet(env, add, "HYDRA_IFACE", "lo");
            }
        }
        return add;
    }

    /**
     * Whether every node of the allocation runs on the same machine, as {@code HPC_NODE_HOSTS}
     * ({@code node=host,...}, from the head) tells; false when a host is unknown.
     */
    static boolean oneMachine(String nodeHosts, int nodes) {
        Set<String> hosts = new LinkedHashSet<>();
        int known = 0;
        for (String entry : nodeHosts.split(",")) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                continue;
            }
            hosts.add(entry.substring(eq + 1));
            known++;
        }
        return nodes > 1 && known >= nodes && hosts.size() == 1;
    }

    private static void unlessSet(Map<String, String> env, Map<String, String> add, String name, String value) {
        if (!env.containsKey(name)) {
            add.put(name, value);
        }
    }
}
