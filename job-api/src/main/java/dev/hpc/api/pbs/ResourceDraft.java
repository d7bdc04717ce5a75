package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeConstraint;
import dev.hpc.api.job.Resources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The resource requests of one submission as they are read, each remembering where it was written,
 * and the rule that turns them into {@link Resources}.
 *
 * <p>Every setting replaces the earlier one of the same name. A node request is written either the
 * PBS way ({@code nodes=}, {@code select=}, {@code ncpus=}) or the Slurm way ({@code -N}, {@code -n},
 * {@code --ntasks-per-node}, {@code -c}); writing one way drops what was written the other way, so
 * the last one wins as a whole. {@code ncpus} after a node request sets its cores; a node request
 * naming cores after {@code ncpus} drops it. Memory likewise: PBS {@code mem} (whole job, split
 * over the nodes) and {@code pmem} (per process, times the cores of a node) against Slurm
 * {@code --mem} (per node), {@code --mem-per-cpu} and {@code --mem-per-gpu} (times the GPUs of a
 * node, at least one). When several memory requests apply, a node needs the largest of them, and
 * likewise for a generic resource given both per job and per node. Slurm's {@code --gpus} (for the
 * whole job) is spread evenly over the nodes, rounding up, and {@code --gpus-per-task} is times the
 * tasks of a node; a node gets the largest GPU count any of them asks for.
 *
 * <p>What kind of node ({@link NodeConstraint}) is the properties of the PBS node request
 * ({@code nodes=2:ppn=8:ib}, {@code select=...:gpu_model=v100}), and Torque's {@code -l feature=},
 * Slurm's {@code --constraint}, the GPU type of Slurm's {@code --gres=gpu:v100:2} and {@code --gpus=v100:2}
 * (the host resource {@code gpu_model}) and {@code -l NAME=STRING} besides: all of them at once.
 */
final class ResourceDraft {

    /** A value and where it was written, so that a conflict found later can still name its line. */
    record Setting<T>(T value, Origin origin, String what) {
        String where() {
            return origin.describe(what);
        }
    }

    private Optional<Setting<NodeShape>> shape = Optional.empty();
    private Optional<Setting<Integer>> ncpus = Optional.empty();
    private Optional<Setting<Long>> jobMemory = Optional.empty();
    private Optional<Setting<Long>> processMemory = Optional.empty();
    private Optional<Setting<Long>> slurmNodeMemory = Optional.empty();
    private Optional<Setting<Long>> slurmCpuMemory = Optional.empty();
    private Optional<Setting<Integer>> slurmNodes = Optional.empty();
    private Optional<Setting<Integer>> slurmTasks = Optional.empty();
    private Optional<Setting<Integer>> slurmTasksPerNode = Optional.empty();
    private Optional<Setting<Integer>> slurmCpusPerTask = Optional.empty();
    private Optional<Setting<Long>> slurmGpuMemory = Optional.empty();
    private Optional<Setting<Integer>> slurmGpus = Optional.empty();
    private Optional<Setting<Integer>> slurmGpusPerTask = Optional.empty();
    private Optional<Setting<Duration>> walltime = Optional.empty();
    private final Map<String, Long> generic = new TreeMap<>();
    private Optional<Setting<NodeConstraint>> feature = Optional.empty();
    private Optional<Setting<NodeConstraint>> slurmConstraint = Optional.empty();
    /** The image's runtimes ({@link ContainerImage#constraint}), from {@code -l container=} or {@code --container}. */
    private Optional<Setting<NodeConstraint>> container = Optional.empty();
    private final Map<String, NodeConstraint> hostValues = new TreeMap<>();
    // in the order written, so that a conflict names the lines in that order
    private final Map<String, Setting<NodeConstraint>> gpuTypes = new LinkedHashMap<>();
    private Optional<Setting<NodeAccess.Sharing>> sharing = Optional.empty();
    private Optional<Setting<Set<String>>> nodeList = Optional.empty();
    private Optional<Setting<Set<String>>> host = Optional.empty();
    private Optional<Setting<Set<String>>> excluded = Optional.empty();

    void shape(Setting<NodeShape> s) {
        dropSlurmNodes();
        shape = Optional.of(s);
        if (s.value().coresPerNode().isPresent()) {
            ncpus = Optional.empty();
        }
    }

