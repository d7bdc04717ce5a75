package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.ArraySpec;
import dev.hpc.api.job.IndexSet;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Array index expressions: the list form of Torque {@code -t} and Slurm {@code --array}
 * ({@code 1-100%5}, {@code 1,3,5-7}, {@code 0-15:4}), and the single range of OpenPBS {@code -J}
 * ({@code 1-100:2%10}). {@code %N} runs at most N tasks at once. Indices are sorted and distinct; a
 * job has at most {@link #MAX_INDICES} of them.
 */
public final class ArrayRanges {

    static final int MAX_INDICES = 1_000_000;

    private static final Pattern ENTRY = Pattern.compile("(\\d{1,9})(?:-(\\d{1,9})(?::(\\d{1,9}))?)?");
    private static final Pattern SINGLE_RANGE = Pattern.compile("\\d{1,9}-\\d{1,9}(:\\d{1,9})?");

    private ArrayRanges() {
    }

    /** Torque {@code -t} and Slurm {@code --array}: comma-separated {@code N}, {@code N-M} or {@code N-M:S}. */
    public static ArraySpec parseList(String text) {
        String ranges = rangesPart(text);
        if (ranges.isEmpty()) {
            throw new InvalidRequestException("array range is empty; write indices like 1-100, 1,3,5-7 or 1-100%5");
        }
        String[] entries = ranges.split(",", -1);
        int[][] bounds = new int[entries.length][];
        long count = 0;
        for (int i = 0; i < entries.length; i++) {
            bounds[i] = entry(entries[i], text);
            count += (bounds[i][1] - (long) bounds[i][0]) / bounds[i][2] + 1;
        }
        if (count > MAX_INDICES) {
            throw new InvalidRequestException("array '" + text + "' has " + count + " indices; the limit is "
                    + MAX_INDICES);
        }
        IndexSet indices = IndexSet.ofRuns(Arrays.asList(bounds));
        return new ArraySpec(text, indices, throttle(text));
    }

    /** OpenPBS {@code -J}: exactly one range {@code X-Y[:Z]} with an optional {@code %N}. */
    static ArraySpec parseRange(String text) {
        if (!SINGLE_RANGE.matcher(rangesPart(text)).matches()) {
            throw new InvalidRequestException("-J takes one range X-Y[:Z][%N], e.g. 1-100:2%10, got '" + text + "'");
        }
        return parseList(text);
    }

    private static String rangesPart(String text) {
        int percent = text.indexOf('%');
        return percent < 0 ? text : text.substring(0, percent);
    }

    private static int throttle(String text) {
        int percent = text.indexOf('%');
        if (percent < 0) {
            return 0;
        }
        String limit = text.substring(percent + 1);
        if (!limit.matches("\\d{1,9}")) {
            throw new InvalidRequestException("array throttle after % must be a whole number of 0 or more "
                    + "(0 for no limit), got '" + limit + "'");
        }
        return Integer.parseInt(limit);
    }

    /** {@code {first, last, step}} of one entry. */
    private static int[] entry(String entry, String text) {
        if (entry.isEmpty()) {
            throw new InvalidRequestException("array '" + text + "' has an empty entry; write indices like 1,3,5-7");
        }
        Matcher m = ENTRY.matcher(entry);
        if (!m.matches()) {
            throw new InvalidRequestException("array entry '" + entry + "' must be N, N-M or N-M:STEP with whole "
                    + "numbers, e.g. 1-100 or 0-30:10");
        }
        int first = Integer.parseInt(m.group(1));
        int last = m.group(2) == null ? first : Integer.parseInt(m.group(2));
        int step = m.group(3) == null ? 1 : Integer.parseInt(m.group(3));
        if (last < first) {
            throw new InvalidRequestException("array range " + entry + " runs backwards; write " + last + "-" + first);
        }
        if (step == 0) {
            throw new InvalidRequestException("array step in " + entry + " must be at least 1");
        }
        return new int[] {first, last, step};
    }
}
