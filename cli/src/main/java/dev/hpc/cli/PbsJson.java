package dev.hpc.cli;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonText;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * JSON the way OpenPBS's {@code qstat -F json} and {@code pbsnodes -F json} write it, so that tools
 * written against OpenPBS read ours unchanged.
 *
 * <p>OpenPBS types a value by trying to parse its text as JSON (cJSON, whole text): {@code "8"} becomes
 * the number 8, {@code "4gb"}, {@code "00:01:01"} and {@code "True"} stay strings. {@link #typed}
 * does the same, including cJSON's leniency with numbers ({@code 007} is 7, {@code 1.} is 1).
 * {@link #print} lays the document out as cJSON's {@code cJSON_Print} does (a tab per level, a tab
 * after each colon, arrays on one line), for the scripts that read it line by line.
 */
public final class PbsJson {
    /** What C's {@code strtod} takes as a whole decimal number, starting as cJSON requires. */
    private static final Pattern NUMBER = Pattern.compile("-?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private PbsJson() {
    }

    /** How every OpenPBS {@code -F json} document begins: when it was made, by which version, for which server. */
    public static Map<String, Object> document(String server, Instant now) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("timestamp", now.getEpochSecond());
        doc.put("pbs_version", Version.NUMBER);
        doc.put("pbs_server", server);
        return doc;
    }

    /** The value as OpenPBS puts its text into JSON: a number, boolean, null, or the text itself. */
    public static Object typed(String text) {
        String t = strip(text);
        if (t.isEmpty()) {
            return text;
        }
        char c = t.charAt(0);
        if (c == '-' || (c >= '0' && c <= '9')) {
            if (!NUMBER.matcher(t).matches()) {
                return text;
            }
            double d = Double.parseDouble(t);
            if (d == Math.rint(d) && Math.abs(d) < 1e15 && !(d == 0 && t.startsWith("-"))) {
                return (long) d;
            }
            return d;
        }
        switch (t) {
            case "true":
                return Boolean.TRUE;
            case "false":
                return Boolean.FALSE;
            case "null":
                return null;
            default:
                break;
        }
        if (c == '"' || c == '[' || c == '{') {
            // one JSON value and nothing after it: inside brackets, a second value would lack its comma
            try {
                List<?> one = (List<?>) Json.readAny("[" + t + "]");
                if (one.size() == 1) {
                    return one.get(0);
                }
            } catch (RuntimeException notJson) {
                return text;
            }
        }
        return text;
    }

    /** cJSON skips what it takes for white space, every byte up to the space, on both ends. */
    private static String strip(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && s.charAt(b) <= ' ') {
            b++;
        }
        while (e > b && s.charAt(e - 1) <= ' ') {
            e--;
        }
        return s.substring(b, e);
    }

    /** The document as {@code cJSON_Print} lays it out, followed by a newline as OpenPBS prints it. */
    public static String print(Object value) {
        StringBuilder b = new StringBuilder();
        value(b, value, 1);
        return b.append('\n').toString();
    }

    private static void value(StringBuilder b, Object v, int depth) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Map<?, ?> m) {
            b.append("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append("\t".repeat(depth));
                JsonText.quote(b, String.valueOf(e.getKey()));
                b.append(":\t");
                value(b, e.getValue(), depth + 1);
                if (++i < m.size()) {
                    b.append(',');
                }
                b.append('\n');
            }
            b.append("\t".repeat(depth - 1)).append('}');
        } else if (v instanceof List<?> l) {
            b.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    b.append(", ");
                }
                value(b, l.get(i), depth + 1);
            }
            b.append(']');
        } else if (v instanceof Boolean || v instanceof Long || v instanceof Integer) {
            b.append(v);
        } else if (v instanceof Number n) {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                b.append("null");
            } else {
                String s = String.format(Locale.ROOT, "%1.15g", d);
                if (Double.parseDouble(s) != d) {
                    s = String.format(Locale.ROOT, "%1.17g", d);
                }
                b.append(trimG(s));
            }
        } else {
            JsonText.quote(b, String.valueOf(v));
        }
    }

    /** C's {@code %g} drops trailing zeros, Java's does not. */
    private static String trimG(String s) {
        int exp = s.indexOf('e');
        String mantissa = exp < 0 ? s : s.substring(0, exp);
        String rest = exp < 0 ? "" : s.substring(exp);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return mantissa + rest;
    }
}