    void ncpus(Setting<Integer> s) {
        dropSlurmNodes();
        ncpus = Optional.of(s);
    }

    void jobMemory(Setting<Long> s) {
        dropSlurmMemory();
        jobMemory = Optional.of(s);
    }

    void processMemory(Setting<Long> s) {
        dropSlurmMemory();
        processMemory = Optional.of(s);
    }

    void slurmNodeMemory(Setting<Long> s) {
        dropPbsMemory();
        dropSlurmMemory();
        slurmNodeMemory = Optional.of(s);
    }

    void slurmCpuMemory(Setting<Long> s) {
        dropPbsMemory();
        dropSlurmMemory();
        slurmCpuMemory = Optional.of(s);
    }

    void slurmGpuMemory(Setting<Long> s) {
        dropPbsMemory();
        dropSlurmMemory();
        slurmGpuMemory = Optional.of(s);
    }

    void slurmGpus(Setting<Integer> s) {
        slurmGpus = Optional.of(s);
    }

    void slurmGpusPerTask(Setting<Integer> s) {
        slurmGpusPerTask = Optional.of(s);
    }

    void slurmNodes(Setting<Integer> s) {
        dropPbsNodes();
        slurmNodes = Optional.of(s);
    }

    void slurmTasks(Setting<Integer> s) {
        dropPbsNodes();
        slurmTasks = Optional.of(s);
    }

    void slurmTasksPerNode(Setting<Integer> s) {
        dropPbsNodes();
        slurmTasksPerNode = Optional.of(s);
    }

    void slurmCpusPerTask(Setting<Integer> s) {
        dropPbsNodes();
        slurmCpusPerTask = Optional.of(s);
    }

    void walltime(Setting<Duration> s) {
        walltime = Optional.of(s);
    }

    void generic(String name, long amount) {
        generic.put(name, amount);
        hostValues.remove(name);
    }

    /** {@code -l NAME=STRING}: every node must have this host resource (or property, for {@code true}). */
    void hostValue(String name, NodeConstraint c) {
        hostValues.put(name, c);
        generic.remove(name);
    }

    /**
     * The GPU type one Slurm option ({@code --gres}, {@code --gpus}, ...) names, as the host resource
     * {@code gpu_model}; empty when that option, written again, names none.
     */
    void gpuType(String option, Optional<Setting<NodeConstraint>> s) {
        gpuTypes.remove(option);
        s.ifPresent(t -> gpuTypes.put(option, t));
    }

    /** A container image: the job runs only where a runtime for it is. */
    void container(Setting<NodeConstraint> s) {
        container = Optional.of(s);
    }

    /** Torque's {@code -l feature=}. */
    void feature(Setting<NodeConstraint> s) {
        feature = Optional.of(s);
    }

    /** Slurm's {@code --constraint}. */
    void slurmConstraint(Setting<NodeConstraint> s) {
        slurmConstraint = Optional.of(s);
    }

    /** PBS {@code place=...excl}, Torque {@code naccesspolicy}, Slurm {@code --exclusive}: the last one wins. */
    void sharing(Setting<NodeAccess.Sharing> s) {
        sharing = Optional.of(s);
    }

    /** Slurm's {@code --nodelist}. */
    void nodeList(Setting<Set<String>> s) {
        nodeList = Optional.of(s);
    }

    /** PBS {@code -l host=}. */
    void host(Setting<Set<String>> s) {
        host = Optional.of(s);
    }

    /** Slurm's {@code --exclude}. */
    void excluded(Setting<Set<String>> s) {
        excluded = Optional.of(s);
    }

    private void dropSlurmNodes() {
        slurmNodes = Optional.empty();
        slurmTasks = Optional.empty();
        slurmTasksPerNode = Optional.empty();
        slurmCpusPerTask = Optional.empty();
    }

    private void dropPbsNodes() {
        shape = Optional.empty();
        ncpus = Optional.empty();
    }

    private void dropSlurmMemory() {
        slurmNodeMemory = Optional.empty();
        slurmCpuMemory = Optional.empty();
        slurmGpuMemory = Optional.empty();
    }

    private void dropPbsMemory() {
        jobMemory = Optional.empty();
        processMemory = Optional.empty();
    }

