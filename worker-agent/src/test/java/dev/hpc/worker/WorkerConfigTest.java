package dev.hpc.worker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerConfigTest {

    @Test
    void sizesAcceptUnitsAndBytes() {
        assertEquals(4L << 30, ConfigValues.parseBytes("--memory", "4gb"));
        assertEquals(4L << 30, ConfigValues.parseBytes("--memory", "4G"));
        assertEquals(512L << 20, ConfigValues.parseBytes("--memory", "512mb"));
        assertEquals(1536L << 10, ConfigValues.parseBytes("--memory", "1536kb"));
        assertEquals(123456789L, ConfigValues.parseBytes("--memory", "123456789"));
        assertEquals(2L << 40, ConfigValues.parseBytes("--memory", "2tb"));
        WorkerConfigException e = assertThrows(WorkerConfigException.class,
                () -> ConfigValues.parseBytes("--memory", "lots"));
        assertTrue(e.getMessage().contains("4gb"), e.getMessage());
        assertEquals("4gb", ConfigValues.formatBytes(4L << 30));
    }

    @Test
    void durationsAcceptUnitsAndBareSeconds() {
        assertEquals(Duration.ofSeconds(5), ConfigValues.parseDuration("--kill-grace", "5"));
        assertEquals(Duration.ofSeconds(5), ConfigValues.parseDuration("--kill-grace", "5s"));
        assertEquals(Duration.ofMillis(500), ConfigValues.parseDuration("--kill-grace", "500ms"));
        assertEquals(Duration.ofMinutes(2), ConfigValues.parseDuration("--kill-grace", "2m"));
        assertThrows(WorkerConfigException.class, () -> ConfigValues.parseDuration("--kill-grace", "-1s"));
    }

    @Test
    void defaultsFillWhatTheFlagsLeaveOut() {
        WorkerConfig c = WorkerConfig.builder().nodeName("n1").heads(List.of("h1:8080,h2:8081")).build();
        assertEquals("n1", c.nodeName());
        assertEquals(List.of(new HeadAddress("h1", 8080), new HeadAddress("h2", 8081)), c.heads());
        assertEquals(Runtime.getRuntime().availableProcessors(), c.cores());
        assertEquals(NodeFacts.totalMemory(), c.memoryBytes());
        assertTrue(c.memoryBytes() > 0);
        Path spool = RunAs.processUid() == 0 ? Path.of("/var/spool/hpc", "n1")
                : Path.of(System.getProperty("user.home"), ".hpc", "spool", "n1");
        assertEquals(spool, c.spoolDir(), "root's home is closed to the users its jobs run as");
        assertEquals(Duration.ofSeconds(5), c.killGrace());
        assertEquals(Duration.ofMillis(100), c.reconnectMin());
        assertEquals(Duration.ofSeconds(2), c.reconnectMax());
        assertEquals(Duration.ofSeconds(1), c.heartbeatInterval());
        assertTrue(!WorkerConfig.builder().heads(List.of("h:1")).build().nodeName().isBlank());
    }

    /** Issue 18: what kind of node this is, declared as Torque's nodes file and PBS Pro's custom resources do. */
    @Test
    void propertiesAndHostResourcesAreDeclaredAndChecked() {
        WorkerConfig c = WorkerConfig.builder().nodeName("n1").heads(List.of("h:1")).properties("ib,bigmem")
                .properties("gpu").resource("gpu_model=v100").resource("fabric=edr").build();
        assertEquals(java.util.Set.of("bigmem", "gpu", "ib"), c.traits().properties());
        assertEquals(java.util.Map.of("gpu_model", "v100", "fabric", "edr"), c.traits().resources());
        assertEquals(dev.hpc.api.job.NodeTraits.NONE, WorkerConfig.builder().heads(List.of("h:1")).build().traits());

        WorkerConfigException e = assertThrows(WorkerConfigException.class, () -> WorkerConfig.builder()
                .heads(List.of("h:1")).properties("i b").build());
        assertTrue(e.getMessage().contains("--properties: 'i b' is not a node property"), e.getMessage());
        e = assertThrows(WorkerConfigException.class, () -> WorkerConfig.builder().heads(List.of("h:1"))
                .resource("gpu_model").build());
        assertTrue(e.getMessage().contains("--resource 'gpu_model' must be NAME=VALUE, e.g. gpu_model=v100"),
                e.getMessage());
        e = assertThrows(WorkerConfigException.class, () -> WorkerConfig.builder().heads(List.of("h:1"))
                .generic("scratch=100gb").resource("scratch=fast").build());
        assertTrue(e.getMessage().contains("--resource scratch is also a --generic resource"), e.getMessage());
    }

    @Test
    void flagsOverrideTheDefaults() {
        WorkerConfig c = WorkerConfig.builder().nodeName("n1").heads(List.of("[::1]:9000")).cores(3).memory("2gb")
                .spoolDir(Path.of("/tmp/spool-x")).killGrace("250ms").build();
        assertEquals(new HeadAddress("::1", 9000), c.heads().get(0));
        assertEquals("[::1]:9000", c.heads().get(0).toString());
        assertEquals(3, c.cores());
        assertEquals(2L << 30, c.memoryBytes());
        assertEquals(Path.of("/tmp/spool-x"), c.spoolDir());
        assertEquals(Duration.ofMillis(250), c.killGrace());
    }

    /** The head refuses a registration under a longer name, so the worker says so before it starts. */
    @Test
    void aNodeNameLongerThanAHostNameMayBeIsRefused() {
        String longest = "n".repeat(253);
        assertEquals(longest, WorkerConfig.builder().nodeName(longest).heads(List.of("h:1")).build().nodeName());
        WorkerConfigException e = assertThrows(WorkerConfigException.class, () -> WorkerConfig.builder()
                .nodeName(longest + "n").heads(List.of("h:1")).build());
        assertTrue(e.getMessage().contains("at most 253 characters"), e.getMessage());
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        WorkerConfigException e = assertThrows(WorkerConfigException.class, () -> WorkerConfig.builder()
                .nodeName("bad name").heads(List.of("nohost", "h:99999", "h:80", "h:80")).cores(0).memory("x")
                .killGrace("soon").build());
        String m = e.getMessage();
        for (String expected : List.of("--name 'bad name'", "'nohost' must be host:port", "99999",
                "lists h:80 twice", "--cores 0", "--memory 'x'", "--kill-grace 'soon'")) {
            assertTrue(m.contains(expected), "missing '" + expected + "' in:\n" + m);
        }
    }

    @Test
    void headsAreRequired() {
        WorkerConfigException e = assertThrows(WorkerConfigException.class,
                () -> WorkerConfig.builder().nodeName("n1").build());
        assertTrue(e.getMessage().contains("--heads is required"), e.getMessage());
    }
}
