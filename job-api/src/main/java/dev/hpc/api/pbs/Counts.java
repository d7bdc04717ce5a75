package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;

/** Whole numbers in options ({@code nodes=2}, {@code -c 4}), each with its name and allowed range. */
final class Counts {

    private Counts() {
    }

    static int parse(String text, String what, int min, int max) {
        if (!text.matches("\\d{1,10}") || Long.parseLong(text) < min || Long.parseLong(text) > max) {
            throw new InvalidRequestException(what + " must be a whole number from " + min + " to " + max
                    + ", got '" + text + "'");
        }
        return Integer.parseInt(text);
    }
}
