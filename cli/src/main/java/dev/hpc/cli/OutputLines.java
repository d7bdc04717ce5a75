package dev.hpc.cli;

/** The first or last lines of a text, as {@code head -n} and {@code tail -n} cut them. Pure. */
final class OutputLines {
    private OutputLines() {
    }

    /** The last {@code n} lines of {@code text}; a final line break does not start another line. */
    static String last(String text, int n) {
        int end = text.endsWith("\n") ? text.length() - 1 : text.length();
        int found = 0;
        for (int i = end - 1; i >= 0; i--) {
            if (text.charAt(i) == '\n' && ++found == n) {
                return text.substring(i + 1);
            }
        }
        return text;
    }

    /** Whether {@code text} holds at least {@code n} whole lines after its first line break (a tail is complete). */
    static boolean hasLastLines(String text, int n) {
        int end = text.endsWith("\n") ? text.length() - 1 : text.length();
        int found = 0;
        for (int i = end - 1; i >= 0; i--) {
            if (text.charAt(i) == '\n' && ++found == n) {
                return true;
            }
        }
        return false;
    }

    /** The first {@code n} lines of {@code text}, each with its line break. */
    static String first(String text, int n) {
        int found = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n' && ++found == n) {
                return text.substring(0, i + 1);
            }
        }
        return text;
    }

    /** How many line breaks {@code text} holds. */
    static int breaks(String text) {
        int found = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                found++;
            }
        }
        return found;
    }
}
