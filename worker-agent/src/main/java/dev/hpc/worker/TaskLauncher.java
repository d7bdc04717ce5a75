package dev.hpc.worker;

import dev.hpc.api.EndReason;
import dev.hpc.api.NodeSlot;
import dev.hpc.api.WireMessage.LaunchOrder;
import dev.hpc.api.WireMessage.TaskResult;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

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
 * <p>Spool layout: {@code <spool>/<attemptId>/script}, {@code nodefile}, {@code tmp/} (the task's
 * TMPDIR, removed when the attempt ends), {@code sandbox/} (the work directory of a job with
 * {@code -W sandbox=PRIVATE}, removed likewise) and, only when the asked output file could not be
 * written, {@code stdout} or {@code stderr}. {@link #cleanUp} removes the script, the node file
 * and the directory once the head has the result, but keeps fallback output files.
 */
public final class TaskLauncher implements AutoCloseable {
    /** The exit status of an attempt that could not be started (PBS's JOB_EXEC_FAIL1). */
    public static final int LAUNCH_FAILED_STATUS = -1;

    private static final Logger LOG = Logger.getLogger(TaskLauncher.class.getName());
    private static final Optional<Path> SETSID = firstExecutable("/usr/bin/setsid", "/bin/setsid");
    private static final Optional<Path> BASH = firstExecutable("/bin/bash", "/usr/bin/bash");
    /** util-linux's, the package of setsid and setpriv: sets the job's per-process limits, then runs the script. */
    private static final Optional<Path> PRLIMIT = firstExecutable("/usr/bin/prlimit", "/bin/prlimit");
    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";
    /** In an image, which has its own programs: its shell starts the job's under bash when the image has one. */
    private static final String CONTAINER_SHELL = "/bin/sh";
    private static final String BASH_ELSE_SH =
            "if command -v bash >/dev/null 2>&1; then exec bash \"$0\" \"$@\"; fi; exec /bin/sh \"$0\" \"$@\"";
    /** The directory of an attempt with {@code -W sandbox=PRIVATE}, in its spool directory. */
    static final String SANDBOX = "sandbox";

    private final Path spoolDir;
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
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, "hpc-task-supervisor-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.setRemoveOnCancelPolicy(true);
        this.timers = Executors.unconfigurableScheduledExecutorService(pool);
        this.outputFiles = new OutputFiles(this.spoolDir, nodeName);
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
    public Optional<String> appendMessage(long attemptId, String owner, dev.hpc.api.JobOutput.Stream stream,
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
        return spoolDir.resolve(Long.toString(attemptId));
    }

    /** The result of an attempt that could not be started. */
    /**
     * {@code setsid INTERPRETER [ARG] SCRIPT}, as the kernel reads a {@code #!} line (everything after the
     * interpreter is one argument). The script is not executed itself: executing a file that another
     * thread's fork may still hold open for writing fails with ETXTBSY (exit 126) when tasks start
     * side by side.
     */
    static List<String> interpreterCommand(Path setsid, String scriptText, Path script) {
        int end = scriptText.indexOf('\n');
        String line = (end < 0 ? scriptText.substring(2) : scriptText.substring(2, end)).strip();
        List<String> command = new java.util.ArrayList<>();
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
        RunAs.Identity who = runAs.identify(order.owner(), dev.hpc.api.JobSpec.shellFor(order.group(), nodeName));
        Path dir = attemptDir(order.attemptId());
        if (who.switchUser()) {
            SpoolDir.closedToOthers(dir.getParent()).ifPresent(closed -> {
                throw new LaunchFailedException("the worker's spool " + dir.getParent() + " is under " + closed
                        + ", which other users may not enter, so " + order.owner() + "'s job could not reach its "
                        + "script: start the worker with --spool-dir in a directory others may enter, such as "
                        + "/var/spool/hpc/" + nodeName);
            });
        }
        try {
            Files.createDirectories(dir);
            if (runAs.privileged()) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            }
        } catch (IOException e) {
            throw new LaunchFailedException("cannot create the spool directory " + dir + " of attempt "
                    + order.attemptId() + ": " + e.getMessage(), e);
        }
        Outputs outputs = openOutputs(order, dir, who);
        outputFiles.record(order.attemptId(), outputs.stdout(), outputs.stderr(),
                who.switchUser() ? who.owner().uid() : -1);
        try {
            Path workDir = order.files().privateSandbox() ? sandbox(dir, who) : workDir(order, outputs, who);
            Path script = dir.resolve("script");
            Path nodeFile = dir.resolve("nodefile");
            Path tmpDir = dir.resolve("tmp");
            writeFile(script, order.script(), "rwx------");
            who.give(script, "rwx------");
            writeFile(nodeFile, String.join("\n", nodeFileLines(order, nodeName)) + "\n", "rw-r--r--");
            Files.createDirectories(tmpDir);
            who.give(tmpDir, "rwx------");
            Path setsid = SETSID.orElseThrow(() -> new LaunchFailedException("no setsid command in /usr/bin or /bin"));
            Path bash = BASH.orElseThrow(() -> new LaunchFailedException("no bash in /bin or /usr/bin"));

            // qsub -S names the shell, as in PBS; else a script that names its interpreter
            // (#!/usr/bin/env python3) runs under it, as when run by hand; any other runs under bash,
            // the shell PBS users expect.
            String shell = dev.hpc.api.JobSpec.shellFor(order.shells(), nodeName);
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
            Map<String, String> env = new java.util.LinkedHashMap<>(gpus.bind(environment(order, nodeName,
                    agentEnvironment, workDir, nodeFile, tmpDir)));
            if (who.switchUser()) {
                // after the submission's variables: a job cannot claim to be someone else (a task that runs as
                // the agent itself has the agent's, which are its owner's)
                env.putAll(who.login());
            }
            env.putAll(spawnSupport.prepare(order, dir, nodeFileLines(order, nodeName), env));
            Optional<ContainerRuntime> runtime = Optional.empty();
            if (!order.container().isEmpty()) {
                try {
                    // checked at qsub; checked again here, where it becomes an argument of the runtime
                    dev.hpc.api.ContainerImage.check(order.container());
                } catch (dev.hpc.api.InvalidRequestException e) {
                    throw new LaunchFailedException(e.getMessage(), e);
                }
                runtime = Optional.of(containers.orElseThrow(() -> new LaunchFailedException("the job runs in "
                        + "container image " + order.container() + ", but node " + nodeName + " has no container "
                        + "runtime (start its worker where podman or apptainer is installed)")));
                command = inContainer(runtime.get(), order, who, env, workDir, dir, tmpDir, command);
            }
            List<String> limits = runtime.filter(ContainerRuntime::appliesLimits).isPresent() ? List.of()
                    : limitCommand(order.limits(), PRLIMIT);
            ProcessBuilder pb;
            String handOver = "";
            if (who.switchUser()) {
                // nothing root starts may see the job's variables (issue #15): they reach the owner's shell only
                pb = new ProcessBuilder(asOwner(who, command))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD);
                handOver = ownerScript(who, outputs, workDir, env, limits, order.files());
            } else {
                List<String> limited = new ArrayList<>(command);
                limited.addAll(1, limits);
                limited.addAll(1, umaskCommand(order.files()));
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
            explain(who, outputs, e.getMessage());
            throw e;
        } catch (IOException | RuntimeException e) {
            String why = "cannot start attempt " + order.attemptId() + " (" + order.taskName() + ") on node " + nodeName
                    + ": " + e.getMessage();
            explain(who, outputs, why);
            throw new LaunchFailedException(why, e);
        }
    }

    /**
     * {@code setsid RUNTIME ... IMAGE INTERPRETER SCRIPT ARGS}: the script of {@code command} (setsid, interpreter,
     * script, arguments) run in the order's image. A script without {@code #!} and {@code -S} runs under bash
     * where the image has it, else under its {@code /bin/sh}: many small images have no bash.
     */
    private static List<String> inContainer(ContainerRuntime runtime, LaunchOrder order, RunAs.Identity who,
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
     * Removes a container whose Podman client a kill ended with SIGKILL, as the job's owner: the container runs on
     * under Podman's monitor, which is not one of the task's processes.
     */
    private void removeContainer(RunAs.Identity who, List<String> remove, long attemptId) {
        List<String> command = new ArrayList<>(who.prefix());
        command.addAll(remove);
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(new java.io.File("/"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().clear();
            pb.environment().putAll(OwnerShell.ROOT_ENVIRONMENT);
            Process p = pb.start();
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
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
        Path dir = attemptDir(attemptId);
        try {
            Files.deleteIfExists(dir.resolve("script"));
            Files.deleteIfExists(dir.resolve("nodefile"));
            Files.deleteIfExists(dir.resolve(SpawnSupport.OPEN_MPI_HOSTFILE));
            Files.deleteIfExists(dir.resolve(SpawnSupport.MPICH_HOSTFILE));
            if (runAs.privileged()) {
                // the owner's TMPDIR was emptied as the owner when the task ended; root walks no tree a job wrote
                for (String owners : List.of("tmp", SANDBOX)) {
                    try {
                        Files.deleteIfExists(dir.resolve(owners));
                    } catch (java.nio.file.DirectoryNotEmptyException e) {
                        LOG.fine(() -> "the " + owners + " directory of attempt " + attemptId + " is not empty yet; "
                                + "left for its owner's clean-up");
                    }
                }
            } else {
                deleteTree(dir.resolve("tmp"));
                deleteTree(dir.resolve(SANDBOX));
            }
            try (Stream<Path> left = Files.list(dir)) {
                if (left.findAny().isEmpty()) {
                    Files.deleteIfExists(dir);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "cannot clean up " + dir, e);
        }
    }

    @Override
    public void close() {
        timers.shutdownNow();
    }

    // ---- the parts of a launch

    /**
     * Where the output goes; {@code stdout == stderr} when the streams are joined. {@code notes} are the
     * {@code hpc:} lines the task's error file starts with (written by the owner's shell when switching).
     */
    private record Outputs(Path stdout, Path stderr, List<String> notes) {
        boolean joined() {
            return stdout.equals(stderr);
        }
    }

    /** {@code setsid setpriv ... -- /bin/sh -s -- COMMAND...}: everything else reaches the owner's shell on its stdin. */
    private static List<String> asOwner(RunAs.Identity who, List<String> command) {
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
    private static String ownerScript(RunAs.Identity who, Outputs outputs, Path workDir, Map<String, String> env,
                                      List<String> limits, dev.hpc.api.FileModes files) {
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
        StringBuilder last = new StringBuilder("exec");
        limits.forEach(word -> last.append(' ').append(OwnerShell.quote(word)));
        return OwnerShell.script(steps, env, last.append(" \"$@\"").toString());
    }

    private static String notesText(List<String> notes) {
        StringBuilder b = new StringBuilder();
        notes.forEach(n -> b.append("hpc: ").append(n).append('\n'));
        return b.toString();
    }

    private Outputs openOutputs(LaunchOrder order, Path dir, RunAs.Identity who) {
        List<String> notes = new ArrayList<>();
        Outputs outputs = switch (order.join()) {
            case STDOUT_STDERR -> {
                Path p = open(order, order.stdoutPath(), dir.resolve("stdout"), notes, who);
                yield new Outputs(p, p, notes);
            }
            case STDERR_STDOUT -> {
                Path p = open(order, order.stderrPath(), dir.resolve("stderr"), notes, who);
                yield new Outputs(p, p, notes);
            }
            case NONE -> new Outputs(open(order, order.stdoutPath(), dir.resolve("stdout"), notes, who),
                    open(order, order.stderrPath(), dir.resolve("stderr"), notes, who), notes);
        };
        if (!who.switchUser()) {
            notes.forEach(note -> explain(who, outputs, note));
        }
        return outputs;
    }

    /**
     * Creates the asked file as the owner with the job's umask, and truncates it unless the job appends
     * ({@code --open-mode=append}); when that fails, the spool fallback, and says so.
     * The fallback is created by the agent in the attempt's directory, which only the agent can write,
     * and then given to the owner.
     */
    private Path open(LaunchOrder order, String requested, Path fallback, List<String> notes, RunAs.Identity who) {
        if (!requested.isBlank()) {
            Path p = resolve(order, requested);
            Optional<String> refused = OwnerFiles.open(who, p, order.files());
            if (refused.isEmpty()) {
                return p;
            }
            String note = "cannot write " + p + " (" + refused.get() + "); this output goes to " + nodeName + ":"
                    + fallback + " instead";
            LOG.warning(() -> "attempt " + order.attemptId() + ": " + note);
            notes.add(note);
        } else {
            notes.add("no output file was given; this output goes to " + nodeName + ":" + fallback);
        }
        try {
            truncate(fallback);
            who.give(fallback, "rw-------");
            return fallback;
        } catch (IOException e) {
            throw new LaunchFailedException("cannot write the output of attempt " + order.attemptId() + " to "
                    + requested + " nor to " + fallback + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code -W sandbox=PRIVATE}: the attempt's own directory {@code sandbox} in its spool directory, the owner's
     * with mode 0700, where the job starts (its {@code PBS_JOBDIR}) whatever {@code -d} said, as OpenPBS runs such
     * a job in a directory it makes for it. Removed with what the job left in it when the attempt ends; the output
     * files still go where {@code -o} and {@code -e} say.
     */
    private static Path sandbox(Path attemptDir, RunAs.Identity who) throws IOException {
        Path sandbox = attemptDir.resolve(SANDBOX);
        Files.createDirectories(sandbox);
        who.give(sandbox, "rwx------");
        return sandbox;
    }

    private Path workDir(LaunchOrder order, Outputs outputs, RunAs.Identity who) {
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
                explain(who, outputs, note);
            }
            return Path.of(order.submitDir());
        }
        throw new LaunchFailedException("neither the work directory '" + order.workDir()
                + "' nor the submit directory '" + order.submitDir() + "' exists on node " + nodeName);
    }

    private static Path resolve(LaunchOrder order, String path) {
        Path p = Path.of(path);
        if (p.isAbsolute() || order.submitDir().isBlank()) {
            return p;
        }
        return Path.of(order.submitDir()).resolve(p);
    }

    /** One {@code hpc:} line in the task's error file; best effort. */
    private void explain(RunAs.Identity who, Outputs outputs, String message) {
        OwnerFiles.append(who, outputs.stderr(), "hpc: " + message + "\n")
                .ifPresent(why -> LOG.fine(() -> "cannot write to " + outputs.stderr() + ": " + why));
    }

    // ---- pure parts, visible to tests

    /**
     * The lines of PBS_NODEFILE: one per processor, each node of the allocation repeated for the
     * MPI ranks per node when more than one is asked, else for the cores per node.
     */
    static List<String> nodeFileLines(LaunchOrder order, String localNode) {
        List<NodeSlot> slots = slots(order, localNode);
        List<String> lines = new ArrayList<>();
        for (NodeSlot slot : slots) {
            int repeat = order.mpiprocsPerNode() > 1 ? order.mpiprocsPerNode() : coresOf(order, slot);
            for (int i = 0; i < repeat; i++) {
                lines.add(slot.node());
            }
        }
        return lines;
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
    static List<String> limitCommand(dev.hpc.api.ProcessLimits limits) {
        return limitCommand(limits, PRLIMIT);
    }

    /** {@link #limitCommand(dev.hpc.api.ProcessLimits)} with the prlimit this node has, or none. */
    static List<String> limitCommand(dev.hpc.api.ProcessLimits limits, Optional<Path> prlimit) {
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
    static List<String> umaskCommand(dev.hpc.api.FileModes files) {
        if (files.umask().isEmpty()) {
            return List.of();
        }
        return List.of(OwnerShell.SHELL, "-c", "umask \"$1\" || exit 126; shift; exec \"$@\"", "hpc-umask",
                files.umaskText());
    }

    /** The task's environment: a small base, then the submission's variables, then the PBS set. */
    static Map<String, String> environment(LaunchOrder order, String nodeName, Map<String, String> agentEnvironment,
                                           Path workDir, Path nodeFile, Path tmpDir) {
        Map<String, String> env = new TreeMap<>();
        for (String name : List.of("HOME", "USER", "LOGNAME", "LANG")) {
            Optional.ofNullable(agentEnvironment.get(name)).ifPresent(v -> env.put(name, v));
        }
        env.put("PATH", Optional.ofNullable(agentEnvironment.get("PATH")).orElse(DEFAULT_PATH));
        env.put("SHELL", "/bin/bash");
        env.putAll(order.environment());

        List<NodeSlot> slots = slots(order, nodeName);
        int totalCores = slots.stream().mapToInt(s -> coresOf(order, s)).sum();
        env.put("PBS_JOBID", order.taskName());
        env.put("PBS_JOBNAME", order.jobName());
        env.put("PBS_O_WORKDIR", order.submitDir());
        env.put("PBS_O_HOST", order.submitHost());
        env.put("PBS_O_QUEUE", order.queue());
        env.put("PBS_QUEUE", order.queue());
        env.put("PBS_NODEFILE", nodeFile.toString());
        env.put("PBS_NUM_NODES", Integer.toString(slots.size()));
        env.put("PBS_NUM_PPN", Integer.toString(coresOf(order, slots.get(0))));
        env.put("PBS_NP", Integer.toString(totalCores));
        env.put("PBS_TASKNUM", "1");
        env.put("PBS_NODENUM", "0");
        env.put("PBS_ENVIRONMENT", "PBS_BATCH");
        env.put("PBS_JOBDIR", workDir.toString());
        if (!order.walltime().isZero() && !order.walltime().isNegative()) {
            env.put("PBS_WALLTIME", Long.toString(order.walltime().toSeconds()));
        }
        if (order.arrayIndex() >= 0) {
            env.put("PBS_ARRAYID", Integer.toString(order.arrayIndex()));
            env.put("PBS_ARRAY_INDEX", Integer.toString(order.arrayIndex()));
        }
        env.put("TMPDIR", tmpDir.toString());
        env.put("HPC_WORKER_NODE", nodeName);
        return env;
    }

    private static List<NodeSlot> slots(LaunchOrder order, String localNode) {
        return order.nodes().isEmpty() ? List.of(new NodeSlot(localNode, order.coresPerNode(), 0)) : order.nodes();
    }

    private static int coresOf(LaunchOrder order, NodeSlot slot) {
        if (order.coresPerNode() > 0) {
            return order.coresPerNode();
        }
        return Math.max(1, slot.cores());
    }

    // ---- files

    private static void truncate(Path p) throws IOException {
        Files.newOutputStream(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING).close();
    }

    private static void writeFile(Path p, String content, String permissions) throws IOException {
        Files.writeString(p, content, StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the default permissions stay
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.log(Level.FINE, "cannot delete " + p, e);
                }
            });
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "cannot delete " + root, e);
        }
    }

    private static Optional<Path> firstExecutable(String... candidates) {
        for (String c : candidates) {
            if (Files.isExecutable(Path.of(c))) {
                return Optional.of(Path.of(c));
            }
        }
        return Optional.empty();
    }
}
