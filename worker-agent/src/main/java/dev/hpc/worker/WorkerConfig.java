package dev.hpc.worker;

import dev.hpc.api.HpcException;
import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.client.UserHome;
import dev.hpc.api.job.ContainerImage;
import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeTraits;
import dev.hpc.api.wire.ClusterSecret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Everything the worker agent is told at start-up: defaults, then flags, validated as a whole.
 *
 * @param nodeName          the name the node registers under (default: the short host name)
 * @param hostName          the host name sent in the registration (default: the resolver's name)
 * @param heads             every head to keep a link to; at least one
 * @param cores             cores offered to tasks (default: the processors the JVM sees)
 * @param memoryBytes       memory offered to tasks (default: MemTotal of /proc/meminfo)
 * @param spoolDir          where attempts keep their script, node file and TMPDIR
 *                          (default: {@code /var/spool/hpc/<node>} for root, else {@code ~/.hpc/spool/<node>})
 * @param heartbeatInterval heartbeat period until a head's welcome sets another
 * @param reconnectMin      first delay before reconnecting a failed link; doubles on each failure
 * @param reconnectMax      longest delay between reconnect attempts
 * @param killGrace         time between SIGTERM and SIGKILL when a task is killed
 * @param connectTimeout    how long one connection attempt to a head may take
 * @param maxMessageBytes   largest link message accepted (a launch carries the whole script)
 * @param healthCheck       a node-health-check script, run every {@code healthInterval}; exit 0 passes,
 *                          anything else (or running past {@code healthTimeout}) fails with the
 *                          script's first line of output as the message
 * @param healthInterval    how often the health check runs
 * @param healthTimeout     how long one run of the health check may take
 * @param generic           generic resources offered to tasks ({@code --generic gpu=2}), by name
 * @param traits            node properties ({@code --properties ib,bigmem}) and string-valued host
 *                          resources ({@code --resource gpu_model=v100}) that jobs may ask for
 * @param linkTrust         the cluster secret the heads must prove, and TLS on the link (docs/security.md)
 * @param allowRootJobs     whether an agent running as root runs jobs owned by root
 *                          ({@code --allow-root-jobs}; docs/security.md)
 * @param gpus              the GPUs offered, by their driver's ids ({@code --gpus 0,1,2,3}, or found by
 *                          {@code nvidia-smi -L}); their count is the generic resource {@code gpu}
 * @param containerRuntime  the runtime that runs the scripts of jobs that name an image
 *                          ({@code --container-runtime}); its name is one of {@code traits}' properties
 */
