package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobSpec;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The limits every submission is held to, however it came (qsub, the REST API, qalter): checked on the
 * finished {@link JobSpec}, so that no path of the parser can let through what the workers must not get
 * (docs/security.md, "Input limits"). Each refusal is an {@link InvalidRequestException} that names the
 * field and the limit.
 */
public final class SubmitLimits {
    /** At most this many variables in a job's environment (-v, -V, the REST map, PBS_O_*). */
    public static final int MAX_VARIABLES = 4096;
    /** The longest value of one variable. */
    public static final int MAX_VARIABLE_CHARS = 128 * 1024;
    /** The longest variable name. */
    public static final int MAX_VARIABLE_NAME = 255;
    /** All names and values together, about what Linux lets a process start with after the script. */
    public static final int MAX_ENVIRONMENT_CHARS = 1 << 20;
    /** The longest path (submit, work, output directories and files): Linux's PATH_MAX. */
    public static final int MAX_PATH_CHARS = 4096;
    /** The longest other text field (host, user, account, mail addresses). */
    public static final int MAX_FIELD_CHARS = 1024;
    /** The longest queue name, whoever names it (qsub -q, qmgr): the store keeps up to 256. */
    public static final int MAX_QUEUE_NAME_CHARS = 64;

    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /**
     * A user name as accounts have them (POSIX's portable set, with LDAP's upper case): the same rule for the
     * owner of a job, whoever names it (a user's token, or an admin acting for someone), and for tokens.
     */
    public static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");

    /** Refuses a name that no account can have, saying what a name may hold. */
    public static String userName(String what, String name) {
        if (!USER_NAME.matcher(name).matches()) {
            throw new InvalidRequestException(what + " '" + printable(name.length() > 80 ? name.substring(0, 80) + "..."
                    : name) + "' is not a valid user name: letters, digits, '_', '.' and '-', at most 64 characters, "
                    + "not starting with '.' or '-'");
        }
        return name;
    }

    private SubmitLimits() {
    }

    /** Refuses a spec that breaks any limit; returns it otherwise. */
    public static JobSpec check(JobSpec spec) {
        text("the job name", spec.name(), MAX_FIELD_CHARS);
        userName("the owner", spec.owner());
        text("the submit host", spec.submitHost(), MAX_FIELD_CHARS);
        text("the queue", spec.queue(), MAX_FIELD_CHARS);
        text("the account (-A)", spec.account(), MAX_FIELD_CHARS);
        text("the mail points (-m)", spec.mailPoints(), MAX_FIELD_CHARS);
        for (String u : spec.mailUsers()) {
            text("a mail address (-M)", u, MAX_FIELD_CHARS);
        }
        path("the submit directory", spec.submitDir());
        path("the work directory (-d)", spec.workDir());
        path("the output path (-o)", spec.stdoutPath());
        path("the error path (-e)", spec.stderrPath());
        script(spec.script());
        environment(spec.environment());
        return spec;
    }

    /** A script: text without NUL and without half a UTF-16 pair (what invalid UTF-8 decodes to). */
    static void script(String script) {
        int bad = unpairedSurrogate(script);
        if (bad >= 0) {
            throw new InvalidRequestException("the script is not valid UTF-8 text (at character " + bad
                    + "); save it as UTF-8");
        }
    }

    /** The environment: names as the shell takes them, values without NUL, within the counts above. */
    public static void environment(Map<String, String> env) {
        if (env.size() > MAX_VARIABLES) {
            throw new InvalidRequestException("the job's environment has " + env.size() + " variables; the limit is "
                    + MAX_VARIABLES);
        }
        long total = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            if (name.length() > MAX_VARIABLE_NAME || !VARIABLE.matcher(name).matches()) {
                throw new InvalidRequestException("environment variable name '" + printable(name)
                        + "' must be letters, digits and '_', not starting with a digit, at most "
                        + MAX_VARIABLE_NAME + " characters");
            }
            String value = e.getValue();
            if (value.indexOf('\0') >= 0 || unpairedSurrogate(value) >= 0) {
                throw new InvalidRequestException("environment variable " + name
                        + " holds a NUL or invalid UTF-8; a variable's value must be text");
            }
            if (value.length() > MAX_VARIABLE_CHARS) {
                throw new InvalidRequestException("environment variable " + name + " is " + value.length()
                        + " characters long; the limit is " + MAX_VARIABLE_CHARS);
            }
            total += name.length() + value.length() + 2;
        }
        if (total > MAX_ENVIRONMENT_CHARS) {
            throw new InvalidRequestException("the job's environment is " + total + " characters in all; the limit is "
                    + MAX_ENVIRONMENT_CHARS + " (1 MiB): pass large data in files");
        }
    }

    /** A path: no control characters (a newline would forge lines in logs and node files), at most PATH_MAX. */
    public static void path(String what, String path) {
        if (path.length() > MAX_PATH_CHARS) {
            throw new InvalidRequestException(what + " is " + path.length() + " characters long; the limit is "
                    + MAX_PATH_CHARS);
        }
        control(what, path);
    }

    /** A one-line field: no control characters, at most {@code max} characters. */
    public static void text(String what, String value, int max) {
        if (value.length() > max) {
            throw new InvalidRequestException(what + " is " + value.length() + " characters long; the limit is " + max);
        }
        control(what, value);
    }

    private static void control(String what, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && unpairedSurrogate(value) >= 0) {
                throw new InvalidRequestException(what + " '" + printable(value) + "' holds a control character "
                        + String.format("(U+%04X)", (int) c) + " or invalid UTF-8; remove it");
            }
        }
    }

    /** The index of the first half of a UTF-16 pair without its other half, or -1. */
    static int unpairedSurrogate(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            } else if (Character.isLowSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /** A value fit for an error message: control characters escaped, cut at 80 characters. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return s.length() > 80 ? b + "..." : b.toString();
    }
}
