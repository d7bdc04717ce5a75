package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Dependency;
import dev.hpc.api.job.DependencyType;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.NodeConstraint;
import dev.hpc.api.job.WalltimeSignal;
import dev.hpc.api.json.JsonFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The {@code job} object of a JSON submission (docs/rest-api.md), read into the draft after the script's
 * directives and the options, so that its fields have the last word. Each field sets what the qsub option of the
 * same meaning sets, through the same checks, and a problem names the field: {@code field 'job.priority': ...}.
 */
final class JsonSubmission {
    static final Set<String> FIELDS = Set.of("name", "queue", "resources", "priority", "rerunnable", "userHold",
            "stdoutPath", "stderrPath", "join", "environment", "workDir", "array", "dependencies", "signal");
    private static final Set<String> RESOURCE_FIELDS = Set.of("nodes", "coresPerNode", "memoryPerNode",
            "walltimeSeconds", "mpiprocsPerNode");
    private static final Origin ORIGIN = Origin.JSON_JOB;

    private JsonSubmission() {
    }

    static void apply(JsonFields job, SubmitContext context, SubmitDraft draft) {
        job.allowOnly(FIELDS);
        if (job.has("name")) {
            field("name", () -> draft.name(OptionValues.jobName(job.string("name"))));
        }
        if (job.has("queue")) {
            field("queue", () -> draft.queue(OptionValues.queue(job.string("queue"))));
        }
        if (job.has("resources")) {
            resources(job.object("resources").allowOnly(RESOURCE_FIELDS), draft);
        }
        if (job.has("signal")) {
            field("signal", () -> draft.record(WalltimeSignal.RECORDED,
                    WalltimeSignal.parsePbs(job.string("signal")).text()));
        }
        if (job.has("priority")) {
            field("priority", () -> draft.priority(OptionValues.priority(String.valueOf(job.intValue("priority")))));
        }
        if (job.has("rerunnable")) {
            draft.rerunnable(job.bool("rerunnable", true));
        }
        if (job.bool("userHold", false)) {
            draft.userHold();
        }
        if (job.has("stdoutPath")) {
            field("stdoutPath", () -> {
                draft.stdoutPath(context.absolutePath(OptionValues.pathWithoutHost(job.string("stdoutPath"))));
                draft.forget(JobSpec.SLURM_OUTPUT);
            });
        }
        if (job.has("stderrPath")) {
            field("stderrPath", () -> {
                draft.stderrPath(context.absolutePath(OptionValues.pathWithoutHost(job.string("stderrPath"))));
                draft.forget(JobSpec.SLURM_ERROR);
            });
        }
        if (job.has("join")) {
            draft.join(join(job.string("join")));
        }
        if (job.has("workDir")) {
            field("workDir", () -> draft.workDir(context.absolutePath(job.string("workDir"))));
        }
        if (job.has("array")) {
            field("array", () -> draft.array(ArrayRanges.parseList(job.object("array").string("expression"))));
        }
        if (job.has("dependencies")) {
            List<Dependency> dependencies = dependencies(job.objects("dependencies"));
            if (!dependencies.isEmpty()) {
                draft.dependencies(dependencies);
            }
        }
        if (job.has("environment")) {
            draft.variables(environment(job.stringMap("environment")));
        }
    }

    /** One node shape, as {@code -l select=N:ncpus=C[:mpiprocs=M][:mem=B]} asks for it, and the walltime. */
    private static void resources(JsonFields r, SubmitDraft draft) {
        int nodes = count(r, "nodes", SubmitParser.MAX_NODES);
        int cores = count(r, "coresPerNode", SubmitParser.MAX_CORES_PER_NODE);
        int mpiprocs = count(r, "mpiprocsPerNode", SubmitParser.MAX_CORES_PER_NODE);
        long memory = r.longValue("memoryPerNode", 0);
        if (memory < 0) {
            throw new InvalidRequestException("field 'job.resources.memoryPerNode' is bytes and cannot be negative, "
                    + "got " + memory);
        }
        NodeShape shape = new NodeShape(nodes, OptionalInt.of(cores), OptionalInt.of(mpiprocs), memory, Map.of(),
                NodeConstraint.NONE);
        draft.forget("Resource_List.procs");
        draft.resources().shape(new ResourceDraft.Setting<>(shape, ORIGIN, "resources"));
        if (r.has("walltimeSeconds")) {
            long seconds = r.longValue("walltimeSeconds");
            field("resources.walltimeSeconds", () -> draft.resources().walltime(new ResourceDraft.Setting<>(
                    Walltimes.bounded(seconds, seconds + " s"), ORIGIN, "resources.walltimeSeconds")));
        }
    }

    private static int count(JsonFields r, String field, int max) {
        int n = r.intValue(field, 1);
        if (n < 1 || n > max) {
            throw new InvalidRequestException("field 'job.resources." + field + "' must be from 1 to " + max
                    + ", got " + n);
        }
        return n;
    }

    private static JoinMode join(String join) {
        return switch (join) {
            case "STDOUT_STDERR", "oe" -> JoinMode.STDOUT_STDERR;
            case "STDERR_STDOUT", "eo" -> JoinMode.STDERR_STDOUT;
            case "NONE", "n" -> JoinMode.NONE;
            default -> throw new InvalidRequestException("field 'job.join' must be oe, eo or n, got '" + join + "'");
        };
    }

    private static List<Dependency> dependencies(List<JsonFields> clauses) {
        List<Dependency> out = new ArrayList<>();
        for (JsonFields d : clauses) {
            String typeName = d.string("type");
            List<Long> jobs = d.longs("jobs");
            field("dependencies", () -> {
                DependencyType type = DependencyLists.type(typeName);
                if (jobs.isEmpty()) {
                    throw new InvalidRequestException("the " + type.pbsName() + " dependency names no job; list the "
                            + "job numbers in 'jobs'");
                }
                for (long n : jobs) {
                    if (n < 1) {
                        throw new InvalidRequestException("job numbers start at 1, got " + n);
                    }
                }
                out.add(new Dependency(type, jobs));
            });
        }
        return out;
    }

    /** Variables given as a map, which may hold the commas {@code -v} cannot carry; checked as {@code -v} checks. */
    private static Map<String, String> environment(Map<String, String> variables) {
        for (String name : variables.keySet()) {
            field("environment", () -> OptionValues.variableName(name));
        }
        return variables;
    }

    private static void field(String name, Runnable step) {
        ORIGIN.within(name, step);
    }
}
