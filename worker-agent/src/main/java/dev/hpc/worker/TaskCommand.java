package dev.hpc.worker;

import dev.hpc.api.job.FileModes;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.ProcessLimits;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The words of the command that runs an attempt's script ({@link TaskLauncher}): {@code setsid}, the
 * interpreter, the script and its arguments; in the job's image, under its per-process limits and umask;
 * and, for an agent that switches to the owner, what the owner's shell reads ({@link OwnerShell}). Pure but
 * for the programs it looks for on this node.
 */
final class TaskCommand {
    private static final Optional<Path> SETSID = Executables.first("/usr/bin/setsid", "/bin/setsid");
    private static final Optional<Path> BASH = Executables.first("/bin/bash", "/usr/bin/bash");
    /** util-linux's, the package of setsid and setpriv: sets the job's per-process limits, then runs the script. */
    private static final Optional<Path> PRLIMIT = Executables.first("/usr/bin/prlimit", "/bin/prlimit");
    /** In an image, which has its own programs: its shell starts the job's under bash when the image has one. */
    private static final String CONTAINER_SHELL = "/bin/sh";
    private static final String BASH_ELSE_SH =
            "if command -v bash >/dev/null 2>&1; then exec bash \"$0\" \"$@\"; fi; exec /bin/sh \"$0\" \"$@\"";

    private TaskCommand() {
    }

    /** {@code setsid SHELL SCRIPT ARGS}, which runs the order's script here; a list the caller may change. */
    static List<String> forScript(LaunchOrder order, Path script, String nodeName) {
        Path setsid = SETSID.orElseThrow(() -> new LaunchFailedException("no setsid command in /usr/bin or /bin"));
        Path bash = BASH.orElseThrow(() -> new LaunchFailedException("no bash in /bin or /usr/bin"));

        // qsub -S names the shell, as in PBS; else a script that names its interpreter
        // (#!/usr/bin/env python3) runs under it, as when run by hand; any other runs under bash,
        // the shell PBS users expect.
        String shell = JobSpec.shellFor(order.shells(), nodeName);
        List<String> command;
        if (!shell.isEmpty()) {
            // a container's shell is the image's, which the node cannot look into
            if (order.container().isEmpty()
                    && (!Files.isRegularFile(Path.of(shell)) || !Files.isExecutable(Path.of(shell)))) {
                throw new LaunchFailedException("the shell " + shell + " that -S names is not an executable "
                        + "file on node " + nodeName + "; name one that exists there, or leave -S out");
            }
            command = new ArrayList<>(List.of(setsid.toString(), shell, script.toString()));
        } else {
            command = new ArrayList<>(order.script().startsWith("#!")
                    ? interpreterCommand(setsid, order.script(), script)
                    : List.of(setsid.toString(), bash.toString(), script.toString()));
        }
        command.addAll(order.arguments()); // qsub -F: $1, $2, ... of the script
        return command;
    }

    /**
     * {@code setsid INTERPRETER [ARG] SCRIPT}, as the kernel reads a {@code #!} line (everything after the
     * interpreter is one argument). The script is not executed itself: executing a file that another
     * thread's fork may still hold open for writing fails with ETXTBSY (exit 126) when tasks start
     * side by side.
     */
    static List<String> interpreterCommand(Path setsid, String scriptText, Path script) {
        int end = scriptText.indexOf('\n');
        String line = (end < 0 ? scriptText.substring(2) : scriptText.substring(2, end)).strip();
        List<String> command = new ArrayList<>();
        command.add(setsid.toString());
        int space = line.indexOf(' ');
        if (line.isEmpty()) {
            return List.of(setsid.toString(), script.toString());
        }
        if (space < 0) {
            command.add(line);
        } else {
            command.add(line.substring(0, space));
            String arg = line.substring(space + 1).strip();
            if (!arg.isEmpty()) {
                command.add(arg);
            }
        }
        command.add(script.toString());
        return command;
    }

    /**
     * {@code setsid RUNTIME ... IMAGE INTERPRETER SCRIPT ARGS}: the script of {@code command} (setsid, interpreter,
     * script, arguments) run in the order's image. A script without {@code #!} and {@code -S} runs under bash
     * where the image has it, else under its {@code /bin/sh}: many small images have no bash.
     */
    static List<String> inContainer(ContainerRuntime runtime, LaunchOrder order, RunAs.Identity who,
                                    Map<String, String> env, Path workDir, Path attemptDir, Path tmpDir,
                                    List<String> command) {
        List<String> inner = new ArrayList<>(command.subList(1, command.size()));
        if (inner.get(0).equals(BASH.map(Path::toString).orElse(""))) {
            inner.set(0, CONTAINER_SHELL);
            inner.addAll(1, List.of("-c", BASH_ELSE_SH));
        }
        List<String> gpuIds = GpuDevices.VARIABLES.stream().map(env::get).filter(v -> v != null && !v.isBlank())
                .findFirst().map(v -> List.of(v.split(","))).orElse(List.of());
        List<String> wrapped = new ArrayList<>();
        wrapped.add(command.get(0)); // setsid
        wrapped.addAll(runtime.command(new ContainerRuntime.Run(order.attemptId(), order.container(),
                who.owner().uid(), workDir, attemptDir, tmpDir, env.getOrDefault("HOME", ""), env, gpuIds,
                order.files().umaskText(), order.limits(), order.memoryPerNode(), inner)));
        return wrapped;
    }

