package dev.hpc.head.api;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.WalltimeSignal;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.pbs.SubmitEnvironment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The JSON form of a submission turned into qsub options, so that both forms go through the one
 * parser and are validated alike.
 */
final class JobOptions {
    private JobOptions() {
    }

    static List<String> fromJson(JsonFields job) {
        List<String> o = new ArrayList<>();
        if (job.has("name")) {
            add(o, "-N", job.string("name"));
        }
        if (job.has("queue")) {
            add(o, "-q", job.string("queue"));
        }
        if (job.has("resources")) {
            JsonFields r = job.object("resources");
            r.allowOnly(Set.of("nodes", "coresPerNode", "memoryPerNode", "walltimeSeconds",
                    "mpiprocsPerNode"));
            int nodes = r.intValue("nodes", 1);
            int cores = r.intValue("coresPerNode", 1);
            List<String> parts = new ArrayList<>();
            parts.add("select=" + nodes + ":ncpus=" + cores
                    + (r.has("mpiprocsPerNode") ? ":mpiprocs=" + r.intValue("mpiprocsPerNode") : "")
                    + (r.has("memoryPerNode") ? ":mem=" + r.longValue("memoryPerNode") + "b" : ""));
            if (r.has("walltimeSeconds")) {
                parts.add("walltime=" + r.longValue("walltimeSeconds"));
            }
            add(o, "-l", String.join(",", parts));
        }
        if (job.has("signal")) {
            // read here, so that a bad value is refused naming the field, and no comma reaches -l
            String signal = job.string("signal");
            try {
                add(o, "-l", "signal=" + WalltimeSignal.parsePbs(signal).text());
            } catch (InvalidRequestException e) {
                throw new InvalidRequestException("field 'job.signal': " + e.getMessage());
            }
        }
        if (job.has("priority")) {
            add(o, "-p", String.valueOf(job.intValue("priority")));
        }
        if (job.has("rerunnable")) {
            add(o, "-r", job.bool("rerunnable", true) ? "y" : "n");
        }
        if (job.bool("userHold", false)) {
            o.add("-h");
        }
        if (job.has("stdoutPath")) {
            add(o, "-o", job.string("stdoutPath"));
        }
        if (job.has("stderrPath")) {
            add(o, "-e", job.string("stderrPath"));
        }
        if (job.has("join")) {
            String join = job.string("join");
            add(o, "-j", switch (join) {
                case "STDOUT_STDERR", "oe" -> "oe";
                case "STDERR_STDOUT", "eo" -> "eo";
                case "NONE", "n" -> "n";
                default -> throw new InvalidRequestException("field 'job.join' must be oe, eo or n, got '"
                        + join + "'");
            });
        }
        if (job.has("workDir")) {
            add(o, "-d", job.string("workDir"));
        }
        if (job.has("array")) {
            add(o, "-t", job.object("array").string("expression"));
        }
        if (job.has("dependencies")) {
            List<String> clauses = new ArrayList<>();
            for (JsonFields d : job.objects("dependencies")) {
                StringBuilder s = new StringBuilder(d.string("type").toLowerCase(Locale.ROOT));
                for (long n : d.longs("jobs")) {
                    s.append(':').append(n);
                }
                clauses.add(s.toString());
            }
            if (!clauses.isEmpty()) {
                add(o, "-W", "depend=" + String.join(",", clauses));
            }
        }
        return o;
    }

    private static void add(List<String> options, String flag, String value) {
        options.add(flag);
        options.add(value);
    }

    /**
     * Adds variables given as a JSON map, which may hold commas that {@code -v} cannot carry; as with
     * {@code -v}, naming one of the cluster's credentials is refused.
     */
    static JobSpec withEnvironment(JobSpec spec, Map<String, String> extra) {
        if (extra.isEmpty()) {
            return spec;
        }
        for (String name : extra.keySet()) {
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new InvalidRequestException("environment variable name '" + name
                        + "' must be letters, digits and '_', not starting with a digit");
            }
            SubmitEnvironment.requireNotCredential(name);
        }
        Map<String, String> env = new TreeMap<>(spec.environment());
        env.putAll(extra);
        return new JobSpec(spec.name(), spec.owner(), spec.submitHost(), spec.script(), spec.submitDir(),
                spec.workDir(), env, spec.queue(), spec.resources(), spec.array(), spec.dependencies(),
                spec.userHold(), spec.priority(), spec.rerunnable(), spec.stdoutPath(), spec.stderrPath(), spec.join(),
                spec.mailPoints(), spec.mailUsers(), spec.account(), spec.notBefore(), spec.submitKey(),
                spec.recorded());
    }
}
