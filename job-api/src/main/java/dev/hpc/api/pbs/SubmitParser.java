package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.json.JsonFields;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Turns what qsub sends (a script and command-line options) into a {@link JobSpec}.
 *
 * <p>Options are read in order: the script's {@code #PBS} and {@code #SBATCH} directives from the
 * top ({@link JobScripts}), then the command line, so the command line overrides the script and a
 * later directive an earlier one. {@code -l} lists are merged entry by entry and {@code -v} lists
 * accumulate ({@link ResourceDraft}, {@link SubmitDraft}). Every option is checked before the spec
 * is built; the first problem is thrown as an {@link InvalidRequestException} whose message starts
 * with {@code line N:} for a directive or {@code option -X} for the command line.
 *
 * <p>Decisions where PBS leaves a choice: {@code -S} is checked and ignored (the {@code #!} line
 * chooses the interpreter); {@code -a} is read in the submitter's {@code TZ} when Java knows that
 * zone, else in the clock's zone; relative paths are taken from the submit directory, also for
 * {@code #SBATCH}; {@code -l select} gives one MPI process per chunk unless {@code mpiprocs} says
 * otherwise, {@code -l nodes} and {@code -l ncpus} one per core.
 */
public final class SubmitParser {

    /** The job name when none is given: what PBS calls a job whose script came from stdin. */
    public static final String DEFAULT_NAME = "STDIN";
    public static final int MAX_NAME_LENGTH = 236;
    public static final int MAX_SCRIPT_BYTES = 1 << 20;
    public static final int MAX_NODES = 100_000;
    public static final int MAX_CORES_PER_NODE = 100_000;
    public static final long MAX_MEMORY_PER_NODE = 1L << 50;
    public static final int MAX_ARRAY_INDICES = ArrayRanges.MAX_INDICES;

    private SubmitParser() {
    }

    /** Parses with the system clock; the head should inject its own through the other overload. */
    public static JobSpec parse(SubmitRequest request, SubmitDefaults defaults) {
        return parse(request, defaults, Clock.systemDefaultZone());
    }

    /** Parses, taking {@code now} (for {@code -a}) from {@code clock}. */
    public static JobSpec parse(SubmitRequest request, SubmitDefaults defaults, Clock clock) {
        return parse(request, Optional.empty(), defaults, clock);
    }

    /**
     * Parses a JSON submission: the script's directives and the options, then the fields of its {@code job}
     * object ({@link JsonSubmission}), which have the last word.
     */
    public static JobSpec parse(SubmitRequest request, Optional<JsonFields> job, SubmitDefaults defaults,
                                Clock clock) {
        checkRequest(request);
        JobScripts.check(request.script());
        SubmitLimits.script(request.script());
        SubmitContext context = SubmitContext.of(request, clock);
        SubmitDraft draft = new SubmitDraft();
        for (JobScripts.Directive directive : JobScripts.directives(request.script(), directivePrefix(request))) {
            Origin origin = Origin.scriptLine(directive.line());
            switch (directive.dialect()) {
                case PBS -> QsubOptions.apply(directive.words(), origin, context, draft);
                case SLURM -> SbatchOptions.apply(directive.words(), origin, context, draft);
                default -> throw new IllegalStateException("unknown dialect " + directive.dialect()
                        + "; should never happen");
            }
        }
        QsubOptions.apply(request.options(), Origin.COMMAND_LINE, context, draft);
        job.ifPresent(fields -> JsonSubmission.apply(fields, context, draft));
        return SubmitLimits.check(draft.build(request, defaults));
    }

    /**
     * The prefix of PBS directives: the last {@code -C} on the command line, else the submitter's
     * {@code PBS_DPREFIX}, else {@code #PBS}, as qsub chooses it. It has to be known before the script
     * is read; a command line that does not parse is refused by the full reading after it.
     */
    private static String directivePrefix(SubmitRequest request) {
        String prefix = request.clientEnvironment().getOrDefault("PBS_DPREFIX", "");
        try {
            prefix = prefix.isEmpty() ? "#PBS" : QsubOptions.directivePrefix(prefix);
        } catch (InvalidRequestException e) {
            prefix = "#PBS"; // a stray variable of the login shell is not worth refusing a script for
        }
        List<OptionWords.Option> options;
        try {
            options = QsubOptions.WORDS.read(request.options(), Origin.COMMAND_LINE);
        } catch (InvalidRequestException e) {
            return prefix;
        }
        for (OptionWords.Option option : options) {
            if (option.name().equals("C")) {
                Origin.COMMAND_LINE.within(option.written(), () -> QsubOptions.directivePrefix(option.value()));
                prefix = option.value();
            }
        }
        return prefix;
    }

    private static void checkRequest(SubmitRequest request) {
        if (request.user().isBlank()) {
            throw new InvalidRequestException("request: user is empty; the submitting user must be named");
        }
        if (request.submitHost().isBlank()) {
            throw new InvalidRequestException("request: submitHost is empty; name the host qsub ran on");
        }
        if (!request.submitDir().startsWith("/")) {
            throw new InvalidRequestException("request: submitDir must be an absolute path, got '"
                    + request.submitDir() + "'");
        }
    }
}