    /**
     * {@code prlimit --as=BYTES --cpu=SECONDS:SECONDS+1 --fsize=BYTES --}, the words that run the script under
     * the job's per-process limits (none when it has none). The owner's own process runs them, after the privilege
     * drop: a root program gets none of the job's values, and a limit the owner sets is one the owner cannot raise
     * again past its hard value. The CPU limit's hard value is a second past the soft one, so that the kernel
     * sends SIGXCPU first (the shell says "CPU time limit exceeded", a program may catch it and save its work), then
     * SIGKILL to a process that goes on. Bytes and seconds, whatever the shell: {@code ulimit} counts
     * {@code -f} in 512-byte blocks in dash and in POSIX mode, in kibibytes in bash.
     */
    static List<String> limitCommand(ProcessLimits limits) {
        return limitCommand(limits, PRLIMIT);
    }

    /** {@link #limitCommand(dev.hpc.api.job.ProcessLimits)} with the prlimit this node has, or none. */
    static List<String> limitCommand(ProcessLimits limits, Optional<Path> prlimit) {
        if (!limits.any()) {
            return List.of();
        }
        List<String> words = new ArrayList<>();
        words.add(prlimit.orElseThrow(() -> new LaunchFailedException("the job asks for per-process limits (-l vmem, "
                + "pvmem, cput, pcput or file), which this node applies with util-linux's prlimit, and it has none in "
                + "/usr/bin or /bin: install util-linux on the node, or submit without those limits")).toString());
        if (limits.addressSpace() > 0) {
            words.add("--as=" + limits.addressSpace());
        }
        if (limits.cpuSeconds() > 0) {
            words.add("--cpu=" + limits.cpuSeconds() + ":" + (limits.cpuSeconds() + 1));
        }
        if (limits.fileSize() > 0) {
            words.add("--fsize=" + limits.fileSize());
        }
        words.add("--");
        return words;
    }

    /**
     * {@code /bin/sh -c 'umask "$1" || exit 126; shift; exec "$@"' hpc-umask NNNN}, the words that run the rest of
     * the command with the job's umask ({@code -W umask}), for an agent that runs as the owner itself: a JVM cannot
     * set the umask of the processes it starts. None when the job has no umask of its own.
     */
    static List<String> umaskCommand(FileModes files) {
        if (files.umask().isEmpty()) {
            return List.of();
        }
        return List.of(OwnerShell.SHELL, "-c", "umask \"$1\" || exit 126; shift; exec \"$@\"", "hpc-umask",
                files.umaskText());
    }

    /** {@code setsid setpriv ... -- /bin/sh -s -- COMMAND...}: everything else reaches the owner's shell on its stdin. */
    static List<String> asOwner(RunAs.Identity who, List<String> command) {
        List<String> wrapped = new ArrayList<>();
        wrapped.add(command.get(0)); // setsid
        wrapped.addAll(who.prefix());
        wrapped.addAll(OwnerShell.loader());
        wrapped.addAll(command.subList(1, command.size()));
        return wrapped;
    }

    /**
     * What the owner's shell reads ({@link OwnerShell}): it opens the output files and enters the work
     * directory already as the owner, so a job writes and reads only where its owner may; then the job's
     * variables, then the command.
     */
    static String ownerScript(RunAs.Identity who, AttemptOutputs outputs, Path workDir, Map<String, String> env,
                              List<String> limits, FileModes files) {
        List<String> steps = new ArrayList<>();
        if (files.umask().isPresent()) {
            // first: every file the job's shell and its children create has it (-W umask)
            steps.add("umask " + files.umaskText() + " || exit 126");
        }
        steps.add("exec >>" + OwnerShell.quote(outputs.stdout().toString()) + " 2>>"
                + OwnerShell.quote(outputs.stderr().toString()) + " || exit 126");
        if (!outputs.notes().isEmpty()) {
            steps.add("printf '%s' " + OwnerShell.quote(notesText(outputs.notes())) + " >&2");
        }
        steps.add(OwnerShell.enter(workDir, "hpc: cannot enter the work directory " + workDir.toAbsolutePath() + " as "
                + who.owner().name() + ": give one the job's owner may enter"));
        return OwnerShell.script(steps, env, OwnerShell.exec(limits, "\"$@\""));
    }

    private static String notesText(List<String> notes) {
        StringBuilder b = new StringBuilder();
        notes.forEach(n -> b.append("hpc: ").append(n).append('\n'));
        return b.toString();
    }
}
