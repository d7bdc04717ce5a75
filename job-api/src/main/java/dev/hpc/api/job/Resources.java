package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one task of a job asks for: {@code nodes} nodes with {@code coresPerNode} cores and
 * {@code memoryPerNode} bytes each. Memory 0 means "no memory requested" and walltime
 * {@link Duration#ZERO} "no walltime requested"; the head applies queue defaults to both.
 * {@code generic} holds generic resources per node such as {@code gpu=2}, in name order.
 * {@code constraint} says what kind of node each must be: its properties and string-valued host
 * resources ({@code ib}, {@code gpu_model=v100}); {@link NodeConstraint#NONE} takes any node.
 * {@code access} says which nodes by name and whether they are shared ({@link NodeAccess#ANY}:
 * any node, shared).
 */
public record Resources(int nodes, int coresPerNode, long memoryPerNode, Duration walltime,
                        int mpiprocsPerNode, Map<String, Long> generic, NodeConstraint constraint,
                        NodeAccess access) {

    public static final Resources DEFAULT = new Resources(1, 1, 0, Duration.ZERO, 1, Map.of());

    /** A request that takes any kind of node. */
    public Resources(int nodes, int coresPerNode, long memoryPerNode, Duration walltime, int mpiprocsPerNode,
                     Map<String, Long> generic) {
        this(nodes, coresPerNode, memoryPerNode, walltime, mpiprocsPerNode, generic, NodeConstraint.NONE);
    }

    /** A request on any nodes by name, shared. */
    public Resources(int nodes, int coresPerNode, long memoryPerNode, Duration walltime, int mpiprocsPerNode,
                     Map<String, Long> generic, NodeConstraint constraint) {
        this(nodes, coresPerNode, memoryPerNode, walltime, mpiprocsPerNode, generic, constraint, NodeAccess.ANY);
    }

    public Resources {
        generic = Collections.unmodifiableMap(new TreeMap<>(generic));
        if (nodes < 1) {
            throw new InvalidRequestException("a job needs at least one node, got nodes=" + nodes);
        }
        if (coresPerNode < 1) {
            throw new InvalidRequestException("a job needs at least one core per node, got " + coresPerNode);
        }
        if (memoryPerNode < 0) {
            throw new InvalidRequestException("memory must not be negative");
        }
        if (walltime.isNegative()) {
            throw new InvalidRequestException("walltime must not be negative");
        }
        if (mpiprocsPerNode < 1) {
            throw new InvalidRequestException("mpiprocs must be at least 1, got " + mpiprocsPerNode);
        }
        if (access.required().size() > nodes) {
            throw new InvalidRequestException("the job asks for " + nodes + " node" + (nodes == 1 ? "" : "s")
                    + " but names " + access.required().size() + " that must all be among them ("
                    + String.join(", ", access.required()) + "); ask for at least " + access.required().size()
                    + " nodes or name fewer");
        }
    }

    public int totalCores() {
        return nodes * coresPerNode;
    }

    public boolean hasWalltime() {
        return !walltime.isZero();
    }

    public Resources withNodes(int n) {
        return new Resources(n, coresPerNode, memoryPerNode, walltime, mpiprocsPerNode, generic, constraint, access);
    }

    public Resources withCoresPerNode(int c) {
        return new Resources(nodes, c, memoryPerNode, walltime, mpiprocsPerNode, generic, constraint, access);
    }

    public Resources withMemoryPerNode(long m) {
        return new Resources(nodes, coresPerNode, m, walltime, mpiprocsPerNode, generic, constraint, access);
    }

    public Resources withWalltime(Duration w) {
        return new Resources(nodes, coresPerNode, memoryPerNode, w, mpiprocsPerNode, generic, constraint, access);
    }

    public Resources withMpiprocsPerNode(int p) {
        return new Resources(nodes, coresPerNode, memoryPerNode, walltime, p, generic, constraint, access);
    }

    public Resources withGeneric(Map<String, Long> g) {
        return new Resources(nodes, coresPerNode, memoryPerNode, walltime, mpiprocsPerNode, g, constraint, access);
    }

    public Resources withAccess(NodeAccess a) {
        return new Resources(nodes, coresPerNode, memoryPerNode, walltime, mpiprocsPerNode, generic, constraint, a);
    }

    public Resources withConstraint(NodeConstraint c) {
        return new Resources(nodes, coresPerNode, memoryPerNode, walltime, mpiprocsPerNode, generic, c, access);
    }
}
