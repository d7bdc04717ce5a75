package dev.hpc.worker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * How the interactive sessions asked for in an attempt learn where its script runs ({@link TaskProcess.SessionSetup};
 * empty: it does not run here). A session asked for while its attempt is still launching waits for it to start,
 * or to fail to. Event loop only.
 */
final class WaitingSessions {
    private final TaskTable tasks;
    /** Sessions asked for while their attempt was still launching, by attempt. */
    private final Map<Long, List<CompletableFuture<Optional<TaskProcess.SessionSetup>>>> sessionsWaiting =
            new HashMap<>();

    WaitingSessions(TaskTable tasks) {
        this.tasks = tasks;
    }

    /** The setup of a session in the attempt: now, or once the attempt has started or failed to. */
    CompletableFuture<Optional<TaskProcess.SessionSetup>> setup(long attemptId) {
        CompletableFuture<Optional<TaskProcess.SessionSetup>> setup = new CompletableFuture<>();
        if (tasks.launching(attemptId)) {
            // the head counts the attempt as running once it sent the launch: the shell waits for the script
            sessionsWaiting.computeIfAbsent(attemptId, id -> new ArrayList<>()).add(setup);
        } else {
            setup.complete(tasks.process(attemptId).flatMap(TaskProcess::sessionSetup));
        }
        return setup;
    }

    /** The attempt started or failed to: the sessions asked for while it was launching start (or are refused). */
    void settled(long attemptId) {
        List<CompletableFuture<Optional<TaskProcess.SessionSetup>>> waiting = sessionsWaiting.remove(attemptId);
        if (waiting != null) {
            Optional<TaskProcess.SessionSetup> setup = tasks.process(attemptId).flatMap(TaskProcess::sessionSetup);
            waiting.forEach(f -> f.complete(setup));
        }
    }
}
