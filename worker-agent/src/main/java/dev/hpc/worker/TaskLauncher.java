package dev.hpc.worker;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.ContainerImage;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.JobOutput;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import dev.hpc.api.wire.WireMessage.TaskResult;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starts task attempts: writes the script and the node file into the attempt's spool directory,
 * opens the output files, builds the PBS environment and starts {@code setsid bash script}, so
 * that the task is a session and process group of its own whose id is its pid. Blocking: call it
 * off the event loop.
 *
 * <p>Tasks run as their owner ({@link RunAs}). An agent running as root starts them with
 * {@code setsid setpriv --reuid --regid --groups -- /bin/sh -s -- bash SCRIPT} in {@code /} and with a fixed
 * {@code PATH} alone ({@link OwnerShell}): the shell, already the owner, reads from its standard input the
 * commands that open the output files, enter the work directory and export the job's variables, and only
 * then runs the script. So the job's environment never reaches a program that runs as root (issue #15),
 * and a job writes and enters only where its owner may (the agent checks each asked output path
 * beforehand as the owner too, to fall back to the spool in time). The attempt's directory stays root's
 * (0711: reachable, not listable, not writable), its script, TMPDIR and fallback output files are the
 * owner's.
 *
 * <p>The parts: {@link AttemptSpool} (the attempt's directory, its layout and clean-up),
 * {@link AttemptOutputs} (the output files, or their fallbacks), {@link TaskEnvironment} (the variables and the
 * node file) and {@link TaskCommand} (the command line, and what the owner's shell reads).
 */
public final class TaskLauncher implements AutoCloseable {
    /** The exit status of an attempt that could not be started (PBS's JOB_EXEC_FAIL1). */
    public static final int LAUNCH_FAILED_STATUS = -1;

    private static final Logger LOG = Logger.getLogger(TaskLauncher.class.getName());

    private final Path spoolDir;
    /** The attempts' directories in the spool. */
    private final AttemptSpool spool;
    private final String nodeName;
    private final Duration killGrace;
    private final Map<String, String> agentEnvironment;
    private GpuDevices gpus = GpuDevices.NONE;
    /** Runs the scripts of jobs that name an image; none on a node without a runtime. */
    private Optional<ContainerRuntime> containers = Optional.empty();
    private final Clock clock;
    private final ScheduledExecutorService timers;
    /** Where each attempt's output went, for reads by a head (hpc peek). */
    private final OutputFiles outputFiles;
    /** The variables and host files for spawning and MPI (docs/mpi.md). */
    private SpawnSupport spawnSupport = SpawnSupport.none();
    /** Who tasks run as; a refused owner fails the launch. */
    private final RunAs runAs;

    /**
     * @param agentEnvironment the agent's own environment, from which HOME, USER, LOGNAME, PATH and
     *                         LANG pass to tasks
     */
    public TaskLauncher(Path spoolDir, String nodeName, Duration killGrace, Map<String, String> agentEnvironment,
                        Clock clock) {
        // a personal agent: root's jobs run when the agent is root (tests run as whoever runs them)
        this(spoolDir, nodeName, killGrace, agentEnvironment, clock,
                RunAs.forThisProcess(nodeName, true, new OwnerDirectory(clock)));
    }

    TaskLauncher(Path spoolDir, String nodeName, Duration killGrace, Map<String, String> agentEnvironment,
                 Clock clock, RunAs runAs) {
        this.runAs = runAs;
        this.spoolDir = spoolDir.toAbsolutePath().normalize();
        this.nodeName = nodeName;
        this.killGrace = killGrace;
        this.agentEnvironment = Map.copyOf(agentEnvironment);
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.timers = Daemons.timers(2, r -> Daemons.thread(r, "hpc-task-supervisor-" + n.incrementAndGet()));
        this.outputFiles = new OutputFiles(this.spoolDir, nodeName);
        this.spool = new AttemptSpool(this.spoolDir, nodeName, runAs);
    }

    public static TaskLauncher create(WorkerConfig config, Clock clock) {
        return new TaskLauncher(config.spoolDir(), config.nodeName(), config.killGrace(), System.getenv(), clock,
                RunAs.forThisProcess(config.nodeName(), config.allowRootJobs(), new OwnerDirectory(clock)))
                .withSpawnSupport(SpawnSupport.create(config)).withGpuDevices(config.gpus())
                .withContainerRuntime(config.containerRuntime());
    }

    /** This node's GPUs: their ids replace the positions the head puts in the job's GPU variables. */
    TaskLauncher withGpuDevices(GpuDevices devices) {
        this.gpus = devices;
        return this;
    }

    /** This node's container runtime, which runs the scripts of jobs that name an image. */
    TaskLauncher withContainerRuntime(Optional<ContainerRuntime> runtime) {
        this.containers = runtime;
        return this;
    }

    /** Gives tasks what they need to spawn commands and run MPI across their allocation (docs/mpi.md). */
    TaskLauncher withSpawnSupport(SpawnSupport support) {
        this.spawnSupport = support;
        support.home().ifPresentOrElse(
                h -> LOG.info(() -> "tasks get the MPI agent " + h.resolve(SpawnSupport.AGENT)),
                () -> LOG.warning(() -> "no bin/hpc-rsh found (set -Dhpc.home or HPC_HOME): tasks can spawn "
                        + "through hpc dsh, but mpirun is not set up to use the agent"));
        return this;
    }

    /** The output files of the attempts launched here, for reads by a head. */
    public OutputFiles outputFiles() {
        return outputFiles;
    }

    /**
     * {@code qmsg}: appends {@code text} and a newline to the file the attempt's {@code stream} goes to, as the
     * job's owner (so a link the job put in its place leads only where the owner may write). Blocking; the reason
     * when it could not be written.
     */
    public Optional<String> appendMessage(long attemptId, String owner, JobOutput.Stream stream,
                                          String text) {
        Optional<Path> file = outputFiles.file(attemptId, stream);
        if (file.isEmpty()) {
            return Optional.of("node " + nodeName + " does not know where attempt " + attemptId + " writes its "
                    + stream.wireName());
        }
        try {
            return OwnerFiles.append(runAs.identify(owner), file.get(), text + "\n");
        } catch (RuntimeException e) {
            return Optional.of(e.getMessage());
        }
    }

    public Path attemptDir(long attemptId) {
        return spool.attemptDir(attemptId);
    }

    /** The result of an attempt that could not be started. */
    public TaskResult launchFailed(LaunchOrder order, String why) {
        return new TaskResult(order.attemptId(), order.taskName(), LAUNCH_FAILED_STATUS, EndReason.LAUNCH_FAILED,
                clock.instant(), why);
    }

    /** Who tasks run as here. */
    RunAs runAs() {
        return runAs;
    }

    /**
     * Starts the attempt. Throws {@link LaunchFailedException} (after writing the explanation into
     * the task's error file where possible) when it cannot be started.
     */
    public TaskProcess launch(LaunchOrder order) {
        RunAs.Identity who = runAs.identify(order.owner(), JobSpec.shellFor(order.group(), nodeName));
        Path dir = spool.create(order, who);
        AttemptOutputs outputs = AttemptOutputs.open(order, dir, who, nodeName);
        outputFiles.record(order.attemptId(), outputs.stdout(), outputs.stderr(),
                who.switchUser() ? who.owner().uid() : -1);
        try {
            Path workDir = order.files().privateSandbox() ? AttemptSpool.sandbox(dir, who)
                    : workDir(order, outputs, who);
            Path script = dir.resolve("script");
            Path nodeFile = dir.resolve("nodefile");
            Path tmpDir = dir.resolve("tmp");
            AttemptSpool.writeFile(script, order.script(), "rwx------");
            who.give(script, "rwx------");
            AttemptSpool.writeFile(nodeFile, String.join("\n", TaskEnvironment.nodeFileLines(order, nodeName)) + "\n",
                    "rw-r--r--");
            Files.createDirectories(tmpDir);
            who.give(tmpDir, "rwx------");
            List<String> command = TaskCommand.forScript(order, script, nodeName);
            Map<String, String> env = new LinkedHashMap<>(gpus.bind(TaskEnvironment.environment(order,
                    nodeName, agentEnvironment, workDir, nodeFile, tmpDir)));
            if (who.switchUser()) {
                // after the submission's variables: a job cannot claim to be someone else (a task that runs as
                // the agent itself has the agent's, which are its owner's)
                env.putAll(who.login());
            }
            env.putAll(spawnSupport.prepare(order, dir, TaskEnvironment.nodeFileLines(order, nodeName), env));
            Optional<ContainerRuntime> runtime = Optional.empty();
            if (!order.container().isEmpty()) {
                try {
                    // checked at qsub; checked again here, where it becomes an argument of the runtime
                    ContainerImage.check(order.container());
                } catch (InvalidRequestException e) {
                    throw new LaunchFailedException(e.getMessage(), e);
                }
                runtime = Optional.of(containers.orElseThrow(() -> new LaunchFailedException("the job runs in "
                        + "container image " + order.container() + ", but node " + nodeName + " has no container "
                        + "runtime (start its worker where podman or apptainer is installed)")));
                command = TaskCommand.inContainer(runtime.get(), order, who, env, workDir, dir, tmpDir, command);
            }
            List<String> limits = runtime.filter(ContainerRuntime::appliesLimits).isPresent() ? List.of()
                    : TaskCommand.limitCommand(order.limits());
            ProcessBuilder pb;
            String handOver = "";
            if (who.switchUser()) {
                // nothing root starts may see the job's variables (issue #15): they reach the owner's shell only
                pb = new ProcessBuilder(TaskCommand.asOwner(who, command))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD);
                handOver = TaskCommand.ownerScript(who, outputs, workDir, env, limits, order.files());
            } else {
                List<String> limited = new ArrayList<>(command);
                limited.addAll(1, limits);
                limited.addAll(1, TaskCommand.umaskCommand(order.files()));
                pb = new ProcessBuilder(limited)
                        .directory(workDir.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(outputs.stdout().toFile()));
                if (outputs.joined()) {
                    pb.redirectErrorStream(true);
                } else {
                    pb.redirectError(ProcessBuilder.Redirect.appendTo(outputs.stderr().toFile()));
                }
                pb.environment().clear();
                pb.environment().putAll(env);
            }

            // the clock first: a window's age is never taken as younger than it is
            long startedNanos = System.nanoTime();
            OptionalLong cursorBeforeStart = ProcessTree.pidCursor();
            Process process = who.switchUser() ? OwnerShell.start(pb, spoolDir, handOver) : pb.start();
            TaskProcess task = new TaskProcess(order, process, outputs.stdout(), outputs.stderr(), timers, killGrace,
                    clock, () -> ProcessTree.startedSince(cursorBeforeStart, System.nanoTime() - startedNanos));
            task.sessionSetup(new TaskProcess.SessionSetup(who, workDir, env));
            runtime.flatMap(r -> r.removeCommand(order.attemptId(), who.login())).ifPresent(remove ->
                    task.afterForcedKill(() -> removeContainer(who, remove, order.attemptId())));
            task.watch();
            task.result().whenCompleteAsync((r, e) -> {
                OwnerFiles.deleteTree(who, tmpDir);
                if (order.files().privateSandbox()) {
                    OwnerFiles.deleteTree(who, workDir);
                }
            }, timers);
            LOG.info(() -> "attempt " + order.attemptId() + " (" + order.taskName() + ") started as pid " + task.pid()
                    + " in " + workDir);
            return task;
        } catch (LaunchFailedException e) {
            outputs.explain(who, e.getMessage());
            throw e;
        } catch (IOException | RuntimeException e) {
            String why = "cannot start attempt " + order.attemptId() + " (" + order.taskName() + ") on node " + nodeName
                    + ": " + e.getMessage();
            outputs.explain(who, why);
            throw new LaunchFailedException(why, e);
        }
    }

    /**
     * Removes a container whose Podman client a kill ended with SIGKILL, as the job's owner: the container runs on
     * under Podman's monitor, which is not one of the task's processes.
     */
    private void removeContainer(RunAs.Identity who, List<String> remove, long attemptId) {
        List<String> command = new ArrayList<>(who.prefix());
        command.addAll(remove);
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(new File("/"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().clear();
            pb.environment().putAll(OwnerShell.ROOT_ENVIRONMENT);
            Process p = pb.start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                LOG.warning(() -> "attempt " + attemptId + ": removing its container took over 30 s; left to Podman");
            } else {
                LOG.info(() -> "attempt " + attemptId + ": removed its container " + ContainerRuntime.containerName(
                        attemptId) + " (exit " + p.exitValue() + ")");
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "attempt " + attemptId + ": cannot remove its container", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Removes what the attempt left in the spool, except output that had nowhere else to go. */
    public void cleanUp(long attemptId) {
        spool.cleanUp(attemptId);
    }

    @Override
    public void close() {
        timers.shutdownNow();
    }

    // ---- the parts of a launch

    private Path workDir(LaunchOrder order, AttemptOutputs outputs, RunAs.Identity who) {
        if (!order.workDir().isBlank() && Files.isDirectory(Path.of(order.workDir()))) {
            return Path.of(order.workDir());
        }
        if (!order.submitDir().isBlank() && Files.isDirectory(Path.of(order.submitDir()))) {
            String note = "the work directory '" + order.workDir() + "' does not exist on " + nodeName
                    + "; running in the submit directory " + order.submitDir();
            LOG.warning(() -> "attempt " + order.attemptId() + ": " + note);
            if (who.switchUser()) {
                outputs.notes().add(note);
            } else {
                outputs.explain(who, note);
            }
            return Path.of(order.submitDir());
        }
        throw new LaunchFailedException("neither the work directory '" + order.workDir()
                + "' nor the submit directory '" + order.submitDir() + "' exists on node " + nodeName);
    }
}
