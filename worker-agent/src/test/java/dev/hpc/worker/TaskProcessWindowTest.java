package dev.hpc.worker;

import dev.hpc.api.wire.WireMessage.TaskResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A task's end sweeps its leftovers through the window it was given. */
class TaskProcessWindowTest {

    @Test
    void theLeftoversOfAnEndedTaskAreFoundInItsWindowAndSwept() throws Exception {
        OptionalLong cursor = ProcessTree.pidCursor();
        assumeTrue(cursor.isPresent(), "the kernel shows its pid cursor");
        AtomicInteger asked = new AtomicInteger();
        Process leader = new ProcessBuilder("setsid", "bash", "-c", "sleep 1000 </dev/null >/dev/null 2>&1 & echo $!")
                .start();
        long orphan;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(leader.getInputStream(),
                StandardCharsets.UTF_8))) {
            orphan = Long.parseLong(out.readLine().strip());
        }
        // held from now on: the JDK checks its start time, so a reused pid is never killed
        ProcessHandle orphanHandle = ProcessHandle.of(orphan).orElseThrow();
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
        try {
            TaskProcess task = new TaskProcess(aTask(81, "unused").build(), leader, Path.of("/dev/null"),
                    Path.of("/dev/null"), timers, Duration.ofMillis(200), Clock.systemUTC(), () -> {
                        asked.incrementAndGet();
                        return Optional.of(new ProcessTree.PidWindow(cursor.getAsLong(),
                                ProcessTree.pidCursor().orElseThrow()));
                    });
            task.watch();
            TaskResult result = task.result().get(10, TimeUnit.SECONDS);
            assertEquals(0, result.exitStatus());
            Await.until("the leftover sleep is swept",
                    () -> !ProcessTree.alive(orphanHandle));
            assertTrue(asked.get() > 0, "the sweep asked for the task's window");
        } finally {
            orphanHandle.destroyForcibly();
            timers.shutdownNow();
        }
    }
}
