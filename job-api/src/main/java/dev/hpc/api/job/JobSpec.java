package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.pbs.ShellWords;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything a submission says about a job, after directives and command-line options are merged.
 *
 * <p>{@code submitDir} is where qsub ran ({@code PBS_O_WORKDIR}); {@code workDir} is where the script
 * starts (qsub {@code -d}, Slurm {@code -D}), which defaults to the submit directory. Output paths
 * are absolute once the head has accepted the job; an empty path before that means "the PBS
 * default" ({@code NAME.oNUMBER} in the submit directory). {@code environment} holds the variables
 * exported to the job ({@code -v}, {@code -V} and the {@code PBS_O_*} set), in name order.
 * {@code notBefore} is {@link Instant#EPOCH} unless {@code -a} deferred the start. {@code submitKey} is the
 * client's idempotency key of the submission ("" when it sent none): a retry with the same key from the same
 * owner is answered with this job instead of making a second one.
 *
 * <p>{@code recorded} holds the directives a submission gave that this cluster keeps and shows but does
 * not apply (issue 18: {@code -P}, {@code -W group_list}, {@code -l software}, {@code --qos}, ...), keyed by
 * the attribute name {@code qstat -f} shows them under ({@code project}, {@code Resource_List.vmem},
 * {@code sbatch.qos}), in name order. {@link #SCRIPT_ARGUMENTS} is applied: the worker passes them
 * to the script; so are {@code Resource_List.vmem}, {@code pvmem}, {@code cput}, {@code pcput} and
 * {@code file}, as the job's {@link ProcessLimits}. Two keys also steer the head: {@link #SLURM_OUTPUT} and
 * {@link #SLURM_ERROR} say the output paths were written by {@code #SBATCH} and hold Slurm's
 * {@code %} patterns ({@link SlurmPatterns}).
 */
public record JobSpec(
        String name,
        String owner,
        String submitHost,
        String script,
        String submitDir,
        String workDir,
        Map<String, String> environment,
        String queue,
        Resources resources,
        Optional<ArraySpec> array,
        List<Dependency> dependencies,
        boolean userHold,
        int priority,
        boolean rerunnable,
        String stdoutPath,
        String stderrPath,
        JoinMode join,
        String mailPoints,
        List<String> mailUsers,
        String account,
        Instant notBefore,
        String submitKey,
        Map<String, String> recorded) {

    /** Whether the job was submitted with {@code -I} and so takes an interactive session. */
    public boolean interactive() {
        return "True".equals(recorded.get(INTERACTIVE));
    }

    public static final int MIN_PRIORITY = -1024;
    public static final int MAX_PRIORITY = 1023;
    /** The longest idempotency key a client may send. */
    public static final int MAX_SUBMIT_KEY = 128;
    /** qsub {@code -F}: the script's arguments as written, shown as Torque's {@code job_arguments}. */
    public static final String SCRIPT_ARGUMENTS = "job_arguments";
    /**
     * qsub {@code -S}: the shells that run the script, {@code path[@host],...} as written and as PBS
     * shows it; the worker picks the entry for its node ({@link #shellFor}).
     */
    public static final String SHELL_PATH_LIST = "Shell_Path_List";
    /**
     * qsub {@code -W group_list=g[@host],...} as written: the worker runs the task with the entry for its
     * node ({@link #shellFor} picks it the same way) as primary group, once it has checked the owner
     * belongs to it.
     */
    public static final String GROUP_LIST = "group_list";

    /** qsub {@code -I}: recorded as PBS's {@code interactive = True}; only such a job takes a session. */
    public static final String INTERACTIVE = "interactive";
    /** qsub {@code -u} as written; the first user without a host (else the first) is the job's owner. */
    public static final String USER_LIST = "User_List";
    /** The {@code #SBATCH -o} path as written, {@code %} patterns and all. */
    public static final String SLURM_OUTPUT = "sbatch.output";
    /** The {@code #SBATCH -e} path as written. */
    public static final String SLURM_ERROR = "sbatch.error";

    /** A submission without an idempotency key. */
    public JobSpec(String name, String owner, String submitHost, String script, String submitDir, String workDir,
                   Map<String, String> environment, String queue, Resources resources, Optional<ArraySpec> array,
                   List<Dependency> dependencies, boolean userHold, int priority, boolean rerunnable,
                   String stdoutPath, String stderrPath, JoinMode join, String mailPoints, List<String> mailUsers,
                   String account, Instant notBefore) {
        this(name, owner, submitHost, script, submitDir, workDir, environment, queue, resources, array, dependencies,
                userHold, priority, rerunnable, stdoutPath, stderrPath, join, mailPoints, mailUsers, account, notBefore,
                "");
    }

    /** A submission that recorded no directive beyond those applied. */
    public JobSpec(String name, String owner, String submitHost, String script, String submitDir, String workDir,
                   Map<String, String> environment, String queue, Resources resources, Optional<ArraySpec> array,
                   List<Dependency> dependencies, boolean userHold, int priority, boolean rerunnable,
                   String stdoutPath, String stderrPath, JoinMode join, String mailPoints, List<String> mailUsers,
                   String account, Instant notBefore, String submitKey) {
        this(name, owner, submitHost, script, submitDir, workDir, environment, queue, resources, array, dependencies,
                userHold, priority, rerunnable, stdoutPath, stderrPath, join, mailPoints, mailUsers, account, notBefore,
                submitKey, Map.of());
    }

    public JobSpec {
        environment = Collections.unmodifiableMap(new TreeMap<>(environment));
        dependencies = List.copyOf(dependencies);
        mailUsers = List.copyOf(mailUsers);
        recorded = Collections.unmodifiableMap(new TreeMap<>(recorded));
        if (submitKey.length() > MAX_SUBMIT_KEY || !submitKey.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new InvalidRequestException("the idempotency key must be at most " + MAX_SUBMIT_KEY
                    + " printable ASCII characters without spaces (a UUID is fine)");
        }
        if (priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
            throw new InvalidRequestException("priority must be between " + MIN_PRIORITY + " and " + MAX_PRIORITY
                    + ", got " + priority);
        }
    }

    /** The script's arguments (qsub {@code -F "ARGS"}), split as a shell splits them; none without {@code -F}. */
    public List<String> scriptArguments() {
        String written = recorded.get(SCRIPT_ARGUMENTS);
        return written == null ? List.of() : ShellWords.split(written);
    }

    /**
     * The entry of a {@code value[@host],...} list (the shell of {@code -S}, the group of
     * {@code -W group_list}) for a node, as PBS picks it: the entry
     * naming this host (its full or short name), else the entry without a host; "" when none applies
     * and the {@code #!} line (or bash) decides.
     */
    public static String shellFor(String shellPathList, String node) {
        String any = "";
        for (String entry : shellPathList.split(",")) {
            int at = entry.indexOf('@');
            if (at < 0) {
                if (any.isEmpty()) {
                    any = entry.trim();
                }
                continue;
            }
            String host = entry.substring(at + 1).trim();
            String shortNode = node.contains(".") ? node.substring(0, node.indexOf('.')) : node;
            String shortHost = host.contains(".") ? host.substring(0, host.indexOf('.')) : host;
            if (host.equals(node) || shortHost.equals(shortNode)) {
                return entry.substring(0, at).trim();
            }
        }
        return any;
    }

    public boolean isArray() {
        return array.isPresent();
    }

    public JobSpec withOutputPaths(String stdout, String stderr) {
        return new JobSpec(name, owner, submitHost, script, submitDir, workDir, environment, queue, resources, array,
                dependencies, userHold, priority, rerunnable, stdout, stderr, join, mailPoints, mailUsers, account,
                notBefore, submitKey, recorded);
    }

    public JobSpec withQueue(String q) {
        return new JobSpec(name, owner, submitHost, script, submitDir, workDir, environment, q, resources, array,
                dependencies, userHold, priority, rerunnable, stdoutPath, stderrPath, join, mailPoints, mailUsers,
                account, notBefore, submitKey, recorded);
    }

    public JobSpec withSubmitKey(String key) {
        return new JobSpec(name, owner, submitHost, script, submitDir, workDir, environment, queue, resources, array,
                dependencies, userHold, priority, rerunnable, stdoutPath, stderrPath, join, mailPoints, mailUsers,
                account, notBefore, key, recorded);
    }

    /** This spec with {@code name} recorded as {@code value}: an attribute the head sets and shows (qstat -f). */
    public JobSpec withRecorded(String name, String value) {
        Map<String, String> r = new TreeMap<>(recorded);
        r.put(name, value);
        return new JobSpec(this.name, owner, submitHost, script, submitDir, workDir, environment, queue, resources,
                array, dependencies, userHold, priority, rerunnable, stdoutPath, stderrPath, join, mailPoints,
                mailUsers, account, notBefore, submitKey, r);
    }

    public JobSpec withResources(Resources r) {
        return new JobSpec(name, owner, submitHost, script, submitDir, workDir, environment, queue, r, array,
                dependencies, userHold, priority, rerunnable, stdoutPath, stderrPath, join, mailPoints, mailUsers,
                account, notBefore, submitKey, recorded);
    }
}
