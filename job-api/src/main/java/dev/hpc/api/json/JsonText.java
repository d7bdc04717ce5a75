package dev.hpc.api.json;

import java.util.Locale;

/**
 * JSON string literals written by hand, for the writers that lay out their own documents: {@code hpc-rsh}, which
 * starts once per node of an MPI launch and so does without the JSON library, and the OpenPBS-shaped output of
 * {@code -F json}. The escapes are cJSON's, the library OpenPBS prints with.
 */
public final class JsonText {
    private JsonText() {
    }

    /** Appends {@code s} as a JSON string, quotes included. */
    public static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < ' ') {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
