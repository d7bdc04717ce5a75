package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory sizes as PBS and Slurm write them, in bytes.
 *
 * <p>PBS: a whole number with an optional unit {@code b}, {@code kb}, {@code mb}, {@code gb},
 * {@code tb}, {@code pb}, or the same in 8-byte words ({@code w}, {@code kw}, ...), any case; the
 * multiples are binary ({@code 1kb = 1024b}) and no unit means bytes. A bare multiplier
 * ({@code 500m}, {@code 4g}) means bytes of it, as Torque reads it (issue 18). Slurm: a whole number
 * with an optional unit {@code K}, {@code M}, {@code G} or {@code T}, any case, with or without a
 * trailing {@code B} ({@code 4096MB}, {@code 16GB}); no unit means megabytes.
 */
public final class Sizes {

    private static final Pattern PBS = Pattern.compile("(\\d+)([A-Za-z]*)");
    private static final Pattern SLURM = Pattern.compile("(\\d+)(?:([KMGTkmgt])[Bb]?)?");
    private static final long KB = 1L << 10;
    private static final long MB = 1L << 20;
    private static final long GB = 1L << 30;
    private static final long TB = 1L << 40;
    private static final long PB = 1L << 50;
    private static final Map<String, Long> PBS_UNITS = Map.ofEntries(
            Map.entry("", 1L), Map.entry("b", 1L), Map.entry("kb", KB), Map.entry("mb", MB), Map.entry("gb", GB),
            Map.entry("tb", TB), Map.entry("pb", PB), Map.entry("w", 8L), Map.entry("kw", 8 * KB),
            Map.entry("mw", 8 * MB), Map.entry("gw", 8 * GB), Map.entry("tw", 8 * TB), Map.entry("pw", 8 * PB),
            Map.entry("k", KB), Map.entry("m", MB), Map.entry("g", GB), Map.entry("t", TB), Map.entry("p", PB));
    private static final Map<String, Long> SLURM_UNITS = Map.of("", MB, "k", KB, "m", MB, "g", GB, "t", TB);

    private Sizes() {
    }

    /** Parses a PBS size such as {@code 4gb}, {@code 512mb}, {@code 1024} (bytes) or {@code 2w} (16 bytes). */
    /** Whether the text has the form of a PBS size (it may still be too large to parse). */
    static boolean isPbsSize(String text) {
        Matcher m = PBS.matcher(text);
        return m.matches() && PBS_UNITS.containsKey(m.group(2).toLowerCase(Locale.ROOT));
    }

    public static long parsePbs(String text) {
        Matcher m = PBS.matcher(text);
        String unit = m.matches() ? m.group(2).toLowerCase(Locale.ROOT) : "";
        Long multiple = PBS_UNITS.get(unit);
        if (!m.matches() || multiple == null) {
            throw new InvalidRequestException("size must be a whole number with an optional unit b, kb, mb, gb, tb "
                    + "(or k, m, g, t) or w (8-byte words), e.g. 4gb, got '" + text + "'");
        }
        return times(m.group(1), multiple, text);
    }

    /** Parses a Slurm size such as {@code 4G}, {@code 16GB}, {@code 500} (megabytes) or {@code 100k}. */
    public static long parseSlurm(String text) {
        Matcher m = SLURM.matcher(text);
        if (!m.matches()) {
            throw new InvalidRequestException("size must be a whole number with an optional unit K, M, G or T "
                    + "(megabytes if none), e.g. 4G or 4GB, got '" + text + "'");
        }
        String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
        return times(m.group(1), SLURM_UNITS.get(unit), text);
    }

    /** The shortest exact PBS form: {@code 4gb}, {@code 1536mb}, {@code 100b}. */
    public static String format(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("a size is never negative, got " + bytes);
        }
        long[] multiples = {PB, TB, GB, MB, KB};
        String[] units = {"pb", "tb", "gb", "mb", "kb"};
        for (int i = 0; i < multiples.length; i++) {
            if (bytes != 0 && bytes % multiples[i] == 0) {
                return bytes / multiples[i] + units[i];
            }
        }
        return bytes + "b";
    }

    private static long times(String digits, long multiple, String text) {
        try {
            return Math.multiplyExact(Long.parseLong(digits), multiple);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new InvalidRequestException("size '" + text + "' is too large");
        }
    }
}
