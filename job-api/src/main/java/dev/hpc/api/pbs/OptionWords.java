package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads option words the way {@code getopt_long} does: {@code -l value}, {@code -lvalue}, grouped
 * flags {@code -hV}, {@code --name value} and {@code --name=value}. It knows only which options
 * exist and which take a value; what they mean is up to the dialect.
 *
 * @param shortOptions for each short letter, its canonical name and whether it takes a value
 * @param longOptions  for each long name, whether it takes a value
 * @param program      {@code qsub} or {@code #SBATCH}, for messages
 * @param optionalValue long names without a value that may still be given one with {@code =}, as
 *                      {@code --exclusive} and {@code --exclusive=user}
 */
record OptionWords(Map<Character, Spec> shortOptions, Map<String, Boolean> longOptions, String program,
                   Set<String> optionalValue) {

    OptionWords {
        shortOptions = Map.copyOf(shortOptions);
        longOptions = Map.copyOf(longOptions);
        optionalValue = Set.copyOf(optionalValue);
    }

    OptionWords(Map<Character, Spec> shortOptions, Map<String, Boolean> longOptions, String program) {
        this(shortOptions, longOptions, program, Set.of());
    }

    /**
     * One option as written: {@code name} is canonical, {@code written} is how the user typed it
     * ({@code -t} or {@code --time}), {@code value} is empty for a flag.
     */
    record Option(String name, String written, String value) {
    }

    /** A short option's canonical name and whether it takes a value. */
    record Spec(String name, boolean takesValue) {
    }

    List<Option> read(List<String> words, Origin origin) {
        List<Option> options = new ArrayList<>();
        int i = 0;
        while (i < words.size()) {
            String word = words.get(i++);
            if (word.startsWith("--") && word.length() > 2) {
                i = readLong(word, words, i, origin, options);
            } else if (word.startsWith("-") && word.length() > 1) {
                i = readShort(word, words, i, origin, options);
            } else {
                throw new InvalidRequestException(unexpected(word, origin));
            }
        }
        return options;
    }

    private int readLong(String word, List<String> words, int next, Origin origin, List<Option> options) {
        int eq = word.indexOf('=');
        String name = eq < 0 ? word.substring(2) : word.substring(2, eq);
        String written = "--" + name;
        Boolean takesValue = longOptions.get(name);
        if (takesValue == null) {
            throw origin.error(written, program + " option " + written + " is not supported; supported are "
                    + supported());
        }
        if (!takesValue) {
            if (eq >= 0 && optionalValue.contains(name)) {
                options.add(new Option(name, written, word.substring(eq + 1)));
                return next;
            }
            if (eq >= 0) {
                throw origin.error(written, written + " takes no value");
            }
            options.add(new Option(name, written, ""));
            return next;
        }
        if (eq >= 0) {
            options.add(new Option(name, written, word.substring(eq + 1)));
            return next;
        }
        options.add(new Option(name, written, value(written, words, next, origin)));
        return next + 1;
    }

    private int readShort(String word, List<String> words, int next, Origin origin, List<Option> options) {
        for (int k = 1; k < word.length(); k++) {
            char letter = word.charAt(k);
            String written = "-" + letter;
            Spec spec = shortOptions.get(letter);
            if (spec == null) {
                throw origin.error(written, program + " option " + written + " is not supported; supported are "
                        + supported());
            }
            if (!spec.takesValue()) {
                options.add(new Option(spec.name(), written, ""));
                continue;
            }
            if (k + 1 < word.length()) {
                options.add(new Option(spec.name(), written, word.substring(k + 1)));
                return next;
            }
            options.add(new Option(spec.name(), written, value(written, words, next, origin)));
            return next + 1;
        }
        return next;
    }

    private String value(String written, List<String> words, int next, Origin origin) {
        if (next >= words.size()) {
            throw origin.error(written, written + " needs a value");
        }
        return words.get(next);
    }

    private String unexpected(String word, Origin origin) {
        String problem = "'" + word + "' is not an option; " + program + " options start with '-'"
                + (origin.equals(Origin.COMMAND_LINE) ? " (the script is sent separately)" : "");
        return origin.equals(Origin.COMMAND_LINE) ? "options: " + problem : "line " + origin.line() + ": " + problem;
    }

    private String supported() {
        Set<String> names = new TreeSet<>();
        shortOptions.keySet().forEach(c -> names.add("-" + c));
        longOptions.keySet().forEach(n -> names.add("--" + n));
        return String.join(" ", names);
    }
}
