package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * A job script as text: whether it is acceptable at all, and the {@code #PBS} and {@code #SBATCH}
 * directives at its top.
 *
 * <p>Directives are read as PBS reads them: from the top, past the {@code #!} line, blank lines and
 * other comments; the first line that is none of these (a command) ends them, and directives below
 * it are plain comments. A directive is {@code #PBS} or {@code #SBATCH}, possibly indented, followed
 * by a blank and options split into words like a shell would. qsub's {@code -C} puts another prefix in
 * the place of {@code #PBS}; an empty one reads no PBS directives at all.
 */
final class JobScripts {

    /** The two kinds of directive, by their prefix. */
    enum Dialect {
        PBS("#PBS"),
        SLURM("#SBATCH");

        private final String prefix;

        Dialect(String prefix) {
            this.prefix = prefix;
        }
    }

    /** The words of one directive and the line (from 1) it is on. */
    record Directive(int line, Dialect dialect, List<String> words) {
        Directive {
            words = List.copyOf(words);
        }
    }

    private JobScripts() {
    }

    /** Refuses a script that is empty, binary or larger than {@link SubmitParser#MAX_SCRIPT_BYTES}. */
    static void check(String script) {
        long bytes = utf8Length(script);
        if (bytes > SubmitParser.MAX_SCRIPT_BYTES) {
            throw new InvalidRequestException("script is " + bytes + " bytes; a script may hold at most 1 MiB ("
                    + SubmitParser.MAX_SCRIPT_BYTES + " bytes); keep data in files the script reads");
        }
        int nul = script.indexOf('\0');
        if (nul >= 0) {
            throw new InvalidRequestException("line " + lineOf(script, nul) + ": script contains a NUL byte; "
                    + "a job script must be text, not a binary file");
        }
        if (script.isBlank()) {
            throw new InvalidRequestException("script is empty; a job script needs at least one command to run");
        }
    }

    static List<Directive> directives(String script) {
        return directives(script, Dialect.PBS.prefix);
    }

    static List<Directive> directives(String script, String pbsPrefix) {
        List<Directive> directives = new ArrayList<>();
        String[] lines = script.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = stripCarriageReturn(lines[i]);
            String text = line.stripLeading();
            if (text.isEmpty() || i == 0 && text.startsWith("#!")) {
                continue;
            }
            if (!text.startsWith("#")) {
                break;
            }
            for (Dialect dialect : Dialect.values()) {
                String prefix = dialect == Dialect.PBS ? pbsPrefix : dialect.prefix;
                if (!prefix.isEmpty() && isDirective(text, prefix)) {
                    int number = i + 1;
                    List<String> words = split(text.substring(prefix.length()), number);
                    if (!words.isEmpty()) {
                        directives.add(new Directive(number, dialect, words));
                    }
                }
            }
        }
        return directives;
    }

    private static boolean isDirective(String text, String prefix) {
        return text.startsWith(prefix) && (text.length() == prefix.length()
                || Character.isWhitespace(text.charAt(prefix.length())));
    }

    private static List<String> split(String options, int line) {
        try {
            return ShellWords.split(options);
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException("line " + line + ": " + e.getMessage());
        }
    }

    private static String stripCarriageReturn(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    private static long utf8Length(String s) {
        if (s.length() > SubmitParser.MAX_SCRIPT_BYTES) {
            return s.length();
        }
        long bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static int lineOf(String script, int index) {
        int line = 1;
        for (int i = 0; i < index; i++) {
            if (script.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}
