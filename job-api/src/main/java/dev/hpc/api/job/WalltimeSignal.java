package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.pbs.Walltimes;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The signal a job asks to get some seconds before its walltime ends, so that it can save its work: Slurm's
 * {@code --signal=[{R|B}:]SIG[@SECONDS]} and Torque/Moab's {@code -l signal=SIG@SECONDS}.
 *
 * <p>{@code signal} is a {@link Signals} canonical name ({@code USR1}) or number; "" in {@link #NONE}.
 * {@code leadSeconds} is how long before the walltime ends it is sent, 0 to {@link #MAX_LEAD} (Slurm's range),
 * {@link #DEFAULT_LEAD} when the submission gave none (as in Slurm). With {@code batchOnly} (Slurm's {@code B:})
 * only the batch shell, the script's own process, gets it; without, every process of the job's tree does.
 * Slurm's {@code R:} (a reservation's start may be delayed) has no meaning here and is accepted and dropped.
 *
 * <p>A submission records it as {@link #RECORDED} in its canonical text ({@code USR1@120},
 * {@code B:TERM@60}), which is how it is stored, replicated, altered and shown; the head puts it in each
 * attempt's launch order.
 */
public record WalltimeSignal(String signal, int leadSeconds, boolean batchOnly) {
    public static final WalltimeSignal NONE = new WalltimeSignal("", 0, false);
    /** The attribute a job records it under, as Torque's {@code qstat -f} shows {@code -l signal}. */
    public static final String RECORDED = "Resource_List.signal";
    /** Slurm's default lead when only the signal is given. */
    public static final int DEFAULT_LEAD = 60;
    /** Slurm's largest lead (its field is 16 bits). */
    public static final int MAX_LEAD = 65535;

    private static final String FORMS = "write it as [B:]SIGNAL[@SECONDS], e.g. USR1@120 or B:TERM@60 (SIGNAL a "
            + "name such as USR1 or a number, SECONDS 0 to " + MAX_LEAD + ", " + DEFAULT_LEAD + " when left out)";

    public WalltimeSignal {
        if (leadSeconds < 0 || leadSeconds > MAX_LEAD) {
            throw new IllegalArgumentException("a signal's lead is 0 to " + MAX_LEAD + " s, got " + leadSeconds);
        }
        if (signal.isEmpty() && (leadSeconds != 0 || batchOnly)) {
            throw new IllegalArgumentException("no signal has no lead and no target");
        }
    }

    /** Whether a signal was asked for. */
    public boolean any() {
        return !signal.isEmpty();
    }

    /** Slurm's {@code --signal} value: {@code [{R|B}:]SIG[@SECONDS]}, SECONDS a whole number. */
    public static WalltimeSignal parseSlurm(String text) {
        return parse(text, false);
    }

    /**
     * Torque's {@code -l signal} value: {@code SIG@SECONDS}, SECONDS also as {@code [[HH:]MM:]SS}; Slurm's
     * {@code B:} is taken here too, so that a job can ask for either form in a {@code #PBS} script.
     */
    public static WalltimeSignal parsePbs(String text) {
        return parse(text, true);
    }

    private static WalltimeSignal parse(String text, boolean clockForm) {
        String s = text.strip();
        if (s.isEmpty()) {
            throw new InvalidRequestException("the signal is empty; " + FORMS);
        }
        boolean batchOnly = false;
        int colon = s.indexOf(':');
        int at = s.indexOf('@');
        if (colon >= 0 && (at < 0 || colon < at)) {
            String flags = s.substring(0, colon).toUpperCase(Locale.ROOT);
            if (flags.isEmpty() || !flags.chars().allMatch(c -> c == 'B' || c == 'R')) {
                throw new InvalidRequestException("'" + flags + ":' is not a flag of the signal: only B: (the batch "
                        + "shell alone gets it) and R: are; " + FORMS);
            }
            batchOnly = flags.indexOf('B') >= 0;
            s = s.substring(colon + 1);
            at = s.indexOf('@');
        }
        String name = at < 0 ? s : s.substring(0, at);
        if (name.isBlank()) {
            throw new InvalidRequestException("no signal is named in '" + text + "'; " + FORMS);
        }
        String signal;
        try {
            signal = Signals.parse(name);
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException(e.getMessage() + "; " + FORMS);
        }
        int lead = at < 0 ? DEFAULT_LEAD : lead(s.substring(at + 1), clockForm);
        return new WalltimeSignal(signal, lead, batchOnly);
    }

    private static int lead(String text, boolean clockForm) {
        long seconds = -1;
        if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
            seconds = text.length() > 6 ? Long.MAX_VALUE : Long.parseLong(text);
        } else if (clockForm && text.matches("[0-9:]+")) {
            try {
                seconds = Walltimes.parsePbs(text).toSeconds();
            } catch (InvalidRequestException e) {
                seconds = -1;
            }
        }
        if (seconds < 0) {
            throw new InvalidRequestException("'" + text + "' is not a number of seconds" + (clockForm
                    ? " or [[HH:]MM:]SS" : "") + "; " + FORMS);
        }
        if (seconds > MAX_LEAD) {
            throw new InvalidRequestException("the signal can be sent at most " + MAX_LEAD + " seconds before the "
                    + "walltime ends, got " + text + "; " + FORMS);
        }
        return (int) seconds;
    }

    /** {@code USR1@120} or {@code B:TERM@60}; what {@link #parsePbs} reads back. */
    public String text() {
        if (!any()) {
            return "";
        }
        return (batchOnly ? "B:" : "") + signal + "@" + leadSeconds;
    }

    /** The signal a submission recorded ({@link JobSpec#recorded()}); {@link #NONE} without one. */
    public static WalltimeSignal of(Map<String, String> recorded) {
        return Optional.ofNullable(recorded.get(RECORDED)).map(WalltimeSignal::parsePbs).orElse(NONE);
    }

    /**
     * How long after an attempt's start the signal is due: {@code leadSeconds} before the walltime ends, at once
     * when the lead is as long as the walltime or longer; empty without a signal or without a walltime (such a
     * job never reaches its end by the clock).
     */
    public Optional<Duration> dueAfter(Duration walltime) {
        if (!any() || walltime.isZero() || walltime.isNegative()) {
            return Optional.empty();
        }
        Duration due = walltime.minusSeconds(leadSeconds);
        return Optional.of(due.isNegative() ? Duration.ZERO : due);
    }
}
