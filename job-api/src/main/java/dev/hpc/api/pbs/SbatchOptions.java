package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.ContainerImage;
import dev.hpc.api.job.FileModes;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeConstraint;
import dev.hpc.api.job.NodeTraits;
import dev.hpc.api.job.WalltimeSignal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The sbatch options of {@code #SBATCH} directives, mapped onto what qsub would ask for.
 *
 * <p>Cores per node are tasks per node times cores per task; tasks per node are
 * {@code --ntasks-per-node}, or {@code --ntasks} spread evenly (rounding up) over {@code --nodes}.
 * Memory ({@code --mem}) is per node, in megabytes unless a unit says otherwise; {@code --mem=0}
 * (all of a node's memory) is refused. {@code --mail-type} maps BEGIN, END, FAIL, ALL and NONE onto
 * qsub's {@code b}, {@code e}, {@code a}, {@code abe} and {@code n}. {@code --export} is {@code ALL}
 * (qsub's {@code -V}), {@code NONE}, or a list of variables as qsub's {@code -v} takes them, after
 * {@code ALL,} or alone; without it a job gets what qsub gives without {@code -V}, the {@code PBS_O_*}
 * set, and not the whole environment that sbatch's own default would copy (issue #15).
 *
 * <p>GPUs ({@code --gres=gpu:N}, {@code --gpus-per-node}, {@code --gpus}, {@code --gpus-per-task}) are
 * the generic per-node resource {@code gpu}; a GPU type ({@code gpu:v100:2}, {@code --gpus=v100:2}) places
 * the job on nodes whose host resource {@code gpu_model} is that type, as PBS Pro's
 * {@code ngpus=2:gpu_model=v100} does, and is recorded as written too. {@code --requeue} and {@code --no-requeue} set whether the job is rerunnable.
 * {@code --constraint} ({@code -C}) places the job on nodes with those features ({@code &} and
 * {@code |}; {@link NodeConstraint}). {@code --nodelist} ({@code -w}), {@code --exclude} ({@code -x})
 * and {@code --exclusive} choose and hold nodes ({@link NodeAccess}), and are recorded too.
 * {@code --signal} is applied by the worker before the walltime ends ({@link WalltimeSignal}), recorded
 * as {@code Resource_List.signal}; {@code --open-mode=append} by the worker when it opens the output files
 * ({@link FileModes}), recorded as {@code sbatch.open-mode}. Recorded and shown by {@code qstat -f} as
 * {@code sbatch.NAME}, not applied (issue 18): {@code --qos}, {@code --hint} and the mail types that have
 * no qsub mail point. {@code -o} and {@code -e} paths keep Slurm's {@code %} patterns,
 * which the head expands ({@link SlurmPatterns}). {@code --wait} ({@code -W}) makes qsub wait for the job and exit with its
 * status, as sbatch does ({@link SubmitBlocking}). {@code --reservation=NAME} sends the job to the
 * advance reservation of that name or queue ({@code R42}), whose queue it then is (recorded too).
 * {@code --container=IMAGE} and pyxis's {@code --container-image=IMAGE} name the image the script runs in
 * ({@link ContainerImage}; Slurm's own {@code --container} names an OCI bundle directory, which this scheduler
 * does not take: it runs images).
 */
final class SbatchOptions {

    static final OptionWords WORDS = new OptionWords(shortOptions(), longOptions(), "#SBATCH", Set.of("exclusive"));
    private static final Set<String> RECORDED = Set.of("qos", "hint");
    private static final Set<String> MAIL_TYPES_RECORDED = Set.of("REQUEUE", "INVALID_DEPEND", "STAGE_OUT",
            "TIME_LIMIT", "TIME_LIMIT_90", "TIME_LIMIT_80", "TIME_LIMIT_50", "ARRAY_TASKS");

    private SbatchOptions() {
    }

    private static Map<Character, OptionWords.Spec> shortOptions() {
        Map<Character, OptionWords.Spec> options = new TreeMap<>();
        String[][] withValue = {{"J", "job-name"}, {"N", "nodes"}, {"n", "ntasks"}, {"c", "cpus-per-task"},
            {"t", "time"}, {"p", "partition"}, {"o", "output"}, {"e", "error"}, {"a", "array"}, {"d", "dependency"},
            {"D", "chdir"}, {"A", "account"}, {"w", "nodelist"}, {"x", "exclude"}, {"C", "constraint"}, {"q", "qos"},
            {"G", "gpus"}};
        for (String[] o : withValue) {
            options.put(o[0].charAt(0), new OptionWords.Spec(o[1], true));
        }
        options.put('H', new OptionWords.Spec("hold", false));
        options.put('W', new OptionWords.Spec("wait", false));
        return options;
    }

    private static Map<String, Boolean> longOptions() {
        Map<String, Boolean> options = new TreeMap<>();
        for (String name : List.of("job-name", "nodes", "ntasks", "ntasks-per-node", "cpus-per-task", "mem",
                "mem-per-cpu", "time", "partition", "output", "error", "array", "dependency", "chdir", "account",
                "mail-type", "mail-user", "gres", "export", "gpus", "gpus-per-node", "gpus-per-task", "mem-per-gpu",
                "reservation", "constraint", "nodelist", "exclude", "qos", "hint", "signal", "open-mode", "container",
                "container-image")) {
            options.put(name, true);
        }
        for (String flag : List.of("hold", "exclusive", "requeue", "no-requeue", "wait")) {
            options.put(flag, false);
        }
        return options;
    }

    static void apply(List<String> words, Origin origin, SubmitContext context, SubmitDraft draft) {
        for (OptionWords.Option option : WORDS.read(words, origin)) {
            origin.within(option.written(), () -> apply(option, origin, context, draft));
        }
    }

    private static void apply(OptionWords.Option option, Origin origin, SubmitContext context, SubmitDraft draft) {
        String value = option.value();
        ResourceDraft resources = draft.resources();
        String what = option.written() + " " + value;
        switch (option.name()) {
            case "job-name" -> draft.name(OptionValues.jobName(value));
            case "nodes", "ntasks", "ntasks-per-node", "cpus-per-task" -> {
                draft.forget("Resource_List.procs");
                nodeRequest(option, origin, what, resources);
            }
            case "gpus", "gpus-per-node", "gpus-per-task" -> gpus(option, origin, what, draft);
            case "mem-per-gpu" -> resources.slurmGpuMemory(new ResourceDraft.Setting<>(Sizes.parseSlurm(value), origin,
                    what));
            case "constraint" -> resources.slurmConstraint(new ResourceDraft.Setting<>(
                    NodeConstraint.parseFeatures(value), origin, what));
            case "exclusive" -> {
                resources.sharing(new ResourceDraft.Setting<>(exclusive(value), origin, option.written()
                        + (value.isEmpty() ? "" : "=" + value)));
                draft.record("sbatch.exclusive", value.isEmpty() ? "True" : value);
            }
            case "nodelist" -> {
                resources.nodeList(new ResourceDraft.Setting<>(NodeAccess.parseHostList(value, "--nodelist"), origin,
                        what));
                draft.record("sbatch.nodelist", value);
            }
            case "exclude" -> {
                resources.excluded(new ResourceDraft.Setting<>(NodeAccess.parseHostList(value, "--exclude"), origin,
                        what));
                draft.record("sbatch.exclude", value);
            }
            case "container", "container-image" -> draft.container(value, origin, what);
            case "requeue" -> draft.rerunnable(true);
            case "no-requeue" -> draft.rerunnable(false);
            case "open-mode" -> draft.record(FileModes.OPEN_MODE, openMode(value));
            // one attribute for both forms, so that a later -l signal or --signal replaces the earlier
            case "signal" -> draft.record(WalltimeSignal.RECORDED, WalltimeSignal.parseSlurm(value).text());
            case "mem" -> resources.slurmNodeMemory(new ResourceDraft.Setting<>(nodeMemory(value), origin, what));
            case "mem-per-cpu" -> resources.slurmCpuMemory(new ResourceDraft.Setting<>(Sizes.parseSlurm(value), origin,
                    what));
            case "time" -> resources.walltime(new ResourceDraft.Setting<>(Walltimes.parseSlurm(value), origin, what));
            case "partition" -> draft.queue(OptionValues.queue(value));
            case "reservation" -> {
                // a reservation is a queue of its own (R42); the head resolves a reservation's name to it
                draft.queue(OptionValues.queue(value));
                draft.record("sbatch.reservation", value);
            }
            case "output" -> {
                draft.slurmStdoutPath(context.absolutePath(value));
                recordPattern(JobSpec.SLURM_OUTPUT, value, draft);
            }
            case "error" -> {
                draft.slurmStderrPath(context.absolutePath(value));
                recordPattern(JobSpec.SLURM_ERROR, value, draft);
            }
            case "array" -> draft.array(ArrayRanges.parseList(value));
            case "dependency" -> draft.dependencies(DependencyLists.parse(value));
            case "chdir" -> draft.workDir(context.absolutePath(value));
            case "account" -> draft.account(OptionValues.account(value));
            case "hold" -> draft.userHold();
            case "wait" -> {
                // qsub waits for the job (SubmitBlocking); the job itself is the same
            }
            case "mail-type" -> mailType(value, draft);
            case "mail-user" -> draft.mailUsers(OptionValues.mailUsers(value));
            case "gres" -> gres(value, origin, what, draft);
            case "export" -> {
                Export export = export(value);
                if (export.all()) {
                    draft.exportAll();
                }
                if (!export.variables().isEmpty()) {
                    draft.variables(OptionValues.variables(export.variables(), context::variable));
                }
            }
            default -> {
                if (!RECORDED.contains(option.name())) {
                    throw new IllegalStateException("#SBATCH option " + option.written() + " is declared but has "
                            + "no meaning; should never happen");
                }
                if (value.isBlank()) {
                    throw new InvalidRequestException(option.written() + " needs a value");
                }
                draft.record("sbatch." + option.name(), value);
            }
        }
    }

    private static void nodeRequest(OptionWords.Option option, Origin origin, String what, ResourceDraft resources) {
        String value = option.value();
        switch (option.name()) {
            case "nodes" -> resources.slurmNodes(new ResourceDraft.Setting<>(
                    Counts.parse(value, "nodes", 1, SubmitParser.MAX_NODES), origin, what));
            case "ntasks" -> resources.slurmTasks(new ResourceDraft.Setting<>(
                    Counts.parse(value, "ntasks", 1, SubmitParser.MAX_NODES * 100), origin, what));
            case "ntasks-per-node" -> resources.slurmTasksPerNode(new ResourceDraft.Setting<>(
                    Counts.parse(value, "ntasks-per-node", 1, SubmitParser.MAX_CORES_PER_NODE), origin, what));
            default -> resources.slurmCpusPerTask(new ResourceDraft.Setting<>(
                    Counts.parse(value, "cpus-per-task", 1, SubmitParser.MAX_CORES_PER_NODE), origin, what));
        }
    }

    /**
     * {@code --gpus}, {@code --gpus-per-node}, {@code --gpus-per-task}: {@code [type:]count}. The count
     * is applied; a type asks for nodes with that {@code gpu_model} and is recorded under the option's name.
     */
    private static void gpus(OptionWords.Option option, Origin origin, String what, SubmitDraft draft) {
        String value = option.value();
        String[] parts = value.split(":", -1);
        if (parts.length > 2 || parts[parts.length - 1].isEmpty()) {
            throw new InvalidRequestException(option.written() + " takes [type:]count, e.g. 2 or v100:2, got '"
                    + value + "'");
        }
        int count = Counts.parse(parts[parts.length - 1], option.written().substring(2), 0,
                (int) GenericResources.MAX_COUNT);
        String key = "sbatch." + option.name();
        ResourceDraft resources = draft.resources();
        if (parts.length == 2) {
            draft.record(key, value);
            resources.gpuType(option.name(), Optional.of(new ResourceDraft.Setting<>(gpuModel(parts[0]), origin,
                    what)));
        } else {
            draft.forget(key);
            resources.gpuType(option.name(), Optional.empty());
        }
        switch (option.name()) {
            case "gpus-per-node" -> resources.generic(GenericResources.GPU, count);
            case "gpus" -> resources.slurmGpus(new ResourceDraft.Setting<>(count, origin, what));
            default -> resources.slurmGpusPerTask(new ResourceDraft.Setting<>(count, origin, what));
        }
    }

    /** Keeps an output path as written when it holds a {@code %} pattern, so that the head expands it. */
    private static void recordPattern(String key, String path, SubmitDraft draft) {
        if (path.indexOf('%') >= 0) {
            draft.record(key, path);
        } else {
            draft.forget(key);
        }
    }

    /**
     * {@code --exclusive}: nodes of the job's own; {@code =user}: shared only with the owner's jobs;
     * {@code =mcs} (sharing within a security label, which this cluster has not) as plain.
     */
    static NodeAccess.Sharing exclusive(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "", "mcs" -> NodeAccess.Sharing.EXCLUSIVE;
            case "user" -> NodeAccess.Sharing.USER;
            default -> throw new InvalidRequestException("--exclusive=" + value + " is not supported; write "
                    + "--exclusive, --exclusive=user or --exclusive=mcs");
        };
    }

    private static String openMode(String value) {
        String mode = value.toLowerCase(Locale.ROOT);
        if (!mode.equals("append") && !mode.equals("truncate")) {
            throw new InvalidRequestException("--open-mode is append or truncate, got '" + value + "': write "
                    + "--open-mode=append to add to existing output files, --open-mode=truncate (the default) to empty "
                    + "them");
        }
        return mode;
    }

    /** {@code --export}: the whole environment or not, and the list of {@code -v} entries besides. */
    record Export(boolean all, String variables) {
    }

    static Export export(String text) {
        boolean all = false;
        boolean none = false;
        List<String> rest = new ArrayList<>();
        for (String entry : OptionValues.splitOutsideQuotes(text)) {
            if (entry.equalsIgnoreCase("ALL")) {
                all = true;
            } else if (entry.equalsIgnoreCase("NONE")) {
                none = true;
            } else {
                rest.add(entry);
            }
        }
        if (none && (all || !rest.isEmpty())) {
            throw new InvalidRequestException("--export=NONE cannot be combined with other entries, got '" + text
                    + "'; write NONE, ALL, or NAME[=value],... with or without ALL in front");
        }
        return new Export(all, String.join(",", rest));
    }

    private static long nodeMemory(String value) {
        long bytes = Sizes.parseSlurm(value);
        if (bytes == 0) {
            throw new InvalidRequestException("--mem=0 (all of a node's memory) is not supported; give a size such "
                    + "as 64G");
        }
        return bytes;
    }

    /**
     * Slurm's mail types as qsub's mail points; the types qsub has no point for are recorded as
     * {@code sbatch.mail-type} (the whole value as written) and add no point.
     */
    private static void mailType(String text, SubmitDraft draft) {
        boolean unmapped = false;
        for (String type : text.split(",", -1)) {
            unmapped |= MAIL_TYPES_RECORDED.contains(type.toUpperCase(Locale.ROOT));
        }
        String points = mailPoints(text);
        if (unmapped) {
            draft.record("sbatch.mail-type", text);
        } else {
            draft.forget("sbatch.mail-type");
        }
        if (!points.isEmpty()) {
            draft.mailPoints(points);
        }
    }

    private static String mailPoints(String text) {
        TreeSet<Character> points = new TreeSet<>();
        for (String type : text.split(",", -1)) {
            String upper = type.toUpperCase(Locale.ROOT);
            switch (upper) {
                case "NONE" -> points.add('n');
                case "BEGIN" -> points.add('b');
                case "END" -> points.add('e');
                case "FAIL" -> points.add('a');
                case "ALL" -> points.addAll(List.of('a', 'b', 'e'));
                default -> {
                    if (!MAIL_TYPES_RECORDED.contains(upper)) {
                        throw new InvalidRequestException("mail type '" + type + "' is not known; use NONE, BEGIN, "
                                + "END, FAIL, ALL, REQUEUE, INVALID_DEPEND, STAGE_OUT, TIME_LIMIT, TIME_LIMIT_90, "
                                + "TIME_LIMIT_80, TIME_LIMIT_50 or ARRAY_TASKS");
                    }
                }
            }
        }
        if (points.contains('n') && points.size() > 1) {
            throw new InvalidRequestException("mail type NONE cannot be combined with others, got '" + text + "'");
        }
        StringBuilder s = new StringBuilder();
        points.forEach(s::append);
        return s.toString();
    }

    /**
     * {@code --gres=name[[:type]:count][,...]}. The count is applied; a GPU type ({@code gpu:v100:2}) asks
     * for nodes with that {@code gpu_model}. A typed value is recorded as {@code sbatch.gres} as written,
     * since the type of another generic resource ({@code mic:knl:2}) is not matched.
     */
    private static void gres(String text, Origin origin, String what, SubmitDraft draft) {
        ResourceDraft resources = draft.resources();
        boolean typed = false;
        NodeConstraint gpuTypes = NodeConstraint.NONE;
        for (String entry : text.split(",", -1)) {
            String[] parts = entry.split(":", -1);
            if (parts.length > 3) {
                throw new InvalidRequestException("a generic resource is name[[:type]:count], e.g. gpu:2 or "
                        + "gpu:v100:2, got '" + entry + "'");
            }
            String name = GenericResources.name(parts[0]);
            if (parts.length == 3 && parts[1].isEmpty()) {
                throw new InvalidRequestException("the type in '" + entry + "' is empty; write gpu:v100:2 or gpu:2");
            }
            // gpu:v100 is a type and a count of one, gpu:2 a count
            boolean typeOnly = parts.length == 2 && !parts[1].matches("\\d+[A-Za-z]*");
            typed |= parts.length == 3 || typeOnly;
            if (name.equals(GenericResources.GPU) && (parts.length == 3 || typeOnly)) {
                gpuTypes = gpuTypes.and(gpuModel(parts[1]));
            }
            String count = parts.length == 1 || typeOnly ? "1" : parts[parts.length - 1];
            resources.generic(name, GenericResources.amount(parts[0], count));
        }
        resources.gpuType("gres", gpuTypes.isEmpty() ? Optional.empty()
                : Optional.of(new ResourceDraft.Setting<>(gpuTypes, origin, what)));
        if (typed) {
            draft.record("sbatch.gres", text);
        } else {
            draft.forget("sbatch.gres");
        }
    }

    /** A GPU type as the host resource {@code gpu_model} every node of the job must have. */
    private static NodeConstraint gpuModel(String type) {
        return NodeConstraint.resource(GenericResources.GPU_MODEL, NodeTraits.value(GenericResources.GPU_MODEL, type));
    }
}
