package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Checks and reads the simple option values qsub and sbatch share: names, queues, mail, variables. */
final class OptionValues {

    private static final int QUEUE_NAME_MAX = SubmitLimits.MAX_QUEUE_NAME_CHARS;
    private static final Pattern QUEUE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern HOST_PREFIX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]*:(.*)");

    private OptionValues() {
    }

    /** 1 to 236 characters, no blanks or control characters, no {@code /} or {@code :}. */
    static String jobName(String name) {
        if (name.isEmpty() || name.length() > SubmitParser.MAX_NAME_LENGTH) {
            throw new InvalidRequestException("a job name must be 1 to " + SubmitParser.MAX_NAME_LENGTH
                    + " characters long, got " + name.length());
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || c == '/' || c == ':') {
                throw new InvalidRequestException("a job name must not contain blanks, control characters, '/' or "
                        + "':', got '" + name + "'");
            }
        }
        return name;
    }

    /** {@code queue} or {@code queue@server}; an empty queue part means the default queue. */
    static String queue(String text) {
        int at = text.indexOf('@');
        String queue = at < 0 ? text : text.substring(0, at);
        if (queue.length() > QUEUE_NAME_MAX) {
            throw new InvalidRequestException("a queue name must be at most " + QUEUE_NAME_MAX + " characters long, "
                    + "got " + queue.length());
        }
        if (!queue.isEmpty() && !QUEUE.matcher(queue).matches()) {
            throw new InvalidRequestException("a queue name starts with a letter or digit and holds only letters, "
                    + "digits, '_', '-' and '.', got '" + queue + "'");
        }
        if (queue.isEmpty() && at < 0) {
            throw new InvalidRequestException("queue name is empty");
        }
        return queue;
    }

    /** {@code path} or {@code host:path} for {@code -o}/{@code -e}: the path part. */
    static String pathWithoutHost(String text) {
        Matcher m = HOST_PREFIX.matcher(text);
        String path = m.matches() ? m.group(1) : text;
        if (path.isEmpty()) {
            throw new InvalidRequestException("path is empty; give a file or directory, e.g. logs/run.out");
        }
        return path;
    }

    static int priority(String text) {
        if (!text.matches("[+-]?\\d{1,5}") || Integer.parseInt(text) < JobSpec.MIN_PRIORITY
                || Integer.parseInt(text) > JobSpec.MAX_PRIORITY) {
            throw new InvalidRequestException("priority must be an integer between " + JobSpec.MIN_PRIORITY
                    + " and " + JobSpec.MAX_PRIORITY + ", got '" + text + "'");
        }
        return Integer.parseInt(text);
    }

    static boolean yesNo(String text, String what) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "y" -> true;
            case "n" -> false;
            default -> throw new InvalidRequestException(what + " must be y or n, got '" + text + "'");
        };
    }

    static JoinMode join(String text) {
        return switch (text) {
            case "oe" -> JoinMode.STDOUT_STDERR;
            case "eo" -> JoinMode.STDERR_STDOUT;
            case "n" -> JoinMode.NONE;
            default -> throw new InvalidRequestException("join must be oe (stderr into stdout), eo (stdout into "
                    + "stderr) or n, got '" + text + "'");
        };
    }

    /** {@code n}, or any of {@code a} (abort), {@code b} (begin), {@code e} (end); kept in the order a, b, e. */
    static String mailPoints(String text) {
        if (text.equals("n")) {
            return "n";
        }
        if (text.isEmpty() || !text.matches("[abe]+")) {
            throw new InvalidRequestException("mail points must be n or letters from abe (abort, begin, end), got '"
                    + text + "'");
        }
        StringBuilder points = new StringBuilder();
        for (char c : "abe".toCharArray()) {
            if (text.indexOf(c) >= 0) {
                points.append(c);
            }
        }
        return points.toString();
    }

    static List<String> mailUsers(String text) {
        List<String> users = new ArrayList<>();
        for (String user : text.split(",", -1)) {
            if (user.isEmpty() || !user.matches("[^\\s@]+(@[^\\s@]+)?")) {
                throw new InvalidRequestException("mail users must be a comma-separated list of user or "
                        + "user@host, got '" + text + "'");
            }
            users.add(user);
        }
        return users;
    }

    /**
     * qsub {@code -u user[@host][,user@host...]} (OpenPBS's {@code User_List}): the user the job runs as. The
     * entry without a host wins, as PBS picks the one for its own host and this cluster is one host to its
     * users; else the first.
     */
    static String runAsUser(String text) {
        String chosen = null;
        for (String entry : text.split(",", -1)) {
            int at = entry.indexOf('@');
            String user = at < 0 ? entry : entry.substring(0, at);
            if (!user.matches("[A-Za-z_][A-Za-z0-9_.-]{0,31}") || (at >= 0 && at == entry.length() - 1)) {
                throw new InvalidRequestException("-u names the user the job runs as, user or user@host (several "
                        + "separated by commas), got '" + text + "'");
            }
            if (chosen == null || (at < 0 && chosen.contains("@"))) {
                chosen = entry;
            }
        }
        return chosen.contains("@") ? chosen.substring(0, chosen.indexOf('@')) : chosen;
    }

    static String account(String text) {
        if (!text.matches("\\S{1,255}")) {
            throw new InvalidRequestException("an account is 1 to 255 characters without blanks, got '" + text + "'");
        }
        return text;
    }

    /** {@code -S path[@host][,path@host...]}: each path must be absolute. */
    static void shells(String text) {
        for (String entry : text.split(",", -1)) {
            String path = entry.contains("@") ? entry.substring(0, entry.indexOf('@')) : entry;
            if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c == 127)) {
                throw new InvalidRequestException("a shell must be an absolute path without spaces such as /bin/bash, "
                        + "got '" + entry + "'");
            }
        }
    }

    /**
     * {@code -v VAR=value,VAR2}: a value may be quoted to hold commas; a name without a value takes
     * the value it has in the submitter's environment.
     */
    /** A variable a submission names for its job: a shell variable's name, and none of the cluster's credentials. */
    static void variableName(String name) {
        if (!VARIABLE.matcher(name).matches()) {
            throw new InvalidRequestException("'" + name + "' is not a variable name: names are letters, digits "
                    + "and _, not starting with a digit");
        }
        SubmitEnvironment.requireNotCredential(name);
    }

    static Map<String, String> variables(String text, Function<String, Optional<String>> environment) {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String entry : splitOutsideQuotes(text)) {
            int eq = entry.indexOf('=');
            String name = eq < 0 ? entry : entry.substring(0, eq);
            variableName(name);
            if (eq >= 0) {
                vars.put(name, unquote(entry.substring(eq + 1)));
            } else {
                vars.put(name, environment.apply(name).orElseThrow(() -> new InvalidRequestException(name
                        + " has no value here and is not set in your environment; write " + name + "=value")));
            }
        }
        return vars;
    }

    /**
     * The names a {@code -v} list gives without a value: those whose value comes from the submitter's
     * environment. Split and checked as {@link #variables} does.
     */
    static List<String> namesWithoutValue(String text) {
        List<String> names = new ArrayList<>();
        for (String entry : splitOutsideQuotes(text)) {
            if (entry.indexOf('=') < 0) {
                if (!VARIABLE.matcher(entry).matches()) {
                    throw new InvalidRequestException("'" + entry + "' is not a variable name: names are letters, "
                            + "digits and _, not starting with a digit");
                }
                names.add(entry);
            }
        }
        return names;
    }

    static List<String> splitOutsideQuotes(String text) {
        List<String> entries = new ArrayList<>();
        StringBuilder entry = new StringBuilder();
        char quote = 0;
        for (char c : text.toCharArray()) {
            if (quote != 0) {
                quote = c == quote ? 0 : quote;
                entry.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                entry.append(c);
            } else if (c == ',') {
                entries.add(entry.toString());
                entry.setLength(0);
            } else {
                entry.append(c);
            }
        }
        if (quote != 0) {
            throw new InvalidRequestException("unterminated " + quote + " in variable list '" + text + "'");
        }
        entries.add(entry.toString());
        return entries;
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && (value.charAt(0) == '\'' || value.charAt(0) == '"')
                && value.charAt(value.length() - 1) == value.charAt(0)) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }
}
