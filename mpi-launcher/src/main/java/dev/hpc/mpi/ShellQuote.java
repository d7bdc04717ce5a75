package dev.hpc.mpi;

import java.util.List;

/**
 * Words for {@code sh -c}. A spawned command is its words joined by blanks and run by the remote
 * shell, as ssh runs a remote command: the MPI launchers rely on that (their daemon commands carry
 * quotes meant for that shell), so {@code hpc-rsh} passes its words on untouched. {@code hpc dsh}
 * runs a program with exactly the arguments it was given, so it quotes each word first.
 */
public final class ShellQuote {
    private ShellQuote() {
    }

    /** One word that {@code sh} reads back as exactly {@code word}. */
    public static String quote(String word) {
        if (!word.isEmpty() && isPlain(word)) {
            return word;
        }
        StringBuilder b = new StringBuilder(word.length() + 2).append('\'');
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (c == '\'') {
                b.append("'\\''");
            } else {
                b.append(c);
            }
        }
        return b.append('\'').toString();
    }

    /** The words quoted and joined by blanks: a command line for {@code sh -c} that runs exactly them. */
    public static String join(List<String> words) {
        StringBuilder b = new StringBuilder();
        for (String w : words) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(quote(w));
        }
        return b.toString();
    }

    /** What ssh does with a remote command's words: joins them by blanks, to be read by the remote shell. */
    public static String asSsh(List<String> words) {
        return String.join(" ", words);
    }

    private static boolean isPlain(String word) {
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '/' || c == '.' || c == '_' || c == '-' || c == '+' || c == ',' || c == ':' || c == '@'
                    || c == '%';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
