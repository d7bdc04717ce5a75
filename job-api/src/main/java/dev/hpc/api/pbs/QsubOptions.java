package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.FileModes;
import dev.hpc.api.job.JobSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The qsub options, as {@code #PBS} directives and on the command line.
 *
 * <p>{@code -S path[@host][,path@host...]} names the shell that runs the script, as in PBS: kept
 * as {@code Shell_Path_List} and applied by the worker ({@link JobSpec#SHELL_PATH_LIST}); without
 * it the script runs with the interpreter of its {@code #!} line, else bash. {@code -I} makes the job
 * interactive: it is recorded as {@link JobSpec#INTERACTIVE} ({@code interactive = True} in {@code qstat -f}),
 * which lets its owner open the session's shell beside the script ({@code qsub -I} submits a script that only
 * waits for that shell).
 *
 * <p>{@code -F} gives the script arguments (shown as {@code job_arguments}). {@code -W group_list},
 * {@code -W umask} and {@code -W sandbox} are kept as written and applied by the worker ({@link FileModes}).
 * Recorded and shown by {@code qstat -f}, not applied (issue 18): {@code -P} ({@code project}), {@code -k}
 * ({@code Keep_Files}), {@code -c} ({@code Checkpoint}) and {@code -x}, which only means something to an
 * interactive job. {@code -C} chooses the directive prefix; {@link SubmitParser}
 * reads it from the command line before the script, so here it is only checked.
 * {@code -W block=true} means nothing to the job: qsub itself waits for it ({@link SubmitBlocking}).
 * {@code -u user} makes that user the job's owner, shown as {@code User_List}; the head accepts it only from
 * that user or an admin (docs/commands.md).
 */
final class QsubOptions {

    static final OptionWords WORDS = new OptionWords(shortOptions(), Map.of(), "qsub");

    private QsubOptions() {
    }

    private static Map<Character, OptionWords.Spec> shortOptions() {
        Map<Character, OptionWords.Spec> options = new TreeMap<>();
        for (char c : "AaCcdeFJjklMmNoPpqrStuvWw".toCharArray()) {
            options.put(c, new OptionWords.Spec(String.valueOf(c), true));
        }
        for (char c : "hIVx".toCharArray()) {
            options.put(c, new OptionWords.Spec(String.valueOf(c), false));
        }
        return options;
    }

    static void apply(List<String> words, Origin origin, SubmitContext context, SubmitDraft draft) {
        for (OptionWords.Option option : WORDS.read(words, origin)) {
            if (option.name().equals("l")) {
                ResourceLists.apply(option.value(), origin, draft);
            } else {
                origin.within(option.written(), () -> apply(option, context, draft));
            }
        }
    }

    private static void apply(OptionWords.Option option, SubmitContext context, SubmitDraft draft) {
        String value = option.value();
        switch (option.name()) {
            case "N" -> draft.name(OptionValues.jobName(value));
            case "q" -> draft.queue(OptionValues.queue(value));
            case "o" -> {
                draft.stdoutPath(context.absolutePath(OptionValues.pathWithoutHost(value)));
                draft.forget(JobSpec.SLURM_OUTPUT);
            }
            case "e" -> {
                draft.stderrPath(context.absolutePath(OptionValues.pathWithoutHost(value)));
                draft.forget(JobSpec.SLURM_ERROR);
            }
            case "j" -> draft.join(OptionValues.join(value));
            case "V" -> draft.exportAll();
            case "v" -> draft.variables(OptionValues.variables(value, context::variable));
            case "t" -> draft.array(ArrayRanges.parseList(value));
            case "J" -> draft.array(ArrayRanges.parseRange(value));
            case "W" -> attributes(value, draft);
            case "P" -> draft.record("project", project(value));
            case "C" -> directivePrefix(value);
            case "F" -> draft.record(JobSpec.SCRIPT_ARGUMENTS, scriptArguments(value));
            case "k" -> draft.record("Keep_Files", keepFiles(value));
            case "c" -> draft.record("Checkpoint", nonEmpty(value, "-c", "-c n"));
            case "x" -> draft.record("interactive_script", "True");
            case "h" -> draft.userHold();
            case "p" -> draft.priority(OptionValues.priority(value));
            case "r" -> draft.rerunnable(OptionValues.yesNo(value, "rerunnable"));
            case "m" -> draft.mailPoints(OptionValues.mailPoints(value));
            case "M" -> draft.mailUsers(OptionValues.mailUsers(value));
            case "d", "w" -> draft.workDir(context.absolutePath(value));
            case "A" -> draft.account(OptionValues.account(value));
            case "a" -> draft.notBefore(DeferredStart.parse(value, context.now()).toInstant());
            case "S" -> {
                OptionValues.shells(value);
                draft.record(JobSpec.SHELL_PATH_LIST, value);
            }
            case "I" -> draft.record(JobSpec.INTERACTIVE, "True");
            case "u" -> {
                draft.record(JobSpec.USER_LIST, value);
                draft.runAs(OptionValues.runAsUser(value));
            }
            default -> throw new IllegalStateException("qsub option " + option.written() + " is declared but has no "
                    + "meaning; should never happen");
        }
    }

    /**
     * {@code -W attr=value[,attr=value]}: {@code depend=} sets the dependencies; {@code block=} is
     * checked and otherwise left to qsub, which waits for the job ({@link SubmitBlocking}).
     */
    private static void attributes(String text, SubmitDraft draft) {
        for (String[] attribute : attributeList(text)) {
            switch (attribute[0]) {
                case "depend" -> draft.dependencies(DependencyLists.parse(attribute[1]));
                case "block" -> block(attribute[1]);
                case "group_list" -> draft.record(JobSpec.GROUP_LIST, groupList(attribute[1]));
                case "umask" -> draft.record(FileModes.UMASK, FileModes.checkUmask(attribute[1]));
                case "sandbox" -> draft.record(FileModes.SANDBOX, sandbox(attribute[1]));
                default -> throw new InvalidRequestException("-W " + attribute[0] + " is not supported; -W takes "
                        + "depend=, block=, group_list=, umask= and sandbox=");
            }
        }
    }

    /**
     * The {@code attr=value} entries of a {@code -W} value, in order. A dependency list holds commas
     * itself, so an entry without {@code =} continues the value before it.
     */
    static List<String[]> attributeList(String text) {
        List<String[]> attributes = new ArrayList<>();
        for (String entry : text.split(",", -1)) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                attributes.add(new String[] {entry.substring(0, eq), entry.substring(eq + 1)});
            } else if (!attributes.isEmpty()) {
                String[] last = attributes.get(attributes.size() - 1);
                last[1] = last[1] + "," + entry;
            } else {
                throw new InvalidRequestException("-W takes attribute=value, e.g. depend=afterok:42, got '" + text
                        + "'");
            }
        }
        return attributes;
    }

    /** {@code -W block=true|false} as OpenPBS spells it (any case). */
    static boolean block(String value) {
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new InvalidRequestException("-W block takes true or false, got '" + value + "'");
    }

    /**
     * The prefix of directives, {@code -C}: the script is read with it instead of {@code #PBS}, and an
     * empty one means "no directives"; it has to start with {@code #} and hold no blanks.
     */
    static String directivePrefix(String value) {
        if (!value.isEmpty() && (!value.startsWith("#") || value.chars().anyMatch(Character::isWhitespace))) {
            throw new InvalidRequestException("the directive prefix must start with '#' and hold no blanks, e.g. "
                    + "-C '#MYPBS', or be empty to read no directives; got '" + value + "'");
        }
        return value;
    }

    /**
     * {@code -W group_list=g[@host][,g@host...]}: kept as written; {@link JobSpec#group()} picks the
     * group. Each group must be a group name (or a number).
     */
    static String groupList(String value) {
        nonEmpty(value, "-W group_list", "group_list=proj");
        for (String entry : value.split(",", -1)) {
            String g = entry.contains("@") ? entry.substring(0, entry.indexOf('@')) : entry;
            if (!g.matches("[A-Za-z0-9_][A-Za-z0-9._-]{0,31}")) {
                throw new InvalidRequestException("-W group_list=" + value + ": '" + g + "' is not a group name; "
                        + "write group_list=GROUP[@HOST][,GROUP@HOST...], e.g. group_list=proj");
            }
        }
        return value;
    }

    /** {@code -k}: which output files stay on the execution host; n, e, o, eo, oe, and OpenPBS's d. */
    private static String keepFiles(String value) {
        if (value.isEmpty() || !value.chars().allMatch(c -> "eodn".indexOf(c) >= 0)) {
            throw new InvalidRequestException("-k takes n, e, o, eo, oe or d, got '" + value + "'");
        }
        return value;
    }

    /** {@code -F "ARGS"}: checked now (quotes must close), split by the worker's shell rules when the job starts. */
    private static String scriptArguments(String value) {
        ShellWords.split(value);
        return value;
    }

    private static String project(String value) {
        if (!value.matches("\\S{1,255}")) {
            throw new InvalidRequestException("a project is 1 to 255 characters without blanks, e.g. -P climate, got '"
                    + value + "'");
        }
        return value;
    }

    /** {@code -W sandbox=HOME|PRIVATE} (any case, as OpenPBS takes it), kept as written. */
    private static String sandbox(String value) {
        if (!value.equalsIgnoreCase("HOME") && !value.equalsIgnoreCase("PRIVATE")) {
            throw new InvalidRequestException("-W sandbox is HOME or PRIVATE, got '" + value + "': write "
                    + "sandbox=PRIVATE to run the job in a directory of its own on the node, removed when it ends, or "
                    + "sandbox=HOME (the default) to run it where -d says");
        }
        return value;
    }

    private static String nonEmpty(String value, String option, String example) {
        if (value.isBlank()) {
            throw new InvalidRequestException(option + " needs a value, e.g. " + example);
        }
        return value;
    }
}
