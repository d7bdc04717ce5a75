package dev.hpc.api.json;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.ArraySpec;
import dev.hpc.api.job.Dependency;
import dev.hpc.api.job.DependencyType;
import dev.hpc.api.job.IndexSet;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeConstraint;
import dev.hpc.api.job.Resources;
import dev.hpc.api.pbs.SubmitRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static dev.hpc.api.json.Codec.instant;

/**
 * The JSON form of what a job asks for ({@link Codec} for the whole of it): its resources and node constraints,
 * its spec, the indices of an array, and the submission a client sends.
 */
final class SpecCodec {
    private SpecCodec() {
    }

    static Map<String, Object> toMap(Resources r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nodes", r.nodes());
        m.put("coresPerNode", r.coresPerNode());
        m.put("memoryPerNode", r.memoryPerNode());
        m.put("walltimeSeconds", r.walltime().toSeconds());
        m.put("mpiprocsPerNode", r.mpiprocsPerNode());
        m.put("generic", new LinkedHashMap<>(r.generic()));
        // left out when empty: a body written before node constraints existed reads the same
        if (!r.constraint().anyOf().isEmpty()) {
            m.put("properties", r.constraint().features());
        }
        if (!r.constraint().resources().isEmpty()) {
            m.put("hostResources", new LinkedHashMap<>(r.constraint().resources()));
        }
        // likewise left out when any node, shared: a body written before issue 18 reads the same
        if (r.access().exclusive()) {
            m.put("exclusive", r.access().sharing() == NodeAccess.Sharing.USER ? "user" : "node");
        }
        if (!r.access().required().isEmpty()) {
            m.put("nodeList", new ArrayList<>(r.access().required()));
        }
        if (!r.access().excluded().isEmpty()) {
            m.put("excludeNodes", new ArrayList<>(r.access().excluded()));
        }
        return m;
    }

    static Resources readResources(JsonFields f) {
        f.allowOnly(Set.of("nodes", "coresPerNode", "memoryPerNode", "walltimeSeconds", "mpiprocsPerNode",
                "generic", "properties", "hostResources", "exclusive", "nodeList", "excludeNodes"));
        long walltime = f.longValue("walltimeSeconds", 0);
        if (walltime < 0) {
            throw new InvalidRequestException("field 'walltimeSeconds' must not be negative");
        }
        return new Resources(f.intValue("nodes", 1), f.intValue("coresPerNode", 1), f.longValue("memoryPerNode", 0),
                Duration.ofSeconds(walltime), f.intValue("mpiprocsPerNode", 1), f.longMap("generic"),
                readConstraint(f), readAccess(f));
    }

    /** {@code "exclusive": "node"|"user"}, {@code "nodeList"} and {@code "excludeNodes"} (node names), all optional. */
    private static NodeAccess readAccess(JsonFields f) {
        NodeAccess.Sharing sharing = switch (f.string("exclusive", "")) {
            case "" -> NodeAccess.Sharing.SHARED;
            case "node" -> NodeAccess.Sharing.EXCLUSIVE;
            case "user" -> NodeAccess.Sharing.USER;
            default -> throw new InvalidRequestException("field 'exclusive' must be \"node\" (nodes of the job's own) "
                    + "or \"user\" (shared only with the owner's jobs), got '" + f.string("exclusive") + "'");
        };
        return new NodeAccess(sharing, new TreeSet<>(f.strings("nodeList")),
                new TreeSet<>(f.strings("excludeNodes")));
    }

    /** {@code "properties": "ib&bigmem|opa"} and {@code "hostResources": {"gpu_model": "v100"}}, both optional. */
    private static NodeConstraint readConstraint(JsonFields f) {
        NodeConstraint c = NodeConstraint.NONE;
        String properties = f.string("properties", "");
        if (!properties.isEmpty()) {
            try {
                c = NodeConstraint.parseFeatures(properties);
            } catch (InvalidRequestException e) {
                throw new InvalidRequestException("field 'properties': " + e.getMessage());
            }
        }
        for (Map.Entry<String, String> e : f.stringMap("hostResources").entrySet()) {
            try {
                c = c.and(NodeConstraint.resource(e.getKey(), e.getValue()));
            } catch (InvalidRequestException x) {
                throw new InvalidRequestException("field 'hostResources': " + x.getMessage());
            }
        }
        return c;
    }

