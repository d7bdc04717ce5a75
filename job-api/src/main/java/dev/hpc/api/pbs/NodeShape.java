package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeConstraint;
import dev.hpc.api.job.NodeTraits;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The nodes a PBS {@code -l nodes=...} or {@code -l select=...} asks for: how many, and what each
 * holds. Cores and MPI processes are empty when the request leaves them to other options
 * ({@code -l ncpus}) or defaults. Both forms may join several parts with {@code +}; as every node of
 * a job looks alike here, parts must agree on everything but their count and the host they name:
 * {@code hosts} are the nodes select chunks name with {@code host=} (one chunk each), all of which
 * the job must have.
 */
record NodeShape(int nodes, OptionalInt coresPerNode, OptionalInt mpiprocsPerNode, long memoryPerNode,
                 Map<String, Long> generic, NodeConstraint constraint, SortedSet<String> hosts) {

    NodeShape {
        generic = Collections.unmodifiableMap(new TreeMap<>(generic));
        hosts = Collections.unmodifiableSortedSet(new TreeSet<>(hosts));
    }

    NodeShape(int nodes, OptionalInt coresPerNode, OptionalInt mpiprocsPerNode, long memoryPerNode,
              Map<String, Long> generic, NodeConstraint constraint) {
        this(nodes, coresPerNode, mpiprocsPerNode, memoryPerNode, generic, constraint, new TreeSet<>());
    }

    NodeShape(int nodes, OptionalInt coresPerNode, OptionalInt mpiprocsPerNode, long memoryPerNode,
              Map<String, Long> generic) {
        this(nodes, coresPerNode, mpiprocsPerNode, memoryPerNode, generic, NodeConstraint.NONE);
    }

    /**
     * Torque {@code nodes=N[:ppn=P][:gpus=G][:PROPERTY...]}: P cores and P MPI processes on each of N
     * nodes, each holding every property named.
     */
    static NodeShape parseNodes(String value) {
        List<NodeShape> shapes = new ArrayList<>();
        for (String part : parts(value, "nodes")) {
            String[] fields = part.split(":", -1);
            if (!fields[0].matches("\\d+")) {
                throw new InvalidRequestException("choosing nodes by host name ('" + fields[0] + "') is not "
                        + "supported in nodes=; ask for a count of nodes first, with properties after it, e.g. "
                        + "nodes=2:ppn=8 or nodes=1:ppn=4:" + fields[0] + ", and name the node with -l host="
                        + fields[0]);
            }
            int nodes = Counts.parse(fields[0], "nodes", 1, SubmitParser.MAX_NODES);
            OptionalInt ppn = OptionalInt.empty();
            Map<String, Long> generic = new TreeMap<>();
            Set<String> properties = new TreeSet<>();
            for (int i = 1; i < fields.length; i++) {
                if (fields[i].indexOf('=') < 0) {
                    if (fields[i].isEmpty()) {
                        throw new InvalidRequestException("empty field in nodes=" + value + "; separate fields with one :");
                    }
                    properties.add(NodeTraits.property(fields[i]));
                    continue;
                }
                String[] kv = keyValue(fields[i], "nodes");
                switch (kv[0]) {
                    case "ppn" -> ppn = OptionalInt.of(Counts.parse(kv[1], "ppn", 1, SubmitParser.MAX_CORES_PER_NODE));
                    case "gpus", "gpu", "ngpus" -> generic.put(GenericResources.GPU, GenericResources.amount("gpus",
                            kv[1]));
                    default -> throw new InvalidRequestException("'" + fields[i] + "' is not supported in nodes=; "
                            + "use nodes=N[:ppn=P][:gpus=G][:PROPERTY...], e.g. nodes=2:ppn=8:ib");
                }
            }
            shapes.add(new NodeShape(nodes, ppn, OptionalInt.empty(), 0, generic, NodeConstraint.allOf(properties)));
        }
        return sum(shapes, "nodes=" + value);
    }

    /**
     * OpenPBS {@code select=[N:]ncpus=C[:mpiprocs=M][:mem=SIZE][:ngpus=G][:other=V]}: N chunks, each
     * placed on its own node. MPI processes default to 1 per chunk, as in OpenPBS. {@code other=V} is
     * a generic resource when V is a count or a size, a node property when V is {@code true} (PBS
     * Pro's boolean host resources), and else a string-valued host resource the node must have
     * ({@code gpu_model=v100}).
     */
    static NodeShape parseSelect(String value) {
        List<NodeShape> shapes = new ArrayList<>();
        for (String part : parts(value, "select")) {
            String[] fields = part.split(":", -1);
            int first = 0;
            int chunks = 1;
            if (fields[0].matches("\\d+")) {
                chunks = Counts.parse(fields[0], "the chunk count of select", 1, SubmitParser.MAX_NODES);
                first = 1;
            }
            OptionalInt ncpus = OptionalInt.empty();
            int mpiprocs = 1;
            long memory = 0;
            Map<String, Long> generic = new TreeMap<>();
            NodeConstraint constraint = NodeConstraint.NONE;
            SortedSet<String> host = new TreeSet<>();
            for (int i = first; i < fields.length; i++) {
                String[] kv = keyValue(fields[i], "select");
                switch (kv[0]) {
                    case "ncpus" -> ncpus = OptionalInt.of(Counts.parse(kv[1], "ncpus", 1,
                            SubmitParser.MAX_CORES_PER_NODE));
                    case "mpiprocs" -> mpiprocs = Counts.parse(kv[1], "mpiprocs", 1, SubmitParser.MAX_CORES_PER_NODE);
                    case "mem" -> memory = Sizes.parsePbs(kv[1]);
                    case "ompthreads" -> Counts.parse(kv[1], "ompthreads", 1, SubmitParser.MAX_CORES_PER_NODE);
                    case "host" -> {
                        if (chunks != 1) {
                            throw new InvalidRequestException("'" + part + "': a chunk with host= is one node; write "
                                    + "one chunk per host, e.g. select=1:ncpus=4:host=node1+1:ncpus=4:host=node2");
                        }
                        host.clear();
                        host.add(NodeAccess.checkName(kv[1], "host="));
                    }
                    case "vnode" -> throw new InvalidRequestException("choosing vnodes (vnode=) is not supported; "
                            + "name the node with host=, e.g. select=1:ncpus=8:host=node01");
                    default -> {
                        String name = GenericResources.name(kv[0]);
                        if (GenericResources.isAmount(kv[1]) || name.equals(GenericResources.GPU)) {
                            generic.put(name, GenericResources.amount(kv[0], kv[1]));
                        } else {
                            constraint = constraint.and(hostResource(name, kv[1]));
                        }
                    }
                }
            }
            shapes.add(new NodeShape(chunks, ncpus, OptionalInt.of(mpiprocs), memory, generic, constraint, host));
        }
        return sum(shapes, "select=" + value);
    }

    /**
     * {@code name=value} of a select chunk or {@code -l} that is not an amount: {@code true} asks for
     * the property, anything else for a host resource of that value.
     */
    static NodeConstraint hostResource(String name, String value) {
        if (value.equalsIgnoreCase("true")) {
            return NodeConstraint.allOf(Set.of(NodeTraits.property(name)));
        }
        if (value.equalsIgnoreCase("false")) {
            throw new InvalidRequestException(name + "=" + value + ": asking for nodes without a property is not "
                    + "supported; leave " + name + " out to take any node");
        }
        return NodeConstraint.resource(name, NodeTraits.value(name, value));
    }

    private static String[] parts(String value, String key) {
        if (value.isEmpty()) {
            throw new InvalidRequestException(key + "= needs a value, e.g. " + example(key));
        }
        String[] parts = value.split("\\+", -1);
        for (String part : parts) {
            if (part.isEmpty()) {
                throw new InvalidRequestException("empty part in " + key + "=" + value + "; join parts with one +");
            }
        }
        return parts;
    }

    private static String[] keyValue(String field, String key) {
        int eq = field.indexOf('=');
        if (eq <= 0) {
            throw new InvalidRequestException("'" + field + "' in " + key + "= must be name=value, e.g. "
                    + example(key));
        }
        return new String[] {field.substring(0, eq).toLowerCase(Locale.ROOT), field.substring(eq + 1)};
    }

    private static String example(String key) {
        return key.equals("nodes") ? "nodes=2:ppn=8" : "select=2:ncpus=8:mpiprocs=8:mem=4gb";
    }

    private static NodeShape sum(List<NodeShape> shapes, String request) {
        return shapes.stream().reduce((sum, part) -> join(sum, part, request)).orElseThrow();
    }

    private static NodeShape join(NodeShape sum, NodeShape part, String request) {
        if (!sum.coresPerNode.equals(part.coresPerNode) || !sum.mpiprocsPerNode.equals(part.mpiprocsPerNode)
                || sum.memoryPerNode != part.memoryPerNode || !sum.generic.equals(part.generic)
                || !sum.constraint.equals(part.constraint)) {
            throw new InvalidRequestException("'" + request + "' asks for nodes of different shapes; a job's nodes "
                    + "must all be alike here");
        }
        long nodes = (long) sum.nodes + part.nodes;
        if (nodes > SubmitParser.MAX_NODES) {
            throw new InvalidRequestException("'" + request + "' asks for " + nodes + " nodes; the limit is "
                    + SubmitParser.MAX_NODES);
        }
        SortedSet<String> hosts = new TreeSet<>(sum.hosts);
        for (String h : part.hosts) {
            if (!hosts.add(h)) {
                throw new InvalidRequestException("'" + request + "' names host " + h + " in two chunks; each chunk "
                        + "gets a node of its own here: ask for one chunk on " + h);
            }
        }
        return new NodeShape((int) nodes, sum.coresPerNode, sum.mpiprocsPerNode, sum.memoryPerNode, sum.generic,
                sum.constraint, hosts);
    }
}
