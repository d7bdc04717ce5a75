package dev.hpc.api;

import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * {@code --wait} ({@code -W}) makes qsub wait for the job and exit with its status, as sbatch does
 * ({@link SubmitBlocking}).
 */
final class SbatchOptions {

    static final OptionWords WORDS = new OptionWords(shortOptions(), longOptions(), "#SBATCH");

    private SbatchOptions() {
    }

    private static Map<Character, OptionWords.Spec> shortOptions() {
        Map<Character, OptionWords.Spec> options = new TreeMap<>();
        String[][] withValue = {{"J", "job-name"}, {"N", "nodes"}, {"n", "ntasks"}, {"c", "cpus-per-task"},
            {"t", "time"}, {"p", "partition"}, {"o", "output"}, {"e", "error"}, {"a", "array"}, {"d", "dependency"},
            {"D", "chdir"}, {"A", "account"}};
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
                "mail-type", "mail-user", "gres", "export")) {
            options.put(name, true);
        }
        options.put("hold", false);
        options.put("wait", false);
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
            case "nodes" -> resources.slurmNodes(new ResourceDraft.Setting<>(
                    Counts.parse(value, "nodes", 1, SubmitParser.MAX_NODES), origin, what));
            case "ntasks" -> resources.slurmTasks(new ResourceDraft.Setting<>(
                    Counts.parse(value, "ntasks", 1, SubmitParser.MAX_NODES * 100), origin, what));
            case "ntasks-per-node" -> resources.slurmTasksPerNode(new ResourceDraft.Setting<>(
                    Counts.parse(value, "ntasks-per-node", 1, SubmitParser.MAX_CORES_PER_NODE), origin, what));
            case "cpus-per-task" -> resources.slurmCpusPerTask(new ResourceDraft.Setting<>(
                    Counts.parse(value, "cpus-per-task", 1, SubmitParser.MAX_CORES_PER_NODE), origin, what));
            case "mem" -> resources.slurmNodeMemory(new ResourceDraft.Setting<>(nodeMemory(value), origin, what));
            case "mem-per-cpu" -> resources.slurmCpuMemory(new ResourceDraft.Setting<>(Sizes.parseSlurm(value), origin,
                    what));
            case "time" -> resources.walltime(new ResourceDraft.Setting<>(Walltimes.parseSlurm(value), origin, what));
            case "partition" -> draft.queue(OptionValues.queue(value));
            case "output" -> draft.stdoutPath(context.absolutePath(value));
            case "error" -> draft.stderrPath(context.absolutePath(value));
            case "array" -> draft.array(ArrayRanges.parseList(value));
            case "dependency" -> draft.dependencies(DependencyLists.parse(value));
            case "chdir" -> draft.workDir(context.absolutePath(value));
            case "account" -> draft.account(OptionValues.account(value));
            case "hold" -> draft.userHold();
            case "wait" -> {
                // qsub waits for the job (SubmitBlocking); the job itself is the same
            }
            case "mail-type" -> draft.mailPoints(mailPoints(value));
            case "mail-user" -> draft.mailUsers(OptionValues.mailUsers(value));
            case "gres" -> gres(value, resources);
            case "export" -> {
                Export export = export(value);
                if (export.all()) {
                    draft.exportAll();
                }
                if (!export.variables().isEmpty()) {
                    draft.variables(OptionValues.variables(export.variables(), context::variable));
                }
            }
            default -> throw new IllegalStateException("#SBATCH option " + option.written() + " is declared but has "
                    + "no meaning; should never happen");
        }
    }

    /** {@code --export}: the whole environment or not, and the list of {@code -v} entries besides. */
    record Export(boolean all, String variables) {
    }

    static Export export(String text) {
        boolean all = false;
        boolean none = false;
        List<String> rest = new java.util.ArrayList<>();
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

    private static String mailPoints(String text) {
        TreeSet<Character> points = new TreeSet<>();
        for (String type : text.split(",", -1)) {
            switch (type.toUpperCase(Locale.ROOT)) {
                case "NONE" -> points.add('n');
                case "BEGIN" -> points.add('b');
                case "END" -> points.add('e');
                case "FAIL" -> points.add('a');
                case "ALL" -> points.addAll(List.of('a', 'b', 'e'));
                default -> throw new InvalidRequestException("mail type '" + type + "' is not supported; use NONE, "
                        + "BEGIN, END, FAIL or ALL");
            }
        }
        if (points.contains('n') && points.size() > 1) {
            throw new InvalidRequestException("mail type NONE cannot be combined with others, got '" + text + "'");
        }
        StringBuilder s = new StringBuilder();
        points.forEach(s::append);
        return s.toString();
    }

    /** {@code --gres=name[:count][,name[:count]]}; typed forms such as {@code gpu:a100:2} are refused. */
    private static void gres(String text, ResourceDraft resources) {
        for (String entry : text.split(",", -1)) {
            String[] parts = entry.split(":", -1);
            if (parts.length > 2) {
                throw new InvalidRequestException("typed generic resources such as '" + entry + "' are not supported; "
                        + "write name:count, e.g. gpu:2");
            }
            String name = GenericResources.name(parts[0]);
            resources.generic(name, parts.length == 2 ? GenericResources.amount(parts[0], parts[1]) : 1);
        }
    }
}
