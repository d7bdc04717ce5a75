package dev.hpc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Helper commands are given up on when they hang with their output open (a hung look-up, a FIFO). */
class BoundedRunTest {
    @Test
    void aCommandThatEndsGivesItsStatusAndOutput() throws Exception {
        BoundedRun.Ran ran = BoundedRun.run(new ProcessBuilder("/bin/sh", "-c", "echo hello; exit 3"),
                Duration.ofSeconds(20), 1024);
        assertFalse(ran.timedOut());
        assertEquals(3, ran.exit());
        assertEquals("hello\n", ran.output());
    }

    @Test
    void aCommandThatHangsWithItsOutputOpenIsGivenUpOnAndKilled(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("pid");
        try {
            // the guard only keeps a regression from hanging the build; the command would run for 10 minutes
            BoundedRun.Ran ran = assertTimeoutPreemptively(Duration.ofMinutes(2), () -> BoundedRun.run(
                    new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + pidFile + "; exec sleep 600"),
                    Duration.ofSeconds(1), 1024));
            assertTrue(ran.timedOut());
            // written before the exec, well within the second the command was given
            Await.until("the command wrote its pid", () -> Files.exists(pidFile));
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            Await.until("the hung command is killed", () -> ProcessHandle.of(pid).map(h -> !ProcessTree.alive(h))
                    .orElse(true));
        } finally {
            if (Files.exists(pidFile)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()))
                        .filter(h -> h.info().command().orElse("").endsWith("sleep"))
                        .ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