public record WorkerConfig(String nodeName, String hostName, List<HeadAddress> heads, int cores, long memoryBytes,
                           Path spoolDir, Duration heartbeatInterval, Duration reconnectMin, Duration reconnectMax,
                           Duration killGrace, Duration connectTimeout, int maxMessageBytes,
                           Optional<Path> healthCheck, Duration healthInterval, Duration healthTimeout,
                           Map<String, Long> generic, LinkTrust linkTrust,
                           boolean allowRootJobs, NodeTraits traits, GpuDevices gpus,
                           Optional<ContainerRuntime> containerRuntime) {

    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RECONNECT_MIN = Duration.ofMillis(100);
    public static final Duration DEFAULT_RECONNECT_MAX = Duration.ofSeconds(2);
    public static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(5);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
    public static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofSeconds(10);

    private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    public WorkerConfig {
        heads = List.copyOf(heads);
        spoolDir = spoolDir.toAbsolutePath().normalize();
        generic = Collections.unmodifiableMap(new TreeMap<>(generic));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects overrides; {@link #build()} fills in the defaults and validates everything at once. */
    public static final class Builder {
        private Optional<String> nodeName = Optional.empty();
        private Optional<String> hostName = Optional.empty();
        private final List<String> heads = new ArrayList<>();
        private Optional<Integer> cores = Optional.empty();
        private Optional<String> memory = Optional.empty();
        private Optional<Path> spoolDir = Optional.empty();
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT;
        private Duration reconnectMin = DEFAULT_RECONNECT_MIN;
        private Duration reconnectMax = DEFAULT_RECONNECT_MAX;
        private Optional<String> killGrace = Optional.empty();
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private Optional<Path> healthCheck = Optional.empty();
        private Optional<String> healthInterval = Optional.empty();
        private Optional<String> healthTimeout = Optional.empty();
        private Optional<String> generic = Optional.empty();
        private Optional<String> gpus = Optional.empty();
        private String properties = "";
        private String containerRuntime = "none";
        private String path = System.getenv("PATH");
        private final List<String> resources = new ArrayList<>();
        private Optional<Path> clusterSecretFile = Optional.empty();
        private Optional<ClusterSecret> clusterSecret = Optional.empty();
        private boolean tls;
        private Optional<Path> tlsCa = Optional.empty();
        private boolean allowRootJobs;

        private Builder() {
        }

        /** The cluster secret's file ({@code --cluster-secret-file}): read and checked by {@link #build()}. */
        public Builder clusterSecretFile(Path file) {
            clusterSecretFile = Optional.of(file);
            return this;
        }

        /** The cluster secret itself (tests). */
        public Builder clusterSecret(ClusterSecret secret) {
            clusterSecret = Optional.of(secret);
            return this;
        }

        /** Links to the heads over TLS ({@code wss://}), trusting the JVM's default certificates. */
        public Builder tls() {
            tls = true;
            return this;
        }

        /** Links over TLS trusting the certificates in this PEM file ({@code --tls-ca}). */
        public Builder tlsCa(Path pemFile) {
            tls = true;
            tlsCa = Optional.of(pemFile);
            return this;
        }

        /** Lets an agent running as root run root's jobs (a personal cluster; docs/security.md). */
        public Builder allowRootJobs(boolean v) {
            allowRootJobs = v;
            return this;
        }

        /** Generic resources: {@code gpu=2,scratch=100gb} (names as qsub's {@code -l}; gpus and ngpus mean gpu). */
        public Builder generic(String v) {
            generic = Optional.of(v);
            return this;
        }

        /** The GPUs offered, by their driver's ids: {@code 0,1,2,3}, {@code 1,3}, UUIDs, or {@code none}. */
        public Builder gpus(String v) {
            gpus = Optional.of(v);
            return this;
        }

        /**
         * {@code auto} (the first of podman, apptainer, singularity on PATH), {@code none} (the default here; the
         * command line's is auto), a runtime's name or its path.
         */
        public Builder containerRuntime(String v) {
            containerRuntime = v;
            return this;
        }

        /** Where {@code auto} and a runtime's bare name are looked up: the agent's PATH unless set. */
        Builder searchPath(String v) {
            path = v;
            return this;
        }

        /** Node properties (Torque) or features (Slurm): {@code ib,bigmem}; adds to earlier ones. */
        public Builder properties(String v) {
            properties = properties.isEmpty() ? v : properties + "," + v;
            return this;
        }

        /** A string-valued host resource, {@code gpu_model=v100}; once per name. */
        public Builder resource(String v) {
            resources.add(v);
            return this;
        }

        /** The node-health-check script: an executable file. */
        public Builder healthCheck(Path script) {
            healthCheck = Optional.of(script);
            return this;
        }

        /** How often the health check runs, as a duration: {@code 30s}, {@code 5m}. */
        public Builder healthInterval(String v) {
            healthInterval = Optional.of(v);
            return this;
        }

        /** How long one run may take before it counts as failed, as a duration: {@code 10s}. */
        public Builder healthTimeout(String v) {
            healthTimeout = Optional.of(v);
            return this;
        }

        public Builder nodeName(String v) {
            nodeName = Optional.of(v);
            return this;
        }

        public Builder hostName(String v) {
            hostName = Optional.of(v);
            return this;
        }

        /** Adds head addresses; each entry may itself be a comma-separated list. */
        public Builder heads(List<String> v) {
            for (String entry : v) {
                for (String part : entry.split(",")) {
                    if (!part.isBlank()) {
                        heads.add(part.trim());
                    }
                }
            }
            return this;
        }

        public Builder cores(int v) {
            cores = Optional.of(v);
            return this;
        }

        /** Memory as a size: {@code 4gb}, {@code 512mb} or bytes. */
        public Builder memory(String v) {
            memory = Optional.of(v);
            return this;
        }

        public Builder spoolDir(Path v) {
            spoolDir = Optional.of(v);
            return this;
        }

        public Builder heartbeatInterval(Duration v) {
            heartbeatInterval = v;
            return this;
        }

        public Builder reconnect(Duration min, Duration max) {
            reconnectMin = min;
            reconnectMax = max;
            return this;
        }

        /** The kill grace period as a duration: {@code 5s}, {@code 500ms}; a bare number is seconds. */
        public Builder killGrace(String v) {
            killGrace = Optional.of(v);
            return this;
        }

        public Builder connectTimeout(Duration v) {
            connectTimeout = v;
            return this;
        }

        public Builder maxMessageBytes(int v) {
            maxMessageBytes = v;
            return this;
        }

        /** Defaults, then the overrides; throws one {@link WorkerConfigException} naming every problem. */
        public WorkerConfig build() {
            List<String> errors = new ArrayList<>();

            String node = nodeName.orElseGet(NodeFacts::shortHostName);
            if (!NODE_NAME.matcher(node).matches() || !NodeAccess.isNodeName(node)) {
                errors.add("--name '" + (node.length() > 80 ? node.substring(0, 80) + "..." : node) + "' must start "
                        + "with a letter or digit, hold only letters, digits, '.', '_' and '-', and be at most 253 "
                        + "characters long");
            }
            String host = hostName.orElseGet(NodeFacts::hostName);

            List<HeadAddress> addresses = new ArrayList<>();
            if (heads.isEmpty()) {
                errors.add("--heads is required: give every head as host:port, comma-separated (e.g. head1:8080,head2:8080)");
            }
            for (String h : heads) {
                try {
                    HeadAddress a = HeadAddress.parse(h);
                    if (addresses.contains(a)) {
                        errors.add("--heads lists " + a + " twice; give each head once");
                    } else {
                        addresses.add(a);
                    }
                } catch (WorkerConfigException e) {
                    errors.add(e.getMessage());
                }
            }

            int c = cores.orElseGet(() -> Runtime.getRuntime().availableProcessors());
            if (c < 1) {
                errors.add("--cores " + c + " must be at least 1");
            }

            long mem = 0;
            try {
                mem = memory.map(m -> ConfigValues.parseBytes("--memory", m)).orElseGet(NodeFacts::totalMemory);
                if (mem < 1) {
                    errors.add(memory.isPresent() ? "--memory must be more than 0, as in 4gb"
                            : "the total memory of this machine is unknown: give it with --memory, as in --memory 4gb");
                }
            } catch (WorkerConfigException e) {
                errors.add(e.getMessage());
            }

            // root's home is closed to the users its jobs run as, who must reach their scripts in the spool
            Path spool = spoolDir.orElseGet(() -> RunAs.processUid() == 0 ? Path.of("/var/spool/hpc", node)
                    : UserHome.ofThisProcess().resolve(".hpc").resolve("spool").resolve(node));

            Duration grace = duration(errors, "--kill-grace", killGrace, DEFAULT_KILL_GRACE,
                    d -> d.compareTo(Duration.ofMinutes(10)) > 0,
                    "is longer than 10 minutes; a stuck task would hold the node that long");

            requirePositive(errors, "the heartbeat interval", heartbeatInterval);
            requirePositive(errors, "the first reconnect delay", reconnectMin);
            requirePositive(errors, "the connect timeout", connectTimeout);
            if (reconnectMax.compareTo(reconnectMin) < 0) {
                errors.add("the longest reconnect delay " + reconnectMax.toMillis() + " ms is shorter than the first, "
                        + reconnectMin.toMillis() + " ms");
            }
            if (maxMessageBytes < 65536) {
                errors.add("the largest link message must be at least 65536 bytes, not " + maxMessageBytes);
            }

            Optional<Path> check = healthCheck.map(p -> p.toAbsolutePath().normalize());
            check.ifPresent(p -> {
                if (!Files.isRegularFile(p)) {
                    errors.add("--health-check " + p + " does not exist or is not a file");
                } else if (!Files.isExecutable(p)) {
                    errors.add("--health-check " + p + " is not executable: chmod +x it");
                }
            });
            Duration checkEvery = duration(errors, "--health-interval", healthInterval, DEFAULT_HEALTH_INTERVAL,
                    WorkerConfig.Builder::belowHealthMinimum, "must be at least 100ms");
            Duration checkLimit = duration(errors, "--health-timeout", healthTimeout, DEFAULT_HEALTH_TIMEOUT,
                    WorkerConfig.Builder::belowHealthMinimum, "must be at least 100ms");
            if (healthInterval.isPresent() || healthTimeout.isPresent()) {
                if (check.isEmpty()) {
                    errors.add("--health-interval and --health-timeout need --health-check SCRIPT");
                }
            }

            Map<String, Long> gres = new TreeMap<>(genericResources(errors, generic));
            GpuDevices devices = GpuDevices.NONE;
            if (gpus.isPresent()) {
                try {
                    devices = GpuDevices.parse(gpus.get());
                } catch (WorkerConfigException e) {
                    errors.add(e.getMessage());
                }
                if (gres.containsKey("gpu")) {
                    errors.add("--gpus and --generic gpu=N both declare this node's GPUs: keep --gpus, which lists "
                            + "them by id (their count is the gpu resource)");
                } else if (!devices.ids().isEmpty()) {
                    gres.put("gpu", (long) devices.ids().size());
                }
            }
            NodeTraits traits = NodeTraits.NONE;
            try {
                traits = NodeTraits.parse(properties, resources, "--properties", "--resource");
                for (String name : traits.resources().keySet()) {
                    if (gres.containsKey(name)) {
                        errors.add("--resource " + name + " is also a --generic resource; a name is a count or a "
                                + "string value, not both");
                    }
                }
            } catch (InvalidRequestException e) {
                errors.add(e.getMessage());
            }
            Optional<ContainerRuntime> runtime = Optional.empty();
            try {
                runtime = ContainerRuntime.choose(containerRuntime, path);
            } catch (WorkerConfigException e) {
                errors.add(e.getMessage());
            }
            for (String p : ContainerImage.RUNTIMES) {
                if (traits.properties().contains(p)) {
                    errors.add("--properties " + p + ": that is the property of a container runtime, which the "
                            + "worker declares itself when it has one (--container-runtime); leave it out");
                }
            }
            if (runtime.isPresent()) {
                Set<String> props = new TreeSet<>(traits.properties());
                props.add(runtime.get().kind().property());
                traits = new NodeTraits(props, traits.resources());
            }
            Optional<ClusterSecret> secret = clusterSecret;
            try {
                if (clusterSecretFile.isPresent()) {
                    secret = Optional.of(ClusterSecret.read(clusterSecretFile.get()));
                }
            } catch (HpcException e) {
                errors.add(e.getMessage());
            }
            tlsCa.ifPresent(ca -> {
                if (!Files.isReadable(ca)) {
                    errors.add("--tls-ca " + ca + " does not exist or cannot be read");
                }
            });
            if (!errors.isEmpty()) {
                throw new WorkerConfigException("cannot start the worker:\n  - " + String.join("\n  - ", errors));
            }
            return new WorkerConfig(node, host, addresses, c, mem, spool, heartbeatInterval, reconnectMin, reconnectMax,
                    grace, connectTimeout, maxMessageBytes, check, checkEvery, checkLimit, gres,
                    new LinkTrust(secret, tls, tlsCa.map(p -> p.toAbsolutePath().normalize())), allowRootJobs, traits,
                    devices, runtime);
        }

        /**
         * The duration {@code flag} gives as {@code text}, else {@code fallback}; one that cannot be parsed, or
         * that {@code refused} says no to ({@code flag text why}), adds its problem to {@code errors}.
         */
        private static Duration duration(List<String> errors, String flag, Optional<String> text, Duration fallback,
                                         Predicate<Duration> refused, String why) {
            try {
                Duration d = text.map(t -> ConfigValues.parseDuration(flag, t)).orElse(fallback);
                if (refused.test(d)) {
                    errors.add(flag + " " + text.orElse("") + " " + why);
                }
                return d;
            } catch (WorkerConfigException e) {
                errors.add(e.getMessage());
                return fallback;
            }
        }

        private static boolean belowHealthMinimum(Duration d) {
            return d.compareTo(Duration.ofMillis(100)) < 0;
        }

        /** {@code --generic gpu=2,scratch=100gb}: counts, or sizes in bytes when written with a unit. */
        private static Map<String, Long> genericResources(List<String> errors, Optional<String> text) {
            Map<String, Long> out = new TreeMap<>();
            if (text.isEmpty()) {
                return out;
            }
            for (String part : text.get().split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                String[] kv = part.trim().split("=", 2);
                String name = kv[0].trim().toLowerCase(Locale.ROOT);
                if (!name.matches("[a-z][a-z0-9_]*") || kv.length < 2) {
                    errors.add("--generic '" + part.trim() + "' must be NAME=COUNT or NAME=SIZE, e.g. gpu=2 or "
                            + "scratch=100gb");
                    continue;
                }
                if (name.equals("gpus") || name.equals("ngpus")) {
                    name = "gpu";
                }
                String value = kv[1].trim();
                try {
                    long amount = value.matches("\\d+") ? Long.parseLong(value)
                            : ConfigValues.parseBytes("--generic " + name, value);
                    if (amount < 0) {
                        throw new NumberFormatException();
                    }
                    out.put(name, amount);
                } catch (NumberFormatException | WorkerConfigException e) {
                    errors.add("--generic " + name + "=" + value + ": the amount must be a count (gpu=2) or a size "
                            + "(scratch=100gb)");
                }
            }
            return out;
        }

        private static void requirePositive(List<String> errors, String what, Duration d) {
            if (d.isNegative() || d.isZero()) {
                errors.add(what + " must be more than zero, not " + d.toMillis() + " ms");
            }
        }
    }
}
