package dev.hpc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 4: one run of the node-health-check script. */
class HealthCheckTest {
    @TempDir
    Path dir;

    private Path script(String body) throws IOException {
        Path p = dir.resolve("check.sh");
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private HealthCheck.Verdict run(String body, Duration timeout) throws IOException {
        return new HealthCheck(script(body), timeout, dir).run();
    }

    @Test
    void exitZeroPasses() throws IOException {
        assertEquals(HealthCheck.Verdict.PASS, run("echo all good; exit 0", Duration.ofSeconds(5)));
    }

    @Test
    void aFailureCarriesTheFirstLineOfOutputAsNhcPrintsIt() throws IOException {
        HealthCheck.Verdict v = run("echo; echo 'ERROR nhc: /scratch is 99% full' >&2; echo second; exit 1",
                Duration.ofSeconds(5));
        assertFalse(v.passed());
        assertEquals("ERROR nhc: /scratch is 99% full", v.message());
    }

    @Test
    void aSilentFailureSaysItsStatus() throws IOException {
        HealthCheck.Verdict v = run("exit 3", Duration.ofSeconds(5));
        assertEquals(new HealthCheck.Verdict(false, "health check check.sh exited with status 3"), v);
    }

    @Test
    void aCheckThatRunsTooLongFailsAndItsProcessesAreKilled() throws IOException {
        Path pidFile = dir.resolve("child.pid");
        long start = System.nanoTime();
        HealthCheck.Verdict v = run("echo checking; sleep 60 & echo $! > " + pidFile + "; wait",
                Duration.ofMillis(500));
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
        assertFalse(v.passed());
        assertEquals("health check timed out after 500 ms: checking", v.message());
        long child = Long.parseLong(Files.readString(pidFile).trim());
        Await.until("the check's child " + child + " to be killed",
                () -> !ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void theScriptGetsTheFixedEnvironmentNotTheAgents() throws IOException {
        // root runs it on a real node: nothing the agent was started with may steer it (issue #15)
        HealthCheck.Verdict v = run("/usr/bin/env | /usr/bin/grep -v '^PWD=' | /usr/bin/sort | /usr/bin/tr '\\n' ' '; exit 1",
                Duration.ofSeconds(5));
        assertEquals("PATH=/usr/sbin:/usr/bin:/sbin:/bin", v.message());
    }

    @Test
    void aScriptThatCannotRunFailsWithWhy() {
        HealthCheck.Verdict v = new HealthCheck(dir.resolve("missing.sh"), Duration.ofSeconds(1), dir).run();
        assertFalse(v.passed());
        assertTrue(v.message().startsWith("cannot run the health check"), v.message());
    }

    @Test
    void theConfigurationChecksTheScriptAndTheDurations() throws IOException {
        Path ok = script("exit 0");
        WorkerConfig c = WorkerConfig.builder().heads(java.util.List.of("h:1")).memory("1gb").healthCheck(ok)
                .healthInterval("2s").healthTimeout("500ms").build();
        assertEquals(ok, c.healthCheck().orElseThrow());
        assertEquals(Duration.ofSeconds(2), c.healthInterval());
        assertEquals(Duration.ofMillis(500), c.healthTimeout());
        WorkerConfig defaults = WorkerConfig.builder().heads(java.util.List.of("h:1")).memory("1gb").build();
        assertTrue(defaults.healthCheck().isEmpty());
        assertEquals(Duration.ofSeconds(30), defaults.healthInterval());
        assertEquals(Duration.ofSeconds(10), defaults.healthTimeout());

        Path plain = dir.resolve("plain.sh");
        Files.writeString(plain, "exit 0\n");
        WorkerConfigException e = org.junit.jupiter.api.Assertions.assertThrows(WorkerConfigException.class,
                () -> WorkerConfig.builder().heads(java.util.List.of("h:1")).memory("1gb").healthCheck(plain)
                        .healthInterval("soon").build());
        assertTrue(e.getMessage().contains("is not executable: chmod +x it"), e.getMessage());
        assertTrue(e.getMessage().contains("--health-interval 'soon'"), e.getMessage());
        WorkerConfigException alone = org.junit.jupiter.api.Assertions.assertThrows(WorkerConfigException.class,
                () -> WorkerConfig.builder().heads(java.util.List.of("h:1")).memory("1gb").healthTimeout("5s").build());
        assertTrue(alone.getMessage().contains("need --health-check"), alone.getMessage());
    }
}
