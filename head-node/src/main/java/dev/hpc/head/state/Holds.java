package dev.hpc.head.state;

import dev.hpc.api.InvalidRequestException;

/**
 * PBS hold types as a small string in the order {@code uos}: {@code u} user hold, {@code o} operator
 * hold; {@code s} (system) is shown for a task waiting for a dependency and never set by a request.
 */
public final class Holds {
    private static final String ORDER = "uo";

    private Holds() {
    }

    /** Checks hold types given by a request ({@code qhold -h}): letters of {@code uo}; empty means {@code u}. */
    public static String parse(String types) {
        String t = types.isBlank() ? "u" : types.strip();
        for (char ch : t.toCharArray()) {
            if (ORDER.indexOf(ch) < 0) {
                throw new InvalidRequestException("hold types '" + types + "': use u (user), o (operator) or both "
                        + "(uo); system holds (s) are set by the scheduler only");
            }
        }
        return t;
    }

    static String add(String holds, String types) {
        StringBuilder b = new StringBuilder();
        for (char ch : ORDER.toCharArray()) {
            if (holds.indexOf(ch) >= 0 || types.indexOf(ch) >= 0) {
                b.append(ch);
            }
        }
        return b.toString();
    }

    static String remove(String holds, String types) {
        StringBuilder b = new StringBuilder();
        for (char ch : ORDER.toCharArray()) {
            if (holds.indexOf(ch) >= 0 && types.indexOf(ch) < 0) {
                b.append(ch);
            }
        }
        return b.toString();
    }

    static boolean overlaps(String holds, String types) {
        for (char ch : types.toCharArray()) {
            if (holds.indexOf(ch) >= 0) {
                return true;
            }
        }
        return false;
    }

    static String describe(String types) {
        return types.equals("o") ? "operator" : types.equals("u") ? "user" : "user or operator";
    }

    /** The comment of a held task: who holds it and with which holds. */
    static String comment(String holds, String by) {
        return switch (holds) {
            case "u" -> "held by " + by;
            case "o" -> "held by an operator (" + by + ")";
            default -> "held by its user and by an operator (last: " + by + ")";
        };
    }
}
