package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * How and where a job's processes create files: Torque's and OpenPBS's {@code -W umask=NNN} (the umask of
 * every process of the job, its output and error files included), Slurm's {@code --open-mode=append|truncate}
 * (whether the output and error files are appended to or emptied when an attempt starts) and OpenPBS's
 * {@code -W sandbox=PRIVATE} (the job starts in a directory of its own on the node, removed when it ends).
 * Empty umask: the worker's own; truncate and {@code sandbox=HOME} are the defaults, as in PBS and Slurm.
 */
public record FileModes(OptionalInt umask, boolean appendOutput, boolean privateSandbox) {
    public static final FileModes NONE = new FileModes(OptionalInt.empty(), false, false);
    /** qsub {@code -W sandbox=}, as written and shown by qstat -f. */
    public static final String SANDBOX = "sandbox";
    /** qsub {@code -W umask=}, as written (its leading 0 kept) and shown by qstat -f. */
    public static final String UMASK = "umask";
    /** sbatch {@code --open-mode=}, as written and shown by qstat -f. */
    public static final String OPEN_MODE = "sbatch.open-mode";
    public static final int MAX_UMASK = 0777;

    public FileModes {
        if (umask.isPresent() && (umask.getAsInt() < 0 || umask.getAsInt() > MAX_UMASK)) {
            throw new IllegalArgumentException("a umask is 0 to 0777, got " + Integer.toOctalString(umask.getAsInt()));
        }
    }

    public boolean any() {
        return umask.isPresent() || appendOutput || privateSandbox;
    }

    /** The umask as four octal digits ({@code 0022}), as {@code umask} takes and prints it; empty when none. */
    public String umaskText() {
        return umask.isPresent() ? String.format(Locale.ROOT, "%04o", umask.getAsInt()) : "";
    }

    /**
     * The modes of the directives a submission recorded ({@link JobSpec#recorded()}). A umask stored before
     * submissions were checked against 0777 keeps its permission bits, the only ones a umask has.
     */
    public static FileModes of(Map<String, String> recorded) {
        String written = recorded.getOrDefault(UMASK, "");
        OptionalInt umask = written.matches("[0-7]{1,4}")
                ? OptionalInt.of(Integer.parseInt(written, 8) & MAX_UMASK) : OptionalInt.empty();
        return new FileModes(umask, "append".equalsIgnoreCase(recorded.getOrDefault(OPEN_MODE, "")),
                "PRIVATE".equalsIgnoreCase(recorded.getOrDefault(SANDBOX, "")));
    }

    /**
     * {@code -W umask=NNN}: octal digits from 0 to 0777, as written. Throws {@link InvalidRequestException} saying
     * what to write otherwise.
     */
    public static String checkUmask(String value) {
        if (!value.matches("[0-7]{1,4}") || Integer.parseInt(value, 8) > MAX_UMASK) {
            throw new InvalidRequestException("umask must be octal from 0 to 0777, such as umask=022 or umask=0077, "
                    + "got '" + value + "'");
        }
        return value;
    }

    /** The umask read from its octal text, for a worker that got it over the wire. */
    public static OptionalInt parseUmask(String text) {
        return text.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(checkUmask(text), 8));
    }
}