    /** The per-node layout both ways of writing a node request come down to. */
    private record Layout(int nodes, int coresPerNode, int mpiprocsPerNode, long memoryPerNode,
                          Map<String, Long> generic) {
    }

    Resources resolve() {
        boolean slurm = Stream.of(slurmNodes, slurmTasks, slurmTasksPerNode, slurmCpusPerTask)
                .anyMatch(Optional::isPresent);
        SortedSet<String> required = new TreeSet<>();
        nodeList.ifPresent(s -> required.addAll(s.value()));
        host.ifPresent(s -> required.addAll(s.value()));
        if (!slurm) {
            shape.ifPresent(s -> required.addAll(s.value().hosts()));
        }
        Layout layout = slurm ? slurmLayout(required.size()) : pbsLayout(required.size());
        Map<String, Long> perNode = new TreeMap<>(generic);
        layout.generic().forEach((name, amount) -> perNode.merge(name, amount, Math::max));
        slurmGpus.ifPresent(s -> perNode.merge(GenericResources.GPU, ceilDiv(s.value(), layout.nodes()), Math::max));
        slurmGpusPerTask.ifPresent(s -> perNode.merge(GenericResources.GPU,
                (long) s.value() * layout.mpiprocsPerNode(), Math::max));
        perNode.computeIfPresent(GenericResources.GPU, (name, n) -> {
            if (n > GenericResources.MAX_COUNT) {
                throw new InvalidRequestException(wheres(List.of(slurmGpus, slurmGpusPerTask)) + " for " + n
                        + " GPUs per node; the limit is " + GenericResources.MAX_COUNT);
            }
            return n;
        });
        long memory = memoryPerNode(layout, perNode.getOrDefault(GenericResources.GPU, 0L));
        return new Resources(layout.nodes(), layout.coresPerNode(), memory,
                walltime.map(Setting::value).orElse(Duration.ZERO), layout.mpiprocsPerNode(), perNode,
                constraint(slurm), access(required, layout.nodes()));
    }

    private NodeAccess access(SortedSet<String> required, int nodes) {
        if (required.size() > nodes) {
            String count = Stream.of(slurmNodes, slurmTasks, shape).flatMap(Optional::stream).map(Setting::where)
                    .reduce((x, y) -> x + ", " + y).map(w -> w + ": ").orElse("");
            String names = Stream.of(nodeList, host, shape).flatMap(Optional::stream).map(Setting::where)
                    .reduce((x, y) -> x + ", " + y).orElse("the node list");
            throw new InvalidRequestException(count + "the job has " + nodes + " node" + (nodes == 1 ? "" : "s")
                    + " but " + names + " names " + required.size() + " that must all be among them ("
                    + String.join(", ", required) + "); ask for at least " + required.size()
                    + " nodes or name fewer");
        }
        try {
            return new NodeAccess(sharing.map(Setting::value).orElse(NodeAccess.Sharing.SHARED), required,
                    excluded.map(Setting::value).orElse(Set.of()));
        } catch (InvalidRequestException e) {
            String where = Stream.of(nodeList, host, excluded).flatMap(Optional::stream).map(Setting::where)
                    .reduce((a, b) -> a + ", " + b).orElse("");
            throw new InvalidRequestException(where + ": " + e.getMessage());
        }
    }

    private NodeConstraint constraint(boolean slurm) {
        List<Optional<? extends Setting<?>>> from = new ArrayList<>();
        NodeConstraint c = NodeConstraint.NONE;
        try {
            if (!slurm && shape.isPresent()) {
                from.add(shape);
                c = c.and(shape.get().value().constraint());
            }
            for (Optional<Setting<NodeConstraint>> s : List.of(feature, slurmConstraint, container)) {
                if (s.isPresent()) {
                    from.add(s);
                    c = c.and(s.get().value());
                }
            }
            for (Setting<NodeConstraint> t : gpuTypes.values()) {
                from.add(Optional.of(t));
                c = c.and(t.value());
            }
            for (NodeConstraint v : hostValues.values()) {
                c = c.and(v);
            }
        } catch (InvalidRequestException e) {
            String where = from.stream().flatMap(Optional::stream).map(Setting::where)
                    .reduce((a, b) -> a + ", " + b).map(w -> w + ": ").orElse("");
            throw new InvalidRequestException(where + e.getMessage());
        }
        return c;
    }

