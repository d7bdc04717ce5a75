package dev.hpc.api.pbs;

import dev.hpc.api.job.ContainerImage;
import dev.hpc.api.job.ArraySpec;
import dev.hpc.api.job.Dependency;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A submission while its options are read, in order: script directives top to bottom, then the
 * command line. A later option replaces an earlier one of the same kind; {@code -v} variables
 * accumulate; {@code -V} and {@code -h} once given stay given. Options are checked as they are read,
 * so {@link #build} only combines values already known to be valid.
 */
final class SubmitDraft {

    private final ResourceDraft resources = new ResourceDraft();
    private final Map<String, String> variables = new TreeMap<>();
    private Optional<String> name = Optional.empty();
    private Optional<String> queue = Optional.empty();
    private Optional<String> stdoutPath = Optional.empty();
    private Optional<String> stderrPath = Optional.empty();
    private Optional<JoinMode> join = Optional.empty();
    /** Whether the output paths that stand were written by {@code #SBATCH -o}/{@code -e}, for Slurm's defaults. */
    private boolean slurmStdout;
    private boolean slurmStderr;
    private boolean exportAll;
    private Optional<ArraySpec> array = Optional.empty();
    private Optional<List<Dependency>> dependencies = Optional.empty();
    private boolean userHold;
    private Optional<Integer> priority = Optional.empty();
    private Optional<Boolean> rerunnable = Optional.empty();
    private Optional<String> mailPoints = Optional.empty();
    private Optional<List<String>> mailUsers = Optional.empty();
    private Optional<String> workDir = Optional.empty();
    private Optional<String> account = Optional.empty();
    private Optional<String> runAs = Optional.empty();
    private Optional<Instant> notBefore = Optional.empty();
    private final Map<String, String> recorded = new TreeMap<>();

    ResourceDraft resources() {
        return resources;
    }

    void name(String n) {
        name = Optional.of(n);
    }

    /** An empty queue ({@code -q @server}) means the default queue. */
    void queue(String q) {
        queue = q.isEmpty() ? Optional.empty() : Optional.of(q);
    }

    void stdoutPath(String p) {
        stdoutPath = Optional.of(p);
        slurmStdout = false;
    }

    void stderrPath(String p) {
        stderrPath = Optional.of(p);
        slurmStderr = false;
    }

    /** {@code #SBATCH -o}: without an {@code -e} the job's standard error goes there too, as in Slurm. */
    void slurmStdoutPath(String p) {
        stdoutPath(p);
        slurmStdout = true;
    }

    /** {@code #SBATCH -e}: without an {@code -o} the standard output goes to Slurm's {@code slurm-%j.out}. */
    void slurmStderrPath(String p) {
        stderrPath(p);
        slurmStderr = true;
    }

    void join(JoinMode j) {
        join = Optional.of(j);
    }

    void exportAll() {
        exportAll = true;
    }

    void variables(Map<String, String> vars) {
        variables.putAll(vars);
    }

    void array(ArraySpec a) {
        array = Optional.of(a);
    }

    void dependencies(List<Dependency> d) {
        dependencies = Optional.of(List.copyOf(d));
    }

    void userHold() {
        userHold = true;
    }

    void priority(int p) {
        priority = Optional.of(p);
    }

    void rerunnable(boolean r) {
        rerunnable = Optional.of(r);
    }

    void mailPoints(String points) {
        mailPoints = Optional.of(points);
    }

    void mailUsers(List<String> users) {
        mailUsers = Optional.of(List.copyOf(users));
    }

    void workDir(String dir) {
        workDir = Optional.of(dir);
    }

    void account(String a) {
        account = Optional.of(a);
    }

    /** qsub {@code -u}: the job's owner, in place of the submitting user; the head decides whether it may be. */
    void runAs(String user) {
        runAs = Optional.of(user);
    }

    void notBefore(Instant t) {
        notBefore = Optional.of(t);
    }

    /** A container image, written {@code what} at {@code origin}: recorded, and its runtimes asked of the nodes. */
    void container(String image, Origin origin, String what) {
        resources().container(new ResourceDraft.Setting<>(ContainerImage.constraint(ContainerImage.check(image)),
                origin, what));
        record(ContainerImage.RECORDED, image);
    }

    /** Keeps a directive that is shown but not applied, under its {@code qstat -f} name; a later one replaces it. */
    void record(String attribute, String value) {
        recorded.put(attribute, value);
    }

    void forget(String attribute) {
        recorded.remove(attribute);
    }

    JobSpec build(SubmitRequest request, SubmitDefaults defaults) {
        slurmOutputDefaults(workDir.orElse(request.submitDir()));
        Resources resolved = resources.resolve();
        String q = queue.orElse(defaults.defaultQueue());
        return new JobSpec(name.orElse(SubmitParser.DEFAULT_NAME), runAs.orElse(request.user()), request.submitHost(),
                request.script(), request.submitDir(), workDir.orElse(request.submitDir()),
                environment(request, q), q, resolved, array, dependencies.orElse(List.of()), userHold,
                priority.orElse(0), rerunnable.orElse(defaults.defaultRerunnable()), stdoutPath.orElse(""),
                stderrPath.orElse(""), join.orElse(JoinMode.NONE), mailPoints.orElse(""), mailUsers.orElse(List.of()),
                account.orElse(""), notBefore.orElse(Instant.EPOCH), "", recorded);
    }

    /**
     * Slurm sends both streams to the {@code -o} file unless {@code -e} is given, and the standard output of a
     * job that gives only {@code -e} to {@code slurm-%j.out} ({@code slurm-%A_%a.out} for an array) in its
     * working directory. Only when the path that stands came from {@code #SBATCH} and nothing chose the other
     * stream or a join ({@code -j}); a script without {@code #SBATCH -o}/{@code -e} keeps PBS's names, qsub being
     * the PBS command.
     */
    private void slurmOutputDefaults(String dir) {
        if (join.isPresent()) {
            return;
        }
        if (slurmStdout && stderrPath.isEmpty()) {
            // Error_Path keeps PBS's default name, unused under the join, as a PBS server shows it for -j oe
            join = Optional.of(JoinMode.STDOUT_STDERR);
        } else if (slurmStderr && stdoutPath.isEmpty()) {
            String pattern = array.isPresent() ? "slurm-%A_%a.out" : "slurm-%j.out";
            stdoutPath = Optional.of((dir.endsWith("/") ? dir : dir + "/") + pattern);
            recorded.put(JobSpec.SLURM_OUTPUT, pattern);
        }
    }

    /**
     * {@code -V}'s copy of the client environment, then {@code -v}, then the {@code PBS_O_*} set. The
     * copy leaves out the credentials that a client sent all the same (an older qsub sent everything)
     * and the client's own {@code PBS_O_*}, which qsub makes anew; {@code -v} has refused credentials.
     */
    private Map<String, String> environment(SubmitRequest request, String q) {
        Map<String, String> client = request.clientEnvironment();
        Map<String, String> env = new TreeMap<>();
        if (exportAll) {
            env.putAll(SubmitEnvironment.exportable(client));
        }
        env.putAll(variables);
        for (String name : SubmitEnvironment.PASSED_ON) {
            if (client.containsKey(name)) {
                env.put(SubmitEnvironment.QSUB_PREFIX + name, client.get(name));
            }
        }
        if (client.containsKey(SubmitEnvironment.SYSTEM)) {
            env.put(SubmitEnvironment.SYSTEM, client.get(SubmitEnvironment.SYSTEM));
        }
        env.put("PBS_O_WORKDIR", request.submitDir());
        env.put("PBS_O_HOST", request.submitHost());
        env.put("PBS_O_QUEUE", q);
        return env;
    }
}
