package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;

/**
 * Where a submission option came from: a directive on a script line, the qsub command line
 * ({@code line == 0}) or a field of a JSON submission's {@code job} ({@code line == -1}). Error messages start
 * with it, so the user knows what to fix: {@code line 3: -l walltime=1:xx:00: ...}, {@code option -p: ...} or
 * {@code field 'job.priority': ...}.
 */
record Origin(int line) {

    static final Origin COMMAND_LINE = new Origin(0);
    static final Origin JSON_JOB = new Origin(-1);

    static Origin scriptLine(int line) {
        if (line < 1) {
            throw new IllegalArgumentException("script lines count from 1, got " + line);
        }
        return new Origin(line);
    }

    /** {@code line 3: -l walltime=1:xx:00} or {@code option -l walltime=1:xx:00}. */
    String describe(String what) {
        if (line == JSON_JOB.line) {
            return "field 'job." + what + "'";
        }
        return line == 0 ? "option " + what : "line " + line + ": " + what;
    }

    InvalidRequestException error(String what, String problem) {
        return new InvalidRequestException(describe(what) + ": " + problem);
    }

    /** Runs {@code step}; a problem it reports is prefixed with this origin and {@code what}. */
    void within(String what, Runnable step) {
        try {
            step.run();
        } catch (InvalidRequestException e) {
            throw error(what, e.getMessage());
        }
    }
}
