package dev.hpc.api.pbs;

import java.util.function.IntFunction;

/**
 * The {@code %} patterns of {@code #SBATCH -o} and {@code -e} paths, expanded as sbatch expands them
 * (issue 18). Some are known when the head accepts the job, the others only when a task starts, so
 * expansion comes in two steps, each leaving alone what belongs to the other:
 *
 * <ul>
 *   <li>{@link #atSubmit}: {@code %j} and {@code %A} (the job number), {@code %x} (the job name),
 *       {@code %u} (the owner);</li>
 *   <li>{@link #atStart}: {@code %a} (the array index, 0 outside an array), {@code %N} (the short
 *       name of the first node), and {@code %%} (a {@code %}).</li>
 * </ul>
 *
 * <p>A number between {@code %} and the letter pads with zeros ({@code %4a} is {@code 0007}). A
 * letter sbatch has for job steps ({@code %s}, {@code %t}, {@code %n}) or does not know is left as
 * written. A path with a backslash is not expanded at all, as sbatch does, and loses its backslashes.
 */
public final class SlurmPatterns {

    private static final String AT_SUBMIT = "jAxu";
    private static final String AT_START = "aN%";

    private SlurmPatterns() {
    }

    /** Whether sbatch would expand anything in this path as written. */
    public static boolean expands(String written) {
        return written.indexOf('%') >= 0 && written.indexOf('\\') < 0;
    }

    /** Whether each array task gets a path of its own from {@code %a}. */
    public static boolean namesArrayIndex(String written) {
        return expands(written) && !expand(written, AT_START, letter -> letter == 'a' ? "x" : null)
                .equals(expand(written, AT_START, letter -> letter == 'a' ? "y" : null));
    }

    /** The first step: what the head knows when it accepts the job. */
    public static String atSubmit(String path, long jobNumber, String name, String owner) {
        if (path.indexOf('\\') >= 0) {
            return path.replace("\\", "");
        }
        return expand(path, AT_SUBMIT, letter -> switch (letter) {
            case 'j', 'A' -> Long.toString(jobNumber);
            case 'x' -> name;
            default -> owner;
        });
    }

    /** The second step, on a path {@link #atSubmit} has expanded: what only a started task knows. */
    public static String atStart(String path, int arrayIndex, String firstNode) {
        String shortNode = firstNode.contains(".") ? firstNode.substring(0, firstNode.indexOf('.')) : firstNode;
        return expand(path, AT_START, letter -> switch (letter) {
            case 'a' -> Integer.toString(Math.max(arrayIndex, 0));
            case 'N' -> shortNode;
            default -> "%";
        });
    }

    /**
     * Replaces each {@code %[digits]letter} whose letter is in {@code letters}; a {@code %%} that is
     * not to be replaced here is kept whole, so that the other step still sees it.
     */
    private static String expand(String path, String letters, IntFunction<String> value) {
        StringBuilder out = new StringBuilder(path.length());
        int i = 0;
        while (i < path.length()) {
            char c = path.charAt(i);
            if (c != '%') {
                out.append(c);
                i++;
                continue;
            }
            int j = i + 1;
            while (j < path.length() && Character.isDigit(path.charAt(j)) && j - i <= 2) { // two digits of padding at most: more would only make huge paths
                j++;
            }
            if (j >= path.length()) {
                out.append(path, i, path.length());
                break;
            }
            char letter = path.charAt(j);
            if (letter == '%' && j == i + 1 && letters.indexOf('%') < 0) {
                out.append("%%");
            } else if (letters.indexOf(letter) >= 0) {
                String v = value.apply(letter);
                if (v == null) {
                    out.append(path, i, j + 1);
                } else {
                    int width = j > i + 1 ? Integer.parseInt(path.substring(i + 1, j)) : 0;
                    out.append("0".repeat(Math.max(0, width - v.length()))).append(v);
                }
            } else {
                out.append(path, i, j + 1);
            }
            i = j + 1;
        }
        return out.toString();
    }
}
