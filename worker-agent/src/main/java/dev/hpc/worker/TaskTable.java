package dev.hpc.worker;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.wire.WireMessage.RunningTask;
import dev.hpc.api.wire.WireMessage.TaskResult;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The attempts this worker knows, in the order they arrived: launching (no pid yet), running,
 * finished but not yet acknowledged by a head, and acknowledged. An attempt id moves only forward
 * through these, so a second launch of the same attempt is recognised and ignored. Confined to the
 * verticle's event loop; no I/O.
 */
public final class TaskTable {

    /** What a kill found. */
    public enum KillOutcome {
        /** The attempt is running: its kill sequence started. */
        KILLING,
        /** The attempt is still being launched: it is killed as soon as it has started. */
        PENDING,
        /** Not running here (unknown, or ended already): nothing to do. */
        NOT_RUNNING
    }

    private record Launching(String taskName, Optional<EndReason> pendingKill) {
    }

    private record Running(String taskName, RunningAttempt attempt) {
    }

    private final int acknowledgedMemory;
    private final Map<Long, Launching> launching = new LinkedHashMap<>();
    private final Map<Long, Running> running = new LinkedHashMap<>();
    private final Map<Long, TaskResult> unacknowledged = new LinkedHashMap<>();
    private final Set<Long> acknowledged = new LinkedHashSet<>();

    /** @param acknowledgedMemory how many acknowledged attempt ids to remember for ignoring repeats */
    public TaskTable(int acknowledgedMemory) {
        this.acknowledgedMemory = acknowledgedMemory;
    }

    public TaskTable() {
        this(100_000);
    }

    /** Records a launch; false when the attempt is already launching, running or finished. */
    public boolean beginLaunch(long attemptId, String taskName) {
        if (knows(attemptId)) {
            return false;
        }
        launching.put(attemptId, new Launching(taskName, Optional.empty()));
        return true;
    }

    /**
     * The launch succeeded; returns the kill that arrived meanwhile, which the caller applies.
     * An attempt that is not launching is a bug.
     */
    public Optional<EndReason> started(long attemptId, RunningAttempt attempt) {
        Launching l = launching.remove(attemptId);
        if (l == null) {
            throw new IllegalStateException("should never happen: attempt " + attemptId + " started but was not launching");
        }
        running.put(attemptId, new Running(l.taskName(), attempt));
        return l.pendingKill();
    }

    /** The attempt ended (or failed to launch): its result waits for an acknowledgement. */
    public void finished(TaskResult result) {
        launching.remove(result.attemptId());
        running.remove(result.attemptId());
        if (!acknowledged.contains(result.attemptId())) {
            unacknowledged.put(result.attemptId(), result);
        }
    }

    public KillOutcome kill(long attemptId, EndReason reason) {
        Running r = running.get(attemptId);
        if (r != null) {
            r.attempt().kill(reason);
            return KillOutcome.KILLING;
        }
        Launching l = launching.get(attemptId);
        if (l != null) {
            if (l.pendingKill().isEmpty()) {
                launching.put(attemptId, new Launching(l.taskName(), Optional.of(reason)));
            }
            return KillOutcome.PENDING;
        }
        return KillOutcome.NOT_RUNNING;
    }

    /** The running attempt with this id, if it runs here (not while it is still being launched). */
    public Optional<RunningAttempt> runningAttempt(long attemptId) {
        Running r = running.get(attemptId);
        return r == null ? Optional.empty() : Optional.of(r.attempt());
    }

    /** A head has the result; true when it was waiting for that acknowledgement. */
    public boolean acknowledge(long attemptId) {
        if (unacknowledged.remove(attemptId) == null) {
            return false;
        }
        acknowledged.add(attemptId);
        if (acknowledged.size() > acknowledgedMemory) {
            Iterator<Long> oldest = acknowledged.iterator();
            oldest.next();
            oldest.remove();
        }
        return true;
    }

    /** Kills every launching and running attempt (the agent is stopping). */
    public void killAll(EndReason reason) {
        for (Long id : new ArrayList<>(launching.keySet())) {
            kill(id, reason);
        }
        running.values().forEach(r -> r.attempt().kill(reason));
    }

    /** Launching attempts appear with pid 0: started, pid not known yet. */
    public List<RunningTask> running() {
        List<RunningTask> list = new ArrayList<>();
        launching.forEach((id, l) -> list.add(new RunningTask(id, l.taskName(), 0)));
        running.forEach((id, r) -> list.add(new RunningTask(id, r.taskName(), r.attempt().pid())));
        return list;
    }

    public List<Long> runningIds() {
        List<Long> ids = new ArrayList<>(launching.keySet());
        ids.addAll(running.keySet());
        return ids;
    }

    /** Whether the attempt is being launched here (not started yet). */
    boolean launching(long attemptId) {
        return launching.containsKey(attemptId);
    }

    /** The attempt if it runs here as a real process (not a simulated one). */
    Optional<TaskProcess> process(long attemptId) {
        return Optional.ofNullable(running.get(attemptId)).map(r -> r.attempt())
                .filter(a -> a instanceof TaskProcess).map(a -> (TaskProcess) a);
    }

    public Optional<Long> pid(long attemptId) {
        return Optional.ofNullable(running.get(attemptId)).map(r -> r.attempt().pid());
    }

    /** Results not yet acknowledged, oldest first. */
    public List<TaskResult> unacknowledged() {
        return List.copyOf(unacknowledged.values());
    }

    /** Nothing launching or running. */
    public boolean idle() {
        return launching.isEmpty() && running.isEmpty();
    }

    private boolean knows(long attemptId) {
        return launching.containsKey(attemptId) || running.containsKey(attemptId)
                || unacknowledged.containsKey(attemptId) || acknowledged.contains(attemptId);
    }
}
