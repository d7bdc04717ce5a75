package dev.hpc.worker;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How an agent running as root starts a process as a job's owner so that nothing it runs as root sees the
 * job's environment (issue #15; docs/security.md, "Jobs run as their owner").
 *
 * <p>The dynamic loader obeys {@code LD_PRELOAD}, {@code LD_AUDIT}, {@code LD_LIBRARY_PATH} and
 * {@code GCONV_PATH} in every program root starts that is not setuid, and shells obey {@code BASH_ENV},
 * {@code ENV}, {@code SHELLOPTS}/{@code PS4}, {@code IFS} and {@code PATH}. So root starts
 * {@code setsid setpriv --reuid=.. --regid=.. --groups=.. -- /bin/sh -s -- COMMAND...} by absolute paths,
 * in {@code /}, with {@link #ROOT_ENVIRONMENT} alone; the job's variables reach only that shell, which
 * already runs as the owner, as the commands it reads from its standard input:
 * <pre>
 * { exec &lt;/dev/null
 *   STEPS (open the output files, enter the work directory: as the owner, so with the owner's rights)
 *   command export NAME='value'    (one per variable, ' written as '\'')
 *   exec "$@"
 * }</pre>
 * That standard input is a hand-over file the agent writes into its spool (root's, {@code 0600}, in a
 * directory only root may write) and removes as soon as the process holds it open.
 *
 * <ul>
 *   <li>Not the command line: anyone on the node reads another's arguments in {@code /proc/PID/cmdline}.</li>
 *   <li>Not a pipe: a process that dropped root cannot reopen root's pipe ({@code . /dev/stdin} fails with
 *       EACCES), and a pipe's writer blocks once the environment outgrows the pipe (64 KiB) until the
 *       owner's shell reads; an owner who stops that shell, or keeps its pipe open from another of their
 *       processes ({@code /proc/PID/fd/0}), would hold the agent's launch thread for ever. A file never
 *       blocks the agent, costs no thread, and a child that dies early is an exit status like any
 *       other, with no EPIPE to handle.</li>
 *   <li>{@code sh -s} reads the descriptor it inherited, so the file can stay root's: only the one process
 *       root gave it to reads it.</li>
 *   <li>A brace group is parsed whole before any of it runs, so its {@code exec </dev/null} cannot cut
 *       it short, and the owner's command gets {@code /dev/null} as its standard input, as before.</li>
 *   <li>{@code command export}: a plain assignment to a variable the shell refuses (bash's read-only
 *       {@code UID}, {@code EUID}, {@code PPID}, {@code SHELLOPTS} when {@code /bin/sh} is bash; dash's
 *       {@code OPTIND} set to a non-number) ends a non-interactive POSIX shell; under {@code command} it is
 *       a failed command, the shell says so on the task's standard error and goes on without that one
 *       variable.</li>
 *   <li>The loader shell itself starts with {@link #ROOT_ENVIRONMENT} only and is non-interactive, so it
 *       reads no {@code ENV} or {@code BASH_ENV} and imports no {@code SHELLOPTS} or {@code IFS}; what it
 *       exports affects it only in its last step, {@code exec}, whose {@code PATH} search is the owner's
 *       own, as when the command ran with the job's environment before.</li>
 * </ul>
 * Names must be shell names ({@link #NAME}): the submission refuses others (job-api's
 * {@code SubmitLimits}) and {@code hpc-rsh}/{@code hpc dsh} do not forward them; one that still comes is
 * refused here with the reason, as no shell could set it.
 */
final class OwnerShell {
    /** The whole environment of every program the agent starts as root. */
    static final Map<String, String> ROOT_ENVIRONMENT = Map.of("PATH", "/usr/bin:/bin");
    /** The owner's loader shell; POSIX {@code sh} (dash on Debian, bash in POSIX mode elsewhere). */
    static final String SHELL = "/bin/sh";
    /** Variable names as a shell takes them. */
    static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** Hand-over files in the spool start so; one left by a crash of the agent is removed at its next start. */
    static final String HAND_OVER_PREFIX = ".hand-over-";

    private OwnerShell() {
    }

    /** {@code /bin/sh -s --}: what follows are the shell's positional parameters, never options. */
    static List<String> loader() {
        return List.of(SHELL, "-s", "--");
    }

    /**
     * The commands the owner's shell reads: {@code steps}, then the exports of {@code environment} in its
     * order, then {@code last}. Throws {@link LaunchFailedException} naming a variable no shell can set.
     */
    static String script(List<String> steps, Map<String, String> environment, String last) {
        StringBuilder b = new StringBuilder(256 + environment.size() * 48);
        b.append("{ exec </dev/null\n");
        steps.forEach(s -> b.append(s).append('\n'));
        for (Map.Entry<String, String> e : environment.entrySet()) {
            String name = e.getKey();
            if (!NAME.matcher(name).matches()) {
                throw new LaunchFailedException("the environment names a variable '" + printable(name) + "', which "
                        + "is not a shell name (letters, digits and '_', not starting with a digit), so the job's "
                        + "shell could not set it: rename or drop it");
            }
            if (e.getValue().indexOf('\0') >= 0) {
                throw new LaunchFailedException("the environment variable " + name + " holds a NUL, which no "
                        + "process environment can carry: drop it or remove the NUL");
            }
            b.append("command export ").append(name).append('=').append(quote(e.getValue())).append('\n');
        }
        b.append(last).append("\n}\n");
        return b.toString();
    }

    /**
     * The step that enters {@code dir}, as the owner: on failure the shell says {@code why} (after its own
     * message) on its standard error and ends with 126, the shell's status for a command it could not run.
     */
    static String enter(Path dir, String why) {
        return "cd -- " + quote(dir.toAbsolutePath().toString()) + " || { printf '%s\\n' " + quote(why)
                + " >&2; exit 126; }";
    }

    /**
     * The last step: {@code exec}, then each of {@code words} as one shell word ({@link #quote}), then {@code tail}
     * as it stands (the command, from the shell's parameters: {@code "$@"}, {@code /bin/sh -c "$1"}).
     */
    static String exec(List<String> words, String tail) {
        StringBuilder last = new StringBuilder("exec");
        words.forEach(word -> last.append(' ').append(quote(word)));
        return last.append(' ').append(tail).toString();
    }

    /** {@code text} as one shell word that expands to nothing else: single quotes, each ' as '\''. */
    static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    /**
     * Starts {@code pb} (whose command ends with {@link #loader()} and its parameters) with {@code script} as
     * the shell's standard input, {@link #ROOT_ENVIRONMENT} as the environment and {@code /} as the
     * directory: the shell enters the owner's directory itself, with the owner's rights, never root's.
     */
    static Process start(ProcessBuilder pb, Path spool, String script) throws IOException {
        Path handOver = Files.createTempFile(spool, HAND_OVER_PREFIX, "",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(handOver, script, StandardCharsets.UTF_8);
            pb.redirectInput(handOver.toFile()).directory(new File("/"));
            asRoot(pb);
            return pb.start();
        } finally {
            Files.deleteIfExists(handOver);
        }
    }

    /** Gives {@code pb} the fixed environment of a program the agent runs as root; returns it. */
    static ProcessBuilder asRoot(ProcessBuilder pb) {
        pb.environment().clear();
        pb.environment().putAll(ROOT_ENVIRONMENT);
        return pb;
    }

    private static String printable(String name) {
        StringBuilder b = new StringBuilder();
        name.codePoints().limit(80).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
