package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Run-time limits as PBS and Slurm write them.
 *
 * <p>PBS {@code walltime}: {@code SS}, {@code MM:SS}, {@code HH:MM:SS} or {@code D:HH:MM:SS}. Slurm
 * {@code --time}: {@code minutes}, {@code minutes:seconds}, {@code hours:minutes:seconds},
 * {@code days-hours}, {@code days-hours:minutes} or {@code days-hours:minutes:seconds}. Any field may
 * be as large as it likes and carries over as Torque and PBS normalise it: {@code 10:00:60} is
 * {@code 10:01:00}, {@code 90:00} ninety minutes, {@code 1:30:00:00} (days then 30 hours) 54 hours;
 * Slurm's {@code 0-36} is 36 hours. A limit is longer than zero and at most {@link #MAX}.
 */
public final class Walltimes {

    /** The longest run-time limit a job may ask for. */
    public static final Duration MAX = Duration.ofDays(365);

    private static final String PBS_FORMS = "walltime must be [[HH:]MM:]SS, e.g. 01:30:00 (or D:HH:MM:SS with days)";
    private static final String SLURM_FORMS = "time must be minutes, minutes:seconds, hours:minutes:seconds, "
            + "days-hours, days-hours:minutes or days-hours:minutes:seconds, e.g. 90 or 1-12:00:00";
    private static final Pattern PBS = Pattern.compile("\\d{1,9}(:\\d{1,9}){0,3}");
    private static final Pattern SLURM = Pattern.compile("(?:(\\d{1,9})-)?(\\d{1,9}(?::\\d{1,9}){0,2})");

    private Walltimes() {
    }

    /** Parses a PBS {@code walltime} value. */
    public static Duration parsePbs(String text) {
        if (!PBS.matcher(text).matches()) {
            throw new InvalidRequestException(PBS_FORMS);
        }
        long[] f = fields(text);
        long seconds = switch (f.length) {
            case 1 -> f[0];
            case 2 -> f[1] + 60 * f[0];
            case 3 -> f[2] + 60 * f[1] + 3600 * f[0];
            default -> f[3] + 60 * f[2] + 3600 * f[1] + 86400 * f[0];
        };
        return bounded(seconds, text);
    }

    /** Parses a Slurm {@code --time} value. */
    public static Duration parseSlurm(String text) {
        if (text.equalsIgnoreCase("unlimited") || text.equalsIgnoreCase("infinite")) {
            throw new InvalidRequestException("an unlimited time is not supported; give a limit such as 1-00:00:00, "
                    + "or leave the option out to get the queue's default");
        }
        Matcher m = SLURM.matcher(text);
        if (!m.matches()) {
            throw new InvalidRequestException(SLURM_FORMS);
        }
        long[] f = fields(m.group(2));
        long seconds;
        if (m.group(1) != null) {
            long days = Long.parseLong(m.group(1));
            seconds = switch (f.length) {
                case 1 -> 3600 * f[0];
                case 2 -> 3600 * f[0] + 60 * f[1];
                default -> 3600 * f[0] + 60 * f[1] + f[2];
            } + 86400 * days;
        } else {
            seconds = switch (f.length) {
                case 1 -> 60 * f[0];
                case 2 -> 60 * f[0] + f[1];
                default -> 3600 * f[0] + 60 * f[1] + f[2];
            };
        }
        return bounded(seconds, text);
    }

    /** {@code HH:MM:SS}, the way qstat shows a walltime; hours go past 24 ({@code 36:00:00}). */
    public static String format(Duration walltime) {
        long s = walltime.getSeconds();
        if (s < 0) {
            throw new IllegalArgumentException("a walltime is never negative, got " + walltime);
        }
        return String.format("%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    private static long[] fields(String text) {
        String[] parts = text.split(":");
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Long.parseLong(parts[i]);
        }
        return values;
    }

    /** A limit given in seconds ({@code text} as the user wrote it), held to the same bounds as the written forms. */
    static Duration bounded(long seconds, String text) {
        if (seconds < 0) {
            throw new InvalidRequestException("a time limit must be longer than zero, got '" + text + "'");
        }
        if (seconds == 0) {
            throw new InvalidRequestException("a time limit must be longer than zero, got '" + text + "'");
        }
        if (seconds > MAX.getSeconds()) {
            throw new InvalidRequestException("time limit '" + text + "' is longer than the longest allowed, "
                    + MAX.toDays() + " days");
        }
        return Duration.ofSeconds(seconds);
    }
}