    static Map<String, Object> toMap(JobSpec s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("owner", s.owner());
        m.put("submitHost", s.submitHost());
        m.put("script", s.script());
        m.put("submitDir", s.submitDir());
        m.put("workDir", s.workDir());
        m.put("environment", new LinkedHashMap<>(s.environment()));
        m.put("queue", s.queue());
        m.put("resources", toMap(s.resources()));
        s.array().ifPresent(a -> {
            Map<String, Object> am = new LinkedHashMap<>();
            am.put("expression", a.expression());
            am.put("indices", a.indexSet().toString());
            am.put("throttle", a.throttle());
            m.put("array", am);
        });
        List<Object> deps = new ArrayList<>();
        for (Dependency d : s.dependencies()) {
            Map<String, Object> dm = new LinkedHashMap<>();
            dm.put("type", d.type().name());
            dm.put("jobs", d.jobNumbers());
            deps.add(dm);
        }
        m.put("dependencies", deps);
        m.put("userHold", s.userHold());
        m.put("priority", s.priority());
        m.put("rerunnable", s.rerunnable());
        m.put("stdoutPath", s.stdoutPath());
        m.put("stderrPath", s.stderrPath());
        m.put("join", s.join().name());
        m.put("mailPoints", s.mailPoints());
        m.put("mailUsers", s.mailUsers());
        m.put("account", s.account());
        m.put("notBefore", instant(s.notBefore()));
        if (!s.submitKey().isEmpty()) {
            m.put("submitKey", s.submitKey());
        }
        // left out when empty, so that a body stays what it was before issue 18 for a job that recorded nothing
        if (!s.recorded().isEmpty()) {
            m.put("recorded", new LinkedHashMap<>(s.recorded()));
        }
        return m;
    }

    static JobSpec readSpec(JsonFields f) {
        Optional<ArraySpec> array = Optional.empty();
        if (f.has("array")) {
            JsonFields a = f.object("array");
            array = Optional.of(new ArraySpec(a.string("expression"), readIndices(a, "indices"),
                    a.intValue("throttle", 0)));
        }
        List<Dependency> deps = new ArrayList<>();
        for (JsonFields d : f.objects("dependencies")) {
            deps.add(new Dependency(d.enumValue("type", DependencyType.class), d.longs("jobs")));
        }
        return new JobSpec(f.string("name"), f.string("owner"), f.string("submitHost", ""), f.string("script"),
                f.string("submitDir"), f.string("workDir"), f.stringMap("environment"), f.string("queue"),
                readResources(f.object("resources")), array, deps, f.bool("userHold", false),
                f.intValue("priority", 0), f.bool("rerunnable", true), f.string("stdoutPath", ""),
                f.string("stderrPath", ""), f.has("join") ? f.enumValue("join", JoinMode.class) : JoinMode.NONE,
                f.string("mailPoints", ""), f.strings("mailUsers"), f.string("account", ""),
                f.has("notBefore") ? instant(f, "notBefore") : Instant.EPOCH, f.string("submitKey", ""),
                f.stringMap("recorded"));
    }

    /**
     * Indices in their text form ({@code 0-999999}); bodies written before that form listed every index as a
     * number, and are read as well.
     */
    static IndexSet readIndices(JsonFields f, String field) {
        if (f.raw().get(field) instanceof String text) {
            return IndexSet.parse(text);
        }
        List<Integer> indices = new ArrayList<>();
        for (Long l : f.longs(field)) {
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw new InvalidRequestException("field '" + field + "' holds " + l + ", which is no array index");
            }
            indices.add(l.intValue());
        }
        return IndexSet.copyOf(indices);
    }

    static Map<String, Object> toMap(SubmitRequest r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("script", r.script());
        m.put("options", r.options());
        m.put("user", r.user());
        m.put("submitHost", r.submitHost());
        m.put("submitDir", r.submitDir());
        m.put("environment", new LinkedHashMap<>(r.clientEnvironment()));
        return m;
    }

    static SubmitRequest readSubmitRequest(JsonFields f) {
        f.allowOnly(Set.of("script", "options", "user", "submitHost", "submitDir", "environment"));
        return new SubmitRequest(f.string("script"), f.strings("options"), f.string("user", ""),
                f.string("submitHost", ""), f.string("submitDir", ""), f.stringMap("environment"));
    }
}
