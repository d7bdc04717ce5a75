package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The identity of a job, printed the PBS way: {@code 42.cluster} for a plain job,
 * {@code 42[].cluster} for an array job. Numbers increase and are never reused.
 */
public record JobId(long number, String cluster, boolean array) implements Comparable<JobId> {

    private static final Pattern FORM = Pattern.compile("(\\d+)(\\[(\\d*)\\])?(?:\\.([A-Za-z0-9][A-Za-z0-9.-]*))?");
    /** Array indices are ints; the digits are checked before they are parsed, so no number overflows. */
    private static final int MAX_INDEX_DIGITS = 9;
    /** Job numbers are longs; 18 digits always fit. */
    private static final int MAX_NUMBER_DIGITS = 18;

    public JobId {
        if (number <= 0) {
            throw new InvalidRequestException("a job number must be positive, got " + number);
        }
        if (cluster.isEmpty()) {
            throw new InvalidRequestException("a job id needs a cluster name");
        }
    }

    @Override
    public String toString() {
        return number + (array ? "[]" : "") + "." + cluster;
    }

    /** The id of one index of this array job, for example {@code 42[7].cluster}. */
    public String taskName(int index) {
        return index < 0 ? toString() : number + "[" + index + "]." + cluster;
    }

    @Override
    public int compareTo(JobId other) {
        return Long.compare(number, other.number);
    }

    /**
     * Parses what a user types: {@code 42}, {@code 42.cluster}, {@code 42[]}, {@code 42[7].cluster}.
     * A bare number is accepted, as Torque and OpenPBS accept it.
     */
    public static JobRef parse(String text) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new InvalidRequestException("'" + text + "' is not a job id; expected a form like 42, 42.cluster, "
                    + "42[] or 42[7]");
        }
        String digits = m.group(1);
        if (digits.replaceFirst("^0+", "").length() > MAX_NUMBER_DIGITS) {
            throw new InvalidRequestException("'" + text + "' is not a job id: job number " + digits + " has more than "
                    + MAX_NUMBER_DIGITS + " digits");
        }
        long number = Long.parseLong(digits);
        if (number <= 0) {
            throw new InvalidRequestException("'" + text + "' is not a job id: job numbers start at 1");
        }
        boolean bracket = m.group(2) != null;
        String indexDigits = bracket ? m.group(3) : "";
        if (indexDigits.replaceFirst("^0+", "").length() > MAX_INDEX_DIGITS) {
            throw new InvalidRequestException("'" + text + "' is not a job id: array index " + indexDigits
                    + " has more than " + MAX_INDEX_DIGITS + " digits");
        }
        Optional<Integer> index = indexDigits.isEmpty() ? Optional.empty() : Optional.of(Integer.parseInt(indexDigits));
        return new JobRef(number, Optional.ofNullable(m.group(4)), bracket, index);
    }

    /** A job id as a user wrote it, possibly without cluster name, possibly naming one array index. */
    public record JobRef(long number, Optional<String> cluster, boolean bracketed, Optional<Integer> arrayIndex) {
        /**
         * Whether the cluster this reference names, if any, is {@code name}: the same name, or one of them the
         * other's short form, as {@code 42.tk} and {@code 42.tk.example.org} (PBS ids carry the server's host
         * name, which a user may give in full or short).
         */
        public boolean inCluster(String name) {
            return cluster.map(c -> c.equals(name) || name.startsWith(c + ".") || c.startsWith(name + "."))
                    .orElse(true);
        }

        @Override
        public String toString() {
            return number + (bracketed ? "[" + arrayIndex.map(String::valueOf).orElse("") + "]" : "")
                    + cluster.map(c -> "." + c).orElse("");
        }
    }
}