    /** A node list without a node count asks for as many nodes as it names, as Slurm's does. */
    private Layout pbsLayout(int named) {
        NodeShape s = shape.map(Setting::value)
                .orElse(new NodeShape(Math.max(1, named), OptionalInt.empty(), OptionalInt.empty(), 0, Map.of()));
        int cores = ncpus.map(Setting::value).orElse(s.coresPerNode().orElse(1));
        return new Layout(s.nodes(), cores, s.mpiprocsPerNode().orElse(cores), s.memoryPerNode(), s.generic());
    }

    private Layout slurmLayout(int named) {
        int cpusPerTask = slurmCpusPerTask.map(Setting::value).orElse(1);
        long nodes;
        long tasksPerNode;
        if (slurmTasksPerNode.isPresent()) {
            tasksPerNode = slurmTasksPerNode.get().value();
            nodes = slurmNodes.map(s -> (long) s.value())
                    .orElse(Math.max(named, slurmTasks.map(t -> ceilDiv(t.value(), tasksPerNode)).orElse(1L)));
        } else {
            nodes = slurmNodes.map(Setting::value).orElse(Math.max(1, named));
            tasksPerNode = slurmTasks.map(t -> ceilDiv(t.value(), nodes)).orElse(1L);
        }
        if (nodes > SubmitParser.MAX_NODES) {
            throw new InvalidRequestException(wheres(List.of(slurmTasks, slurmTasksPerNode)) + " for " + nodes
                    + " nodes; the limit is " + SubmitParser.MAX_NODES);
        }
        long cores = tasksPerNode * cpusPerTask;
        if (cores > SubmitParser.MAX_CORES_PER_NODE) {
            throw new InvalidRequestException(wheres(List.of(slurmNodes, slurmTasks, slurmTasksPerNode,
                    slurmCpusPerTask))
                    + " for " + cores + " cores per node (" + tasksPerNode + " tasks of " + cpusPerTask
                    + " cores); the limit is " + SubmitParser.MAX_CORES_PER_NODE);
        }
        return new Layout((int) nodes, (int) cores, (int) tasksPerNode, 0, Map.of());
    }

    private long memoryPerNode(Layout layout, long gpusPerNode) {
        List<Long> needs = new ArrayList<>();
        needs.add(layout.memoryPerNode());
        jobMemory.ifPresent(s -> needs.add(ceilDiv(s.value(), layout.nodes())));
        processMemory.ifPresent(s -> needs.add(timesCores(s, layout)));
        slurmNodeMemory.ifPresent(s -> needs.add(s.value()));
        slurmCpuMemory.ifPresent(s -> needs.add(timesCores(s, layout)));
        slurmGpuMemory.ifPresent(s -> needs.add(times(s, Math.max(1, gpusPerNode), "GPUs")));
        long memory = needs.stream().mapToLong(Long::longValue).max().orElse(0);
        if (memory > SubmitParser.MAX_MEMORY_PER_NODE) {
            throw new InvalidRequestException(wheres(List.of(shape, jobMemory, processMemory, slurmNodeMemory,
                    slurmCpuMemory, slurmGpuMemory))
                    + " for " + Sizes.format(memory) + " per node; the limit is "
                    + Sizes.format(SubmitParser.MAX_MEMORY_PER_NODE));
        }
        return memory;
    }

    private long timesCores(Setting<Long> perCore, Layout layout) {
        return times(perCore, layout.coresPerNode(), "cores");
    }

    private static long times(Setting<Long> perUnit, long units, String what) {
        try {
            return Math.multiplyExact(perUnit.value(), units);
        } catch (ArithmeticException e) {
            throw new InvalidRequestException(perUnit.where() + ": times " + units + " " + what
                    + " per node this is too much memory");
        }
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    /** {@code line 3: -l mem=8gb: this asks} or {@code line 3: -N 2, line 4: -n 8: these ask}. */
    private static String wheres(List<Optional<? extends Setting<?>>> settings) {
        List<String> where = settings.stream().flatMap(Optional::stream).map(Setting::where).toList();
        return String.join(", ", where) + (where.size() == 1 ? ": this asks" : ": these ask");
    }
}
