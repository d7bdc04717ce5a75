package dev.hpc.worker;

import dev.hpc.api.wire.SpawnProtocol;
import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage.Spawn;
import dev.hpc.api.wire.WireMessage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Starts the processes of the commands {@link SpawnSupervisor} follows: spawned commands and the shells of
 * interactive sessions. Blocking: the supervisor calls it on its own threads.
 *
 * <p>A spawned command runs as {@code setsid sh -c COMMAND}, as the attempt's owner ({@link RunAs}), in the
 * caller's directory (else HOME), with a small base environment, the environment the caller sent, and
 * {@code HPC_WORKER_NODE} and {@code TMPDIR} of this node ({@code <spool>/spawn-<attempt>/}), under the job's
 * per-process limits ({@code prlimit}, as {@link TaskLauncher} runs the script) and with the GPU binding the
 * head put into the environment for this node. An agent running as root starts
 * {@code setsid setpriv ... -- /bin/sh -s -- COMMAND} instead, with a fixed {@code PATH} alone, and the
 * owner's shell enters the directory, exports the variables (with the owner's HOME, USER, LOGNAME and
 * SHELL last) and runs {@code sh -c COMMAND} ({@link OwnerShell}): the caller's variables never reach a
 * program that runs as root (issue #15).
 */
final class SpawnLauncher {
    private static final Logger LOG = Logger.getLogger(SpawnLauncher.class.getName());

    private final String nodeName;
    private final Path spoolDir;
    private final Duration grace;
    private final Map<String, String> agentEnvironment;
    private volatile GpuDevices gpus = GpuDevices.NONE;
    private final Consumer<FromWorker> send;
    private final ScheduledExecutorService timers;
    private final RunAs runAs;

    /** {@code send} and {@code timers} go to each command started, which reports its output and end through them. */
    SpawnLauncher(String nodeName, Path spoolDir, Duration grace, Map<String, String> agentEnvironment,
                  Consumer<FromWorker> send, ScheduledExecutorService timers, RunAs runAs) {
        this.nodeName = nodeName;
        this.spoolDir = spoolDir;
        this.grace = grace;
        this.agentEnvironment = Map.copyOf(agentEnvironment);
        this.send = send;
        this.timers = timers;
        this.runAs = runAs;
    }

    /** This node's GPUs, whose ids replace the positions the head gives spawned commands. */
    void gpuDevices(GpuDevices devices) {
        this.gpus = devices;
    }

    /** A started session: its shell, and where its standard input goes. */
    record Started(SpawnedCommand command, SessionShell.Input input) {
    }

    /**
     * Starts the shell of an interactive session as its attempt's script runs here ({@code setup}), as the script's
     * owner, in its directory, with its environment.
     */
    Started session(WireMessage.OpenSession o, TaskProcess.SessionSetup setup) throws IOException {
        RunAs.Identity who = setup.who();
        String shell = SessionShell.command(o.tty(), o.rows(), o.cols());
        Map<String, String> env = SessionShell.environment(setup.environment(), o.tty(), o.term());
        List<String> command = new ArrayList<>();
        setsid().ifPresent(command::add);
        Process p;
        SessionShell.Input input;
        if (who.switchUser()) {
            SessionShell.Fifo fifo = SessionShell.Fifo.create(spoolDir, who);
            try {
                // nothing root starts may see the job's variables (issue #15): they reach the owner's shell only
                command.addAll(who.prefix());
                command.addAll(OwnerShell.loader());
                command.add(shell);
                String fromFifo = "exec <" + OwnerShell.quote(fifo.path().toString()) + " || exit 126";
                String enter = OwnerShell.enter(setup.workDir(), "hpc: cannot enter " + setup.workDir() + " as "
                        + who.owner().name());
                p = OwnerShell.start(new ProcessBuilder(command), spoolDir,
                        OwnerShell.script(List.of(fromFifo, enter), env, "exec /bin/sh -c \"$1\""));
            } catch (IOException | RuntimeException e) {
                fifo.close();
                throw e;
            }
            input = fifo;
        } else {
            command.addAll(List.of("/bin/sh", "-c", shell));
            ProcessBuilder pb = new ProcessBuilder(command).directory(setup.workDir().toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            p = pb.start();
            input = SessionShell.pipe(p.getOutputStream());
        }
        LOG.info(() -> "session " + o.spawnId() + " of attempt " + o.attemptId() + " started as pid " + p.pid()
                + (o.tty() ? " in a terminal of " + o.rows() + "x" + o.cols() : " reading its standard input"));
        return new Started(new SpawnedCommand(o.spawnId(), o.attemptId(), p, send, timers, grace), input);
    }

    /** Starts a spawned command as {@code who}, with {@code tmp}, made and given to {@code who}, as its TMPDIR. */
    SpawnedCommand spawn(Spawn s, RunAs.Identity who, Path tmp) throws IOException {
        String shell = String.join(" ", s.argv());
        Path dir = workDir(s.workDir(), who);
        Map<String, String> env = TaskEnvironment.base(agentEnvironment);
        env.putAll(s.environment());
        env.putAll(gpus.bind(s.environment())); // the head's GPU positions, as this node's ids
        env.put(SpawnProtocol.ENV_WORKER_NODE, nodeName);
        env.put("TMPDIR", tmp.toString());
        // the job's per-process limits, as on its script (issue 18); set by the owner's own process when the
        // agent is root, so that they are limits the owner cannot raise past their hard values
        List<String> limits = TaskCommand.limitCommand(s.limits());
        List<String> command = new ArrayList<>();
        setsid().ifPresent(command::add);
        Process p;
        if (who.switchUser()) {
            env.putAll(who.login());
            // nothing root starts may see the caller's variables (issue #15): they reach the owner's shell only
            command.addAll(who.prefix());
            command.addAll(OwnerShell.loader());
            command.add(shell);
            String enter = OwnerShell.enter(dir, "hpc: cannot enter " + dir.toAbsolutePath() + " as "
                    + who.owner().name() + ": give a directory the job's owner may enter");
            p = OwnerShell.start(new ProcessBuilder(command), spoolDir,
                    OwnerShell.script(List.of(enter), env, OwnerShell.exec(limits, "/bin/sh -c \"$1\"")));
        } else {
            command.addAll(limits);
            command.addAll(List.of("/bin/sh", "-c", shell));
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().clear();
            pb.environment().putAll(env);
            p = pb.start();
        }
        LOG.info(() -> "spawn " + s.spawnId() + " of attempt " + s.attemptId() + " started as pid " + p.pid() + ": "
                + shell);
        return new SpawnedCommand(s.spawnId(), s.attemptId(), p, send, timers, grace);
    }

    private Path workDir(String asked, RunAs.Identity who) {
        if (!asked.isBlank() && Files.isDirectory(Path.of(asked))) {
            return Path.of(asked);
        }
        String home = runAs.privileged() ? who.login().get("HOME") : agentEnvironment.getOrDefault("HOME", "");
        if (!home.isBlank() && Files.isDirectory(Path.of(home))) {
            return Path.of(home);
        }
        return spoolDir;
    }

    private static Optional<String> setsid() {
        return Executables.first("/usr/bin/setsid", "/bin/setsid").map(Path::toString);
    }
}
