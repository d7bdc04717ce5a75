package dev.hpc.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The command line of {@code qsub} split the way PBS's getopt reads it: the options, which go to the
 * head as they are (the head parses them, as it parses the script's directives), the script path,
 * and after {@code --} a command to run instead of a script. An attached value ({@code -Nfoo},
 * {@code -lwalltime=1:00:00}) is sent as two words ({@code -N foo}), and a cluster of flags
 * ({@code -hV}) as one word per flag; otherwise options go through unchanged and in order.
 *
 * <p>Only which letters take a value is known here (those of Torque's and OpenPBS's qsub): that is
 * what finding the script among the options needs. A letter neither qsub has is a usage error, as
 * in PBS; one the head does not support is refused by the head, which lists what it supports.
 */
public record QsubArgs(List<String> options, Optional<String> script, List<String> command) {
    /** Options that take a value (Torque and OpenPBS qsub). */
    static final String WITH_VALUE = "aAbcCdDeFjJklKLmMNopPqrRStTuvwW";
    /** Options that are flags. */
    static final String FLAGS = "fGhInVxXz";
    /** The longest job name the head accepts (OpenPBS's limit). */
    static final int MAX_NAME_LENGTH = 236;

    public QsubArgs {
        options = List.copyOf(options);
        command = List.copyOf(command);
    }

    public static QsubArgs split(List<String> raw) {
        List<String> options = new ArrayList<>();
        String script = null;
        List<String> command = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String arg = raw.get(i);
            if (arg.equals("--")) {
                command.addAll(raw.subList(i + 1, raw.size()));
                if (command.isEmpty()) {
                    throw new UsageException("'--' must be followed by the command to run");
                }
                if (script != null) {
                    throw new UsageException("give either a script (" + script + ") or a command after '--', not both");
                }
                break;
            }
            if (arg.length() < 2 || arg.charAt(0) != '-') {
                if (script != null) {
                    throw new UsageException("only one script may be given, got '" + script + "' and '" + arg
                            + "' (to pass arguments, submit a command instead: qsub [options] -- COMMAND ARGS)");
                }
                script = arg;
                continue;
            }
            for (int j = 1; j < arg.length(); j++) {
                char c = arg.charAt(j);
                if (FLAGS.indexOf(c) >= 0) {
                    options.add("-" + c);
                } else if (WITH_VALUE.indexOf(c) >= 0) {
                    String value;
                    if (j + 1 < arg.length()) {
                        value = arg.substring(j + 1);
                    } else if (i + 1 < raw.size()) {
                        value = raw.get(++i);
                    } else {
                        throw new UsageException("option -" + c + " needs a value");
                    }
                    options.add("-" + c);
                    options.add(value);
                    break;
                } else {
                    throw new UsageException("invalid option -- '" + c + "'" + (arg.startsWith("--")
                            ? " (qsub options are single letters, e.g. -N NAME; see qsub --help)" : ""));
                }
            }
        }
        return new QsubArgs(options, Optional.ofNullable(script), command);
    }

    /** Whether the options name the job ({@code -N}). */
    public boolean namesJob() {
        return value('N').isPresent();
    }

    /** The value of the last occurrence of option {@code -letter}. */
    public Optional<String> value(char letter) {
        Optional<String> found = Optional.empty();
        for (int i = 0; i < options.size(); i++) {
            if (takesValue(options.get(i)) && i + 1 < options.size()) {
                if (options.get(i).charAt(1) == letter) {
                    found = Optional.of(options.get(i + 1));
                }
                i++;
            }
        }
        return found;
    }

    private static boolean takesValue(String option) {
        return option.length() == 2 && option.charAt(0) == '-' && WITH_VALUE.indexOf(option.charAt(1)) >= 0;
    }

    public boolean has(char flag) {
        for (int i = 0; i < options.size(); i++) {
            String o = options.get(i);
            if (takesValue(o)) {
                i++;
            } else if (o.equals("-" + flag)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the script names the job itself: a {@code #PBS ... -N} line (or the prefix of
     * {@code -C}; none when {@code -C ""} turns directives off) or a {@code #SBATCH -J}/{@code --job-name}
     * line. A plain text check; the head's parser is the judge of what the directives mean.
     */
    public boolean scriptNamesJob(String scriptText) {
        String prefix = value('C').orElse("#PBS");
        if (!prefix.isEmpty()) {
            Pattern pbs = Pattern.compile("(?m)^[ \\t]*" + Pattern.quote(prefix) + "[ \\t]+(?:.*[ \\t])?-N");
            if (pbs.matcher(scriptText).find()) {
                return true;
            }
        }
        return SBATCH_NAME.matcher(scriptText).find();
    }

    private static final Pattern SBATCH_NAME =
            Pattern.compile("(?m)^[ \\t]*#SBATCH[ \\t]+(?:.*[ \\t])?(?:-J|--job-name)");

    /**
     * The options to send: these, preceded by {@code -N NAME} when neither they nor the script name
     * the job. PBS names a job after its script file ({@code STDIN} when read from standard input);
     * characters other than letters, digits and {@code _.+-} become {@code _}.
     */
    public List<String> optionsWithDefaultName(String scriptText, String defaultName) {
        if (namesJob() || scriptNamesJob(scriptText)) {
            return options;
        }
        List<String> out = new ArrayList<>();
        out.add("-N");
        out.add(jobName(defaultName));
        out.addAll(options);
        return out;
    }

    static String jobName(String fileName) {
        String base = fileName;
        int slash = base.lastIndexOf('/');
        if (slash >= 0) {
            base = base.substring(slash + 1);
        }
        String name = base.replaceAll("[^A-Za-z0-9_.+-]", "_");
        if (name.length() > MAX_NAME_LENGTH) {
            name = name.substring(0, MAX_NAME_LENGTH);
        }
        return name.isEmpty() ? "STDIN" : name;
    }
}
