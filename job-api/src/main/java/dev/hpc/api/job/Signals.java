package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import java.util.List;
import java.util.Locale;

/**
 * The signals {@code qsig -s} names, as OpenPBS takes them: a name with or without {@code SIG}, in any case
 * ({@code TERM}, {@code SIGUSR1}, {@code usr1}), or a number (Linux numbering). The canonical form that the head
 * stores and sends to the worker is the name without {@code SIG} ({@code USR1}), or the number for a real-time
 * signal that has no name here. OpenPBS's special words {@code suspend}, {@code resume}, {@code admin-suspend}
 * and {@code admin-resume} are refused with the reason: a suspended job would keep its nodes and its walltime
 * clock, which this scheduler does not model.
 */
public final class Signals {
    /** PBS's default signal for qsig. */
    public static final String DEFAULT = "TERM";
    /** The largest signal number Linux has ({@code SIGRTMAX}). */
    static final int MAX_NUMBER = 64;
    /** Linux's signal names by number (index = number); "" where a number has no fixed name. */
    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
            "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN",
            "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");
    private static final List<String> SPECIAL = List.of("suspend", "resume", "admin-suspend", "admin-resume");

    private Signals() {
    }

    /**
     * The canonical form of {@code text}; throws {@link InvalidRequestException} saying what to give instead for a
     * name or number that is no signal, and for OpenPBS's suspend and resume.
     */
    public static String parse(String text) {
        String s = text.strip();
        if (s.isEmpty()) {
            throw new InvalidRequestException("no signal given: name one, as in -s TERM, -s SIGUSR1 or -s 10");
        }
        if (SPECIAL.contains(s.toLowerCase(Locale.ROOT))) {
            throw new InvalidRequestException("qsig -s " + s + " is not supported here: a suspended job would keep "
                    + "its cores and its walltime clock, which this scheduler does not model. Send -s STOP to pause "
                    + "the job's processes and -s CONT to let them go on (its cores stay taken and its walltime "
                    + "keeps counting), or qrerun/qdel it");
        }
        if (s.chars().allMatch(Character::isDigit)) {
            int n;
            try {
                n = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > MAX_NUMBER) {
                throw new InvalidRequestException("signal number " + s + " is not a signal: give 1 to " + MAX_NUMBER
                        + " or a name such as TERM, USR1 or KILL");
            }
            return n < NAMES.size() ? NAMES.get(n) : Integer.toString(n);
        }
        String name = s.toUpperCase(Locale.ROOT);
        if (name.startsWith("SIG")) {
            name = name.substring(3);
        }
        if (name.isEmpty() || !NAMES.contains(name)) {
            throw new InvalidRequestException("'" + text + "' is not a signal name: give one of "
                    + String.join(", ", NAMES.subList(1, NAMES.size())) + " (with or without SIG), or a number");
        }
        return name;
    }

    /** The number of a canonical signal ({@link #parse}'s answer). */
    public static int number(String canonical) {
        int n = NAMES.indexOf(canonical);
        return n > 0 ? n : Integer.parseInt(canonical);
    }
}
