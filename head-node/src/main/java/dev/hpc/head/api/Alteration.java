package dev.hpc.head.api;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeConstraint;
import dev.hpc.api.job.Resources;
import dev.hpc.api.pbs.SubmitDefaults;
import dev.hpc.api.pbs.SubmitParser;
import dev.hpc.api.pbs.SubmitRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A {@code qalter} request: qsub options {@code -N}, {@code -p}, {@code -l} and {@code -q}, read by
 * the same parser as a submission (so they are checked alike), and applied to a job's spec attribute
 * by attribute: only what the options name changes. In {@code -l}, a node request ({@code nodes},
 * {@code select}, {@code ncpus}) replaces the job's nodes, cores and MPI processes; {@code mem} or
 * {@code pmem} its memory; {@code walltime} its walltime; a resource that is recorded, not applied
 * ({@code vmem}, {@code cput}, ..., issue 18), its recorded value; any other name that generic resource.
 * Torque's {@code procs} is a node request. The kind of node (issue 18): a node request replaces the
 * job's properties and host resources with its own, {@code feature} its properties, and
 * {@code NAME=STRING} that host resource.
 */
final class Alteration {
    private static final Set<String> SHAPE = Set.of("nodes", "select", "ncpus", "procs");
    private static final String RESOURCE = "Resource_List.";
    private static final Set<String> MEMORY = Set.of("mem", "pmem");

    private final JobSpec parsed;
    private final boolean name;
    private final boolean priority;
    private final boolean queue;
    private final Set<String> resourceKeys;

    private Alteration(JobSpec parsed, boolean name, boolean priority, boolean queue, Set<String> resourceKeys) {
        this.parsed = parsed;
        this.name = name;
        this.priority = priority;
        this.queue = queue;
        this.resourceKeys = resourceKeys;
    }

    static Alteration parse(List<String> options, String user, String defaultQueue) {
        if (options.isEmpty()) {
            throw new InvalidRequestException("qalter needs at least one of -N, -p, -l, -q");
        }
        boolean n = false;
        boolean p = false;
        boolean q = false;
        Set<String> keys = new TreeSet<>();
        List<String> normalized = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            String word = options.get(i);
            if (word.length() < 2 || word.charAt(0) != '-' || "Nplq".indexOf(word.charAt(1)) < 0) {
                throw new InvalidRequestException("qalter takes -N NAME, -p PRIORITY, -l RESOURCES and -q QUEUE; "
                        + "got '" + word + "'");
            }
            String flag = word.substring(0, 2);
            String value;
            if (word.length() > 2) {
                value = word.substring(2);
            } else if (i + 1 < options.size()) {
                value = options.get(++i);
            } else {
                throw new InvalidRequestException("option " + flag + " needs a value");
            }
            switch (flag) {
                case "-N" -> n = true;
                case "-p" -> p = true;
                case "-q" -> q = true;
                default -> keys.addAll(resourceNames(value));
            }
            normalized.add(flag);
            normalized.add(value);
        }
        JobSpec spec = SubmitParser.parse(new SubmitRequest("#!/bin/bash\ntrue\n", normalized, user, "qalter", "/",
                Map.of()), new SubmitDefaults(defaultQueue, true));
        return new Alteration(spec, n, p, q, keys);
    }

    /** The resource names of one {@code -l} value: {@code walltime=1:00:00,nodes=2:ppn=4} gives walltime, nodes. */
    private static Set<String> resourceNames(String list) {
        Set<String> out = new TreeSet<>();
        for (String part : list.split(",")) {
            int eq = part.indexOf('=');
            String key = (eq < 0 ? part : part.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            if (!key.isEmpty()) {
                out.add(key);
            }
        }
        return out;
    }

    private NodeConstraint kind(NodeConstraint cur, NodeConstraint want,
                                            boolean shape) {
        boolean properties = shape || resourceKeys.contains("feature");
        Map<String, String> values = new TreeMap<>(shape ? Map.of() : cur.resources());
        want.resources().forEach(values::put);
        return new NodeConstraint(properties ? want.anyOf() : cur.anyOf(), values);
    }

    /** The job's spec with the asked changes. */
    JobSpec apply(JobSpec current) {
        Resources cur = current.resources();
        Resources want = parsed.resources();
        // the nodes it names are set last, once the node count they must fit in is known
        Resources r = cur.withAccess(cur.access().withRequired(Set.of()));
        boolean shape = resourceKeys.stream().anyMatch(SHAPE::contains);
        NodeAccess access = cur.access();
        if (resourceKeys.contains("place") || resourceKeys.contains("naccesspolicy")) {
            access = access.withSharing(want.access().sharing());
        }
        if (resourceKeys.contains("host") || (shape && !want.access().required().isEmpty())) {
            access = access.withRequired(want.access().required());
        }
        if (shape) {
            r = r.withNodes(want.nodes()).withCoresPerNode(want.coresPerNode()).withMpiprocsPerNode(
                    want.mpiprocsPerNode());
            if (want.memoryPerNode() > 0) {
                r = r.withMemoryPerNode(want.memoryPerNode());
            }
        }
        if (resourceKeys.stream().anyMatch(MEMORY::contains)) {
            r = r.withMemoryPerNode(want.memoryPerNode());
        }
        if (resourceKeys.contains("walltime")) {
            r = r.withWalltime(want.walltime());
        }
        Map<String, Long> generic = new TreeMap<>(r.generic());
        if (shape) {
            generic.putAll(want.generic());
        }
        Map<String, String> recorded = new TreeMap<>(current.recorded());
        if (shape) {
            recorded.remove(RESOURCE + "procs");
        }
        for (String key : resourceKeys) {
            recorded.remove(RESOURCE + key);
            String asked = parsed.recorded().get(RESOURCE + key);
            if (asked != null) {
                recorded.put(RESOURCE + key, asked);
            } else if (!SHAPE.contains(key) && !MEMORY.contains(key) && !key.equals("walltime")) {
                generic.remove(key);
                generic.remove(key.equals("gpus") || key.equals("ngpus") ? "gpu" : key);
                generic.putAll(want.generic());
            }
        }
        r = r.withGeneric(generic).withConstraint(kind(cur.constraint(), want.constraint(), shape)).withAccess(access);
        return new JobSpec(name ? parsed.name() : current.name(), current.owner(), current.submitHost(),
                current.script(), current.submitDir(), current.workDir(), current.environment(),
                queue ? parsed.queue() : current.queue(), r, current.array(), current.dependencies(),
                current.userHold(), priority ? parsed.priority() : current.priority(), current.rerunnable(),
                current.stdoutPath(), current.stderrPath(), current.join(), current.mailPoints(), current.mailUsers(),
                current.account(), current.notBefore(), current.submitKey(), recorded);
    }
}
