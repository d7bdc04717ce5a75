package dev.hpc.worker;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.ProcessLimits;
import dev.hpc.api.job.WalltimeSignal;
import dev.hpc.api.pbs.Sizes;
import dev.hpc.api.pbs.Walltimes;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import dev.hpc.api.wire.WireMessage.TaskResult;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One running task attempt: the {@code setsid bash script} process, its walltime timer, the signal it
 * asked for before the walltime ends, and the kill sequence (SIGTERM to the group, the session and
 * every descendant; SIGKILL after the grace period). {@link #result()} completes once: with the
 * script's exit status when it ends by itself, or with {@code 256 + signal} and the kill's reason once the whole tree is gone after a kill.
 * A script that ends by itself still has its leftover processes swept (TERM, then KILL).
 * Timers and kills run on the launcher's scheduler, never on the caller's thread.
 */
public final class TaskProcess implements RunningAttempt {
    public static final int SIGTERM = 15;
    public static final int SIGKILL = 9;
    /** PBS reports an attempt the agent killed as 256 plus the last signal it needed. */
    public static final int SIGNAL_BASE = 256;
    /** A shell, and Java, report a process that a signal ended as 128 plus the signal. */
    static final int SHELL_SIGNAL_BASE = 128;
    static final int SIGXCPU = 24;
    static final int SIGXFSZ = 25;

    private static final Logger LOG = Logger.getLogger(TaskProcess.class.getName());
    private static final long POLL_MILLIS = 50;
    /** How long to wait for processes to vanish after SIGKILL before reporting anyway. */
    private static final Duration AFTER_KILL = Duration.ofSeconds(10);
    /** How often the resident memory of a task with a memory limit is measured. */
    static final Duration MEMORY_SAMPLE = Duration.ofSeconds(1);

    private final LaunchOrder order;
    private final Process process;
    private final long pid;
    private final Path stdoutFile;
    private final Path stderrFile;
    private final ScheduledExecutorService timers;
    private final Duration grace;
    private final Clock clock;
    private final CompletableFuture<TaskResult> result = new CompletableFuture<>();
    private final Map<Long, ProcessHandle> known = new ConcurrentSkipListMap<>();
    /** Where the task's processes are among the pids given out since its start, when that is known. */
    private final Supplier<Optional<ProcessTree.PidWindow>> startedSince;

    private final Object lock = new Object();
    private Optional<EndReason> killReason = Optional.empty();
    private int lastSignal = SIGTERM;
    private Optional<ScheduledFuture<?>> walltimeTimer = Optional.empty();
    /** The status the attempt ends with once killed because its interactive session's shell ended. */
    private OptionalInt sessionStatus = OptionalInt.empty();
    /** How the script was started, for the shell of an interactive session; empty for a simulated one. */
    private volatile Optional<SessionSetup> sessionSetup = Optional.empty();
    private volatile Runnable afterForcedKill = () -> { };

    /**
     * What the shell of an interactive session needs to start exactly as the script did: the owner, the
     * work directory and the whole environment the script got (the job's variables, the PBS set, the owner's
     * login variables).
     */
    record SessionSetup(RunAs.Identity who, Path workDir, Map<String, String> environment) {
        SessionSetup {
            environment = Collections.unmodifiableMap(new TreeMap<>(environment));
        }
    }

    TaskProcess(LaunchOrder order, Process process, Path stdoutFile, Path stderrFile, ScheduledExecutorService timers,
                Duration grace, Clock clock, Supplier<Optional<ProcessTree.PidWindow>> startedSince) {
        this.order = order;
        this.startedSince = startedSince;
        this.process = process;
        this.pid = process.pid();
        this.stdoutFile = stdoutFile;
        this.stderrFile = stderrFile;
        this.timers = timers;
        this.grace = grace;
        this.clock = clock;
    }

    /** Arms the walltime and the exit watch; called once by the launcher right after the start. */
    void watch() {
        if (!order.walltime().isZero() && !order.walltime().isNegative()) {
            ScheduledFuture<?> timer = timers.schedule(() -> {
                LOG.info(() -> "attempt " + order.attemptId() + " (" + order.taskName() + ") exceeded its walltime of "
                        + order.walltime().toSeconds() + " s: killing it");
                kill(EndReason.WALLTIME);
            }, order.walltime().toMillis(), TimeUnit.MILLISECONDS);
            synchronized (lock) {
                walltimeTimer = Optional.of(timer);
            }
        }
        process.onExit().thenRunAsync(this::leaderExited, timers);
        result.whenComplete((r, e) -> walltimeTimer().ifPresent(t -> t.cancel(false)));
        warnBeforeWalltime();
        watchMemory();
    }

    /**
     * Slurm's {@code --signal} and Torque's {@code -l signal}: once per attempt, the asked signal goes out its
     * lead before the walltime ends, measured from the attempt's start here (a head taking over changes nothing),
     * at once when the lead is as long as the walltime. With {@code B:} the batch shell alone gets it, else every
     * process of the tree, as qsig sends it. Not after the attempt ended or once a kill is under way.
     */
    private void warnBeforeWalltime() {
        WalltimeSignal warning = order.warning();
        warning.dueAfter(order.walltime()).ifPresent(due -> {
            ScheduledFuture<?> timer = timers.schedule(() -> {
                try {
                    if (result.isDone() || killReason().isPresent()) {
                        return;
                    }
                    if (warning.batchOnly()) {
                        LOG.info(() -> "attempt " + attemptId() + ": SIG" + warning.signal() + " to the batch shell "
                                + pid + ", " + warning.leadSeconds() + " s before the walltime ends");
                        ProcessTree.signalOnly(process.toHandle(), warning.signal());
                    } else {
                        signalTree(warning.signal(), warning.leadSeconds() + " s before the walltime ends");
                    }
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "signalling attempt " + attemptId() + " before its walltime failed", e);
                }
            }, due.toMillis(), TimeUnit.MILLISECONDS);
            result.whenComplete((r, e) -> timer.cancel(false));
        });
    }

    /**
     * With a memory limit ({@code -l mem}, per node): every {@link #MEMORY_SAMPLE} the resident memory
     * of the task's process tree (VmRSS of each member, from /proc) is added up; over the limit, the
     * task is killed with the reason {@link EndReason#MEMORY}. cgroups v2 are not used (docs/scheduling.md).
     */
    private void watchMemory() {
        long limit = order.memoryPerNode();
        if (limit <= 0) {
            return;
        }
        ScheduledFuture<?> sampler = timers.scheduleWithFixedDelay(() -> {
            try {
                if (result.isDone() || killReason().isPresent()) {
                    return;
                }
                long rss = residentMemory();
                if (rss > limit) {
                    LOG.info(() -> "attempt " + order.attemptId() + " (" + order.taskName() + ") uses " + rss / 1024
                            + " KiB of resident memory, over its limit of " + limit / 1024 + " KiB: killing it");
                    kill(EndReason.MEMORY);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "measuring the memory of attempt " + order.attemptId() + " failed", e);
            }
        }, MEMORY_SAMPLE.toMillis(), MEMORY_SAMPLE.toMillis(), TimeUnit.MILLISECONDS);
        result.whenComplete((r, e) -> sampler.cancel(false));
    }

    /** The resident memory of every process of the task, in bytes. */
    long residentMemory() {
        long total = 0;
        for (long member : ProcessTree.members(pid).keySet()) {
            total += ProcessTree.residentBytes(member);
        }
        return total;
    }

    @Override
    public long pid() {
        return pid;
    }

    public LaunchOrder order() {
        return order;
    }

    public long attemptId() {
        return order.attemptId();
    }

    /** Where the task's standard output went (the asked path, or the spool fallback). */
    public Path stdoutFile() {
        return stdoutFile;
    }

    /** Where the task's standard error went (equal to {@link #stdoutFile()} when joined). */
    public Path stderrFile() {
        return stderrFile;
    }

    /** Completes once, with how the attempt ended; never exceptionally. */
    public CompletableFuture<TaskResult> result() {
        return result;
    }

    /**
     * What ends the attempt's processes that are not its own descendants once SIGKILL went out: a container that
     * lives on under its runtime's monitor. Set before the attempt can be killed.
     */
    void afterForcedKill(Runnable action) {
        afterForcedKill = action;
    }

    void sessionSetup(SessionSetup setup) {
        sessionSetup = Optional.of(setup);
    }

    Optional<SessionSetup> sessionSetup() {
        return sessionSetup;
    }

    /**
     * The shell of the attempt's interactive session ended with {@code status}: the script (which only waits
     * for it) is killed and the attempt ends as if it had exited with that status. A kill under way wins.
     */
    void endSession(int status) {
        synchronized (lock) {
            if (killReason.isPresent() || result.isDone()) {
                return;
            }
            sessionStatus = OptionalInt.of(status);
        }
        kill(EndReason.EXITED);
    }

    @Override
    public String owner() {
        return order.owner();
    }

    /**
     * {@code qsig}: the signal goes to the process group at once and to the members outside it (descendants that
     * left the group or session), in one kill(1). A kill under way is not disturbed; an ended attempt is left be.
     */
    @Override
    public void signal(String signal) {
        timers.execute(() -> {
            try {
                if (result.isDone()) {
                    return;
                }
                signalTree(signal, "qsig");
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "signalling attempt " + attemptId() + " failed", e);
            }
        });
    }

    /** The signal to the process group and to the members outside it, in one kill(1). Scheduler thread only. */
    private void signalTree(String signal, String why) {
        collect();
        List<Long> outsiders = new ArrayList<>();
        for (ProcessHandle h : known.values()) {
            if (h.pid() != pid && !ProcessTree.inGroup(h.pid(), pid)) {
                outsiders.add(h.pid());
            }
        }
        LOG.info(() -> "attempt " + attemptId() + ": SIG" + signal + " to process group " + pid + " "
                + known.keySet() + " (" + why + ")");
        ProcessTree.signalGroupAndOthers(pid, outsiders, signal);
    }

    @Override
    public void kill(EndReason reason) {
        synchronized (lock) {
            if (killReason.isPresent() || result.isDone()) {
                return;
            }
            killReason = Optional.of(reason);
            lastSignal = grace.isZero() ? SIGKILL : SIGTERM;
        }
        timers.execute(() -> {
            try {
                if (grace.isZero()) {
                    forceKill();
                } else {
                    terminate(clock.instant().plus(grace));
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "killing attempt " + attemptId() + " failed; forcing it", e);
                forceKill();
            }
        });
    }

    private Optional<ScheduledFuture<?>> walltimeTimer() {
        synchronized (lock) {
            return walltimeTimer;
        }
    }

    private Optional<EndReason> killReason() {
        synchronized (lock) {
            return killReason;
        }
    }

    /** SIGTERM to the group, then to members outside it; poll until gone or the grace is over. */
    private void terminate(Instant deadline) {
        collect();
        LOG.info(() -> "attempt " + attemptId() + ": SIGTERM to process group " + pid + " " + known.keySet());
        ProcessTree.signalGroup(pid, "TERM");
        signalOutsiders("TERM");
        timers.schedule(() -> awaitTermination(deadline), POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void awaitTermination(Instant deadline) {
        collect();
        if (!process.isAlive() && known.isEmpty()) {
            finishKilled();
        } else if (!clock.instant().isBefore(deadline)) {
            forceKill();
        } else {
            timers.schedule(() -> awaitTermination(deadline), POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void forceKill() {
        synchronized (lock) {
            lastSignal = SIGKILL;
        }
        collect();
        LOG.info(() -> "attempt " + attemptId() + ": SIGKILL to process group " + pid + " " + known.keySet());
        ProcessTree.signalGroup(pid, "KILL");
        process.destroyForcibly();
        signalOutsiders("KILL");
        afterForcedKill.run();
        Instant giveUp = clock.instant().plus(AFTER_KILL);
        timers.schedule(() -> awaitDeath(giveUp), POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void awaitDeath(Instant giveUp) {
        collect();
        if (!process.isAlive() && known.isEmpty()) {
            finishKilled();
        } else if (!clock.instant().isBefore(giveUp)) {
            LOG.warning(() -> "attempt " + attemptId() + ": processes " + known.keySet()
                    + " survive SIGKILL (stuck in the kernel?); reporting the attempt as killed");
            finishKilled();
        } else {
            known.values().forEach(h -> ProcessTree.signal(h, "KILL"));
            timers.schedule(() -> awaitDeath(giveUp), POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void finishKilled() {
        int signal;
        EndReason reason;
        OptionalInt session;
        synchronized (lock) {
            signal = lastSignal;
            reason = killReason.orElse(EndReason.CANCELLED);
            session = sessionStatus;
        }
        if (session.isPresent() && reason == EndReason.EXITED) {
            complete(session.getAsInt(), EndReason.EXITED);
            return;
        }
        complete(SIGNAL_BASE + signal, reason);
    }

    /** The leader ended; unless a kill is under way, report its exit status and sweep what it left. */
    private void leaderExited() {
        if (killReason().isPresent()) {
            return; // the kill sequence reports when the whole tree is gone
        }
        int status = process.exitValue();
        complete(status, EndReason.EXITED, limitNote(status, order.limits()));
        collect();
        if (!known.isEmpty()) {
            LOG.info(() -> "attempt " + attemptId() + " ended leaving processes " + known.keySet() + ": killing them");
            ProcessTree.signalGroup(pid, "TERM");
            signalOutsiders("TERM");
            timers.schedule(this::sweepLeftovers, grace.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void sweepLeftovers() {
        collect();
        if (!known.isEmpty()) {
            ProcessTree.signalGroup(pid, "KILL");
            known.values().forEach(h -> ProcessTree.signal(h, "KILL"));
        }
    }

    private void complete(int exitStatus, EndReason reason) {
        complete(exitStatus, reason, "");
    }

    /**
     * What an exit status says about the job's per-process limits, for the job's comment: a shell reports a
     * command the kernel killed with SIGXCPU (at the CPU-time limit) as 128 + 24 and one killed with SIGXFSZ
     * (writing past the file-size limit) as 128 + 25, and so does the agent when it is the script's own shell.
     * "" for any other status, or when the job had no such limit. A failed allocation under the address-space
     * limit has no status of its own (each program ends its own way), so it is never claimed here.
     */
    static String limitNote(int exitStatus, ProcessLimits limits) {
        if (exitStatus == SHELL_SIGNAL_BASE + SIGXCPU && limits.cpuSeconds() > 0) {
            return "exit status " + exitStatus + " is 128 + SIGXCPU, which the kernel sends a process of the job "
                    + "at its CPU-time limit of " + Walltimes.format(
                            Duration.ofSeconds(limits.cpuSeconds())) + " (-l cput/pcput)";
        }
        if (exitStatus == SHELL_SIGNAL_BASE + SIGXFSZ && limits.fileSize() > 0) {
            return "exit status " + exitStatus + " is 128 + SIGXFSZ, which the kernel sends a process of the job "
                    + "writing past its file-size limit of " + Sizes.format(limits.fileSize())
                    + " (-l file)";
        }
        return "";
    }

    private void complete(int exitStatus, EndReason reason, String detail) {
        TaskResult r = new TaskResult(attemptId(), order.taskName(), exitStatus, reason, clock.instant(), detail);
        if (result.complete(r)) {
            LOG.info(() -> "attempt " + attemptId() + " (" + order.taskName() + ") ended: exit status " + exitStatus
                    + ", " + reason);
        }
    }

    /**
     * Adds every live member of the tree to {@link #known} and drops the dead. Scheduler thread only.
     * Reading every process's stat at each task's end was a sixth of a busy worker's CPU time; a
     * short task's members are found among the few processes started since it was.
     */
    private void collect() {
        known.putAll(ProcessTree.members(pid, startedSince));
        known.values().removeIf(h -> !ProcessTree.alive(h));
        if (!process.isAlive()) {
            known.remove(pid);
        }
    }

    /** Members outside the process group get the signal one by one (the group got it at once). */
    private void signalOutsiders(String signal) {
        for (ProcessHandle h : known.values()) {
            if (h.pid() != pid && !ProcessTree.inGroup(h.pid(), pid)) {
                ProcessTree.signal(h, signal);
            }
        }
    }
}
