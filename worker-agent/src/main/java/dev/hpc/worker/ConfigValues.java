package dev.hpc.worker;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of the size and duration values of the worker's configuration. */
public final class ConfigValues {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|k|kb|m|mb|g|gb|t|tb)?");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

    private ConfigValues() {
    }

    /**
     * A size in bytes: {@code 1073741824}, {@code 512mb}, {@code 4gb}, {@code 2t} (binary multiples,
     * as PBS counts them; case does not matter).
     */
    public static long parseBytes(String what, String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new WorkerConfigException(what + " '" + text + "' must be a size such as 4gb, 512mb or 1073741824 (bytes)");
        }
        String unit = m.group(2) == null ? "b" : m.group(2);
        int shift = switch (unit.charAt(0)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new WorkerConfigException(what + " '" + text + "' is too large");
        }
    }

    /** A duration: {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
    public static Duration parseDuration(String what, String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new WorkerConfigException(what + " '" + text + "' must be a duration such as 5s, 500ms or 2m");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new WorkerConfigException(what + " '" + text + "' is too large");
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /** A size for people: {@code 4gb}, {@code 512mb}, or bytes when it is no whole multiple. */
    public static String formatBytes(long bytes) {
        String[] units = {"tb", "gb", "mb", "kb"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << shifts[i];
            if (bytes >= unit && bytes % unit == 0) {
                return (bytes >> shifts[i]) + units[i];
            }
        }
        return bytes + "b";
    }
}
