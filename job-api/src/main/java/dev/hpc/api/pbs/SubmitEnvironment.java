package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.client.ApiToken;
import dev.hpc.api.wire.SpawnProtocol;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What of the submitter's environment a submission carries, and what of it a job may get (issue #15).
 *
 * <p>As OpenPBS's qsub has it: every job gets the {@code PBS_O_*} set, made from the submitter's
 * {@link #PASSED_ON} variables and from where and on what system qsub ran; {@code -v} adds the
 * variables it names; only {@code -V} (or {@code #SBATCH --export=ALL}) copies the whole environment.
 * qsub sends no more than that needs, so what nobody asked for never leaves the submitter's machine.
 *
 * <p>The cluster's own {@link #CREDENTIALS} are never part of a job, whatever the options say: a job
 * runs as its owner, whose commands find their own token file, whereas a copy in the job's
 * environment would be stored, replicated to the standby, and shown to whoever may read the job.
 * {@code -V} leaves them out; naming one ({@code -v}, {@code --export}, the REST {@code environment}
 * of a job) is refused with {@link #requireNotCredential}.
 */
public final class SubmitEnvironment {
    /** The submitter's variables that a job gets as {@code PBS_O_<name>}. */
    public static final List<String> PASSED_ON = List.of("HOME", "LANG", "LOGNAME", "PATH", "MAIL", "SHELL", "TZ");
    /** The submit host's operating system as {@code uname -s} names it; qsub sends it, as OpenPBS's does. */
    public static final String SYSTEM = "PBS_O_SYSTEM";
    /** Variables qsub makes; the submitter's own copies (a job that submits a job has them) are not taken. */
    public static final String QSUB_PREFIX = "PBS_O_";
    /** The API token, the file that holds it, and a running job's spawn token (docs/security.md). */
    public static final Set<String> CREDENTIALS = Set.of(ApiToken.ENV, ApiToken.FILE_ENV,
            SpawnProtocol.ENV_SPAWN_TOKEN);

    private SubmitEnvironment() {
    }

    /**
     * What a submission asks for: the whole environment ({@code -V}) and the variables named without a
     * value ({@code -v NAME}), whose value the head takes from what qsub sends.
     */
    public record Wanted(boolean all, Set<String> names) {
        public static final Wanted NOTHING = new Wanted(false, Set.of());

        public Wanted {
            names = Set.copyOf(names);
        }
    }

    public static boolean isCredential(String name) {
        return CREDENTIALS.contains(name);
    }

    /** Refuses a variable a submission names explicitly when it is one of the {@link #CREDENTIALS}. */
    public static void requireNotCredential(String name) {
        if (isCredential(name)) {
            throw new InvalidRequestException(name + " is one of the cluster's credentials ("
                    + String.join(", ", new TreeSet<>(CREDENTIALS)) + ") and is never passed to a job: a job runs "
                    + "as you, and its commands find your token in ~/.hpc/token; leave " + name
                    + " out of the job's variables");
        }
    }

    /**
     * What the script's directives and the command-line options ask to export, read as the head reads
     * them ({@link SubmitParser}): {@code -V}, {@code -v} and {@code #SBATCH --export}. Only those
     * options are looked at; an option the head would refuse is refused here the same way.
     */
    public static Wanted wanted(String script, List<String> options) {
        boolean all = false;
        Set<String> names = new TreeSet<>();
        for (JobScripts.Directive d : JobScripts.directives(script)) {
            Origin origin = Origin.scriptLine(d.line());
            switch (d.dialect()) {
                case PBS -> all |= qsubWants(QsubOptions.WORDS.read(d.words(), origin), names);
                case SLURM -> all |= sbatchWants(SbatchOptions.WORDS.read(d.words(), origin), names);
                default -> throw new IllegalStateException("unknown dialect " + d.dialect() + "; should never happen");
            }
        }
        all |= qsubWants(QsubOptions.WORDS.read(options, Origin.COMMAND_LINE), names);
        return new Wanted(all, names);
    }

    private static boolean qsubWants(List<OptionWords.Option> options, Set<String> names) {
        boolean all = false;
        for (OptionWords.Option o : options) {
            if (o.name().equals("V")) {
                all = true;
            } else if (o.name().equals("v")) {
                names.addAll(OptionValues.namesWithoutValue(o.value()));
            }
        }
        return all;
    }

    private static boolean sbatchWants(List<OptionWords.Option> options, Set<String> names) {
        boolean all = false;
        for (OptionWords.Option o : options) {
            if (o.name().equals("export")) {
                SbatchOptions.Export export = SbatchOptions.export(o.value());
                all |= export.all();
                if (!export.variables().isEmpty()) {
                    names.addAll(OptionValues.namesWithoutValue(export.variables()));
                }
            }
        }
        return all;
    }

    /**
     * The part of {@code caller} to send for a submission that wants {@code wanted}: the
     * {@link #PASSED_ON} variables, the named ones, and with {@code all} every other one but those qsub
     * makes itself; never a credential.
     */
    public static Map<String, String> toSend(Wanted wanted, Map<String, String> caller) {
        Map<String, String> out = new TreeMap<>();
        caller.forEach((name, value) -> {
            boolean asked = PASSED_ON.contains(name) || wanted.names().contains(name)
                    || wanted.all() && !name.startsWith(QSUB_PREFIX);
            if (asked && !isCredential(name)) {
                out.put(name, value);
            }
        });
        return out;
    }

    /** What {@code -V} copies into a job: the submitter's variables less credentials and qsub's own. */
    static Map<String, String> exportable(Map<String, String> client) {
        Map<String, String> out = new TreeMap<>();
        client.forEach((name, value) -> {
            if (!isCredential(name) && !name.startsWith(QSUB_PREFIX)) {
                out.put(name, value);
            }
        });
        return out;
    }
}
