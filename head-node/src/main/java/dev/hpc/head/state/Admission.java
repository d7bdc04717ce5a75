package dev.hpc.head.state;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.ContainerImage;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeTraits;
import dev.hpc.api.job.Resources;
import dev.hpc.head.sched.NodeCapacityChecks;
import dev.hpc.head.sched.QueueDef;
import dev.hpc.head.sched.Reservation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Checks a submission, or a change to a waiting job, before it enters: its queue or reservation admits it
 * (and gives it the queue's default walltime), and some node of the cluster could ever hold it. What can never
 * run is refused now, with what to change, rather than left to wait forever.
 */
final class Admission {
    private final NodeTable nodes;
    private final Queues queues;
    private final Reservations reservations;
    /** Host resource names the site declares ahead of the workers that have them ({@code host-resources=}). */
    private SortedSet<String> siteHostResources = Collections.emptySortedSet();

    Admission(NodeTable nodes, Queues queues, Reservations reservations) {
        this.nodes = nodes;
        this.queues = queues;
        this.reservations = reservations;
    }

    void hostResources(Set<String> names) {
        siteHostResources = Collections.unmodifiableSortedSet(new TreeSet<>(names));
    }

    /**
     * The spec as its queue admits it, checked whole; refused when it may not enter or could never run.
     * {@code from} is the queue the job is in now ("" for a new job): a job that stays in its queue is not
     * refused by a user list changed since it entered.
     */
    JobSpec admit(JobSpec spec, String from) {
        JobSpec admitted = admitToQueue(spec, from);
        checkFeasible(admitted.resources());
        checkFeasibleInQueue(admitted);
        checkHostResourceNames(admitted.resources());
        checkNodeNames(admitted);
        return admitted;
    }

    /**
     * Checks a job against its queue and applies the queue's default walltime: an unknown or disabled
     * queue, a queue whose user list leaves its owner out, or a request over the queue's limits, is refused with
     * what to change. {@code from} is the queue the job is in now ("" for a new job): a job that stays in its
     * queue is not refused by a list changed since it entered.
     */
    private JobSpec admitToQueue(JobSpec spec, String from) {
        Reservation in = reservations.forQueue(spec.queue()).orElse(null);
        if (in != null) {
            return admitToReservation(spec, in);
        }
        String asked = spec.recorded().getOrDefault("sbatch.reservation", "");
        if (!asked.isEmpty()) {
            throw new InvalidRequestException("reservation '" + asked + "' (#SBATCH --reservation) does not exist "
                    + "(or has ended); pbs_rstat lists the reservations");
        }
        if (spec.queue().matches("R[0-9]+") && !queues.defs().containsKey(spec.queue())) {
            throw new InvalidRequestException("reservation " + spec.queue() + " does not exist (or has ended); "
                    + "pbs_rstat lists the reservations");
        }
        if (queues.defs().isEmpty()) {
            return spec;
        }
        // Slurm's QOS is a class of service, as a queue is here: #SBATCH --qos=NAME puts a job that names no other
        // queue into the queue NAME when there is one (with its priority and preemption); else it is only recorded
        String qos = spec.recorded().getOrDefault(SBATCH_QOS, "");
        if (!qos.isEmpty() && spec.queue().equals(queues.defaultName()) && queues.defs().containsKey(qos)) {
            spec = spec.withQueue(qos);
        }
        QueueDef q = queues.defs().get(spec.queue());
        if (q == null) {
            throw new InvalidRequestException("queue '" + spec.queue() + "' does not exist; queues are: "
                    + String.join(", ", queues.defs().keySet()) + " (the default is " + queues.defaultName() + ")");
        }
        if (!q.enabled()) {
            throw new InvalidRequestException("queue '" + q.name() + "' is disabled: it accepts no new jobs; "
                    + "submit to another queue (" + String.join(", ", queues.enabled()) + ")");
        }
        if (!q.admits(spec.owner()) && !q.name().equals(from)) {
            List<String> open = new ArrayList<>();
            for (QueueDef o : queues.defs().values()) {
                if (o.enabled() && o.admits(spec.owner())) {
                    open.add(o.name());
                }
            }
            throw Rejection.forbidden("user " + spec.owner() + " may not put jobs into queue '"
                    + q.name() + "': it takes jobs only from the users of its acl_users; ask an administrator to "
                    + "add you to acl_users of queue " + q.name() + (open.isEmpty() ? ""
                    : ", or submit to a queue open to you (" + String.join(", ", open) + ")"));
        }
        Resources r = spec.resources();
        if (!r.hasWalltime() && !q.defaultWalltime().isZero()) {
            r = r.withWalltime(q.defaultWalltime());
        }
        if (!q.maxWalltime().isZero() && r.walltime().compareTo(q.maxWalltime()) > 0) {
            throw new InvalidRequestException("the job asks for walltime " + hms(r.walltime()) + " but queue '"
                    + q.name() + "' allows at most " + hms(q.maxWalltime()) + "; ask for less (-l walltime) or "
                    + "use another queue (-q)");
        }
        if (q.maxCoresPerJob() > 0 && r.totalCores() > q.maxCoresPerJob()) {
            throw new InvalidRequestException("the job asks for " + r.totalCores() + " cores (" + r.nodes()
                    + " node(s) x " + r.coresPerNode() + ") but queue '" + q.name() + "' allows at most "
                    + q.maxCoresPerJob() + " per job; ask for fewer or use another queue (-q)");
        }
        return r == spec.resources() ? spec : spec.withResources(r);
    }

    /**
     * A job for a reservation's queue (named by its queue, {@code R42}, or by the reservation's name, as Slurm's
     * {@code --reservation=NAME} does): its owner must be a user of the reservation and its request must fit in it.
     */
    private JobSpec admitToReservation(JobSpec spec, Reservation in) {
        if (!in.admits(spec.owner())) {
            throw new InvalidRequestException("reservation " + in.queue() + " is for " + in.owner()
                    + (in.users().isEmpty() ? "" : " and " + String.join(", ", in.users())) + ", not "
                    + spec.owner() + "; its owner can add users (pbs_rsub -U)");
        }
        Resources r = spec.resources();
        if (r.nodes() > in.nodes().size() || r.coresPerNode() > in.coresPerNode()) {
            throw new InvalidRequestException("the job asks for " + r.nodes() + " node(s) with " + r.coresPerNode()
                    + " cores but reservation " + in.queue() + " holds " + in.nodes().size() + " node(s) with "
                    + in.coresPerNode() + " cores; ask for less");
        }
        return spec.queue().equals(in.queue()) ? spec : spec.withQueue(in.queue());
    }

    /** A request no known node could ever hold is refused now rather than left to wait forever. */
    private void checkFeasible(Resources r) {
        if (nodes.isEmpty()) {
            return;
        }
        int fitting = 0;
        int largestCores = 0;
        long largestMemory = 0;
        for (NodeEntry n : nodes.all()) {
            largestCores = Math.max(largestCores, n.cores);
            largestMemory = Math.max(largestMemory, n.memory);
            if (n.cores >= r.coresPerNode() && (n.memory == 0 || n.memory >= r.memoryPerNode())) {
                fitting++;
            }
        }
        if (r.coresPerNode() > largestCores) {
            throw new InvalidRequestException("the job asks for " + r.coresPerNode() + " cores per node but the "
                    + "largest node has " + largestCores + "; ask for at most " + largestCores + " (ppn/ncpus)");
        }
        if (largestMemory > 0 && r.memoryPerNode() > largestMemory) {
            throw new InvalidRequestException("the job asks for " + mib(r.memoryPerNode()) + " of memory per node "
                    + "but the largest node has " + mib(largestMemory));
        }
        if (fitting < r.nodes()) {
            throw new InvalidRequestException("the job asks for " + r.nodes() + " nodes with " + r.coresPerNode()
                    + " cores each but the cluster has only " + fitting + " such node" + (fitting == 1 ? "" : "s"));
        }
        // a host resource the site declared ahead of its nodes (host-resources=) may wait for them
        boolean anticipated = r.constraint().resources().keySet().stream().anyMatch(siteHostResources::contains);
        if (!r.constraint().isEmpty() && !anticipated) {
            checkHostResourceNames(r); // a misspelt name first, with the names that exist
            // as for cores: a kind of node no node of the cluster is, down ones included, would never run
            List<NodeTraits> kinds = nodes.all().stream().map(n -> n.traits).toList();
            String unmet = r.constraint().unmetBy(kinds);
            if (!unmet.isEmpty()) {
                SortedSet<String> known = new TreeSet<>();
                kinds.forEach(k -> known.addAll(k.properties()));
                boolean container = r.constraint().anyOf().stream().flatMap(Set::stream)
                        .anyMatch(ContainerImage.RUNTIMES::contains);
                throw new InvalidRequestException("the job asks for " + r.constraint().describe() + " but " + unmet
                        + " among the " + nodes.size() + " nodes of the cluster (properties there: "
                        + (known.isEmpty() ? "none" : String.join(", ", known)) + "); " + (container
                        ? "a job in a container image (-l container, --container) runs only on nodes with a runtime "
                        + "for it: install podman or apptainer there (a worker declares its runtime itself), or "
                        + "submit without the image"
                        : "ask for what the nodes have (pbsnodes -a lists them), or have the workers declare it "
                        + "(hpc-worker --properties, --resource)"));
            }
        }
    }

    /**
     * Refuses a request that no node of its queue could ever hold, generic resources included
     * ({@link #checkFeasible} has checked cores and memory over the whole cluster already).
     */
    private void checkFeasibleInQueue(JobSpec spec) {
        Resources r = spec.resources();
        Optional<QueueDef> q = queues.find(spec.queue());
        boolean restricted = q.isPresent() && !q.get().nodes().isEmpty();
        if (nodes.isEmpty() || (r.generic().isEmpty() && !restricted)) {
            return;
        }
        int fitting = 0;
        int withGeneric = 0;
        for (NodeEntry n : nodes.all()) {
            if (q.isPresent() && !q.get().allowsNode(n.name)) {
                continue;
            }
            boolean generic = NodeCapacityChecks.covers(n.generic, r.generic());
            if (generic) {
                withGeneric++;
            }
            if (generic && n.cores >= r.coresPerNode() && (n.memory == 0 || n.memory >= r.memoryPerNode())) {
                fitting++;
            }
        }
        if (fitting >= r.nodes()) {
            return;
        }
        String where = restricted ? "queue '" + spec.queue() + "'" : "the cluster";
        if (!r.generic().isEmpty() && withGeneric == 0) {
            throw new InvalidRequestException("the job asks for " + genericText(r.generic()) + " per node but no node "
                    + "of " + where + " has " + (r.generic().size() == 1 ? "it" : "them") + "; workers declare "
                    + "generic resources with --generic (e.g. --generic gpu=2)");
        }
        throw new InvalidRequestException("the job asks for " + r.nodes() + " node(s) with " + r.coresPerNode()
                + " cores" + (r.generic().isEmpty() ? "" : " and " + genericText(r.generic())) + " each but "
                + where + " has only " + fitting + " such node" + (fitting == 1 ? "" : "s"));
    }

    /**
     * Refuses a string-valued host resource ({@code select=...:gpu_model=v100}) whose name neither
     * the site's configuration nor any node of the node table (down ones included: their records
     * survive restarts) declares: most likely a typo, or a resource of another site. A known name
     * with a value no node has is accepted, and waits with a comment, as a missing property does.
     * A head that knows no node and no site name yet checks nothing, as {@link #checkFeasible} does.
     */
    private void checkHostResourceNames(Resources r) {
        if (r.constraint().resources().isEmpty() || (nodes.isEmpty() && siteHostResources.isEmpty())) {
            return;
        }
        SortedSet<String> known = new TreeSet<>(siteHostResources);
        for (NodeEntry n : nodes.all()) {
            known.addAll(n.traits.resources().keySet());
        }
        List<String> unknown = r.constraint().resources().keySet().stream().filter(k -> !known.contains(k)).toList();
        if (!unknown.isEmpty()) {
            throw new InvalidRequestException("the job asks for host resource" + (unknown.size() == 1 ? " " : "s ")
                    + String.join(", ", unknown) + ", which no node and no site configuration declares; "
                    + (known.isEmpty() ? "this cluster declares none" : "known are " + String.join(", ", known))
                    + " (workers declare them with --resource NAME=VALUE, the head's configuration with "
                    + "host-resources=NAME,...)");
        }
    }

    /**
     * The nodes a job names (issue 18: {@code --nodelist}, {@code host=}, {@code --exclude}) must be nodes of
     * the cluster, down ones included, and a node it must have must be able to hold it; refused now rather
     * than left to wait forever. Before any worker has registered the head knows no names, and takes any
     * (as it takes any size of request then).
     */
    private void checkNodeNames(JobSpec spec) {
        NodeAccess a = spec.resources().access();
        if (nodes.isEmpty() || (a.required().isEmpty() && a.excluded().isEmpty())) {
            return;
        }
        Resources r = spec.resources();
        SortedSet<String> unknown = new TreeSet<>(a.required());
        unknown.addAll(a.excluded());
        unknown.removeAll(nodes.names());
        if (!unknown.isEmpty()) {
            List<String> known = new ArrayList<>(nodes.names());
            String shown = known.size() <= 20 ? String.join(", ", known)
                    : String.join(", ", known.subList(0, 20)) + ", ... (" + known.size() + " in all)";
            throw new InvalidRequestException("the job names node" + (unknown.size() == 1 ? " " : "s ")
                    + String.join(", ", unknown) + " (--nodelist, --exclude or host=) but the cluster has no node of "
                    + "that name; name nodes pbsnodes -a lists: " + shown);
        }
        Optional<QueueDef> q = queues.find(spec.queue());
        for (String name : a.required()) {
            NodeEntry n = nodes.get(name);
            if (q.isPresent() && !q.get().allowsNode(name)) {
                throw new InvalidRequestException("the job must run on node " + name + " but queue '" + spec.queue()
                        + "' does not have it (its nodes: " + String.join(", ", q.get().nodes()) + "); submit to a "
                        + "queue that has it, or name one of its nodes");
            }
            if (n.cores < r.coresPerNode() || (n.memory > 0 && n.memory < r.memoryPerNode())
                    || !NodeCapacityChecks.covers(n.generic, r.generic())
                    || !r.constraint().admits(n.traits)) {
                throw new InvalidRequestException("the job must run on node " + name + " but that node cannot hold "
                        + "what it asks for each node (" + r.coresPerNode() + " cores"
                        + (r.memoryPerNode() > 0 ? ", " + mib(r.memoryPerNode()) : "")
                        + (r.generic().isEmpty() ? "" : ", " + genericText(r.generic()))
                        + (r.constraint().isEmpty() ? "" : ", " + r.constraint().describe()) + "; it has "
                        + n.cores + " cores" + (n.memory > 0 ? ", " + mib(n.memory) : "") + "); ask for less or name "
                        + "another node");
            }
        }
        int others = 0;
        for (NodeEntry n : nodes.all()) {
            if (a.allows(n.name) && (q.isEmpty() || q.get().allowsNode(n.name)) && n.cores >= r.coresPerNode()
                    && (n.memory == 0 || n.memory >= r.memoryPerNode())) {
                others++;
            }
        }
        if (others < r.nodes()) {
            throw new InvalidRequestException("the job asks for " + r.nodes() + " node(s) with " + r.coresPerNode()
                    + " cores each but only " + others + " such node" + (others == 1 ? " is" : "s are")
                    + " not excluded (--exclude " + String.join(",", a.excluded()) + "); exclude fewer nodes or ask "
                    + "for fewer");
        }
    }

    private static String genericText(Map<String, Long> g) {
        List<String> parts = new ArrayList<>();
        g.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(",", parts);
    }

    private static String mib(long bytes) {
        return (bytes / (1024 * 1024)) + " MiB";
    }

    private static String hms(Duration d) {
        long s = d.toSeconds();
        return String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    /** The directive {@code #SBATCH --qos=NAME} as recorded; a job may land in the queue of that name. */
    private static final String SBATCH_QOS = "sbatch.qos";
}
