package dev.hpc.worker;

import dev.hpc.api.wire.WireMessage.Launch;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.TaskStarted;
import dev.hpc.api.wire.WireMessage.Welcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged agent as a real JVM, stopped with SIGTERM and killed with SIGKILL. */
class WorkerProcessIT {
    @TempDir
    Path tmp;
    private FakeHead head;
    private Process agent;
    private final List<ProcessHandle> leftovers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        head = new FakeHead(r -> Optional.of(new Welcome(1, "head-it", Duration.ofMillis(200))));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null && agent.isAlive()) {
            agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        leftovers.forEach(ProcessHandle::destroyForcibly);
        head.close();
    }

    private Path startAgent() throws IOException {
        String jar = System.getProperty("hpc.worker.jar", "target/hpc-worker.jar");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path out = tmp.resolve("agent.out");
        agent = new ProcessBuilder(java, "-jar", jar, "--name", "itnode", "--heads", head.address(),
                "--spool-dir", tmp.resolve("spool").toString(), "--kill-grace", "1s", "--cores", "2",
                "--memory", "1gb", "--insecure-no-secret", "--allow-root-jobs")
                .redirectOutput(out.toFile())
                .redirectError(tmp.resolve("agent.err").toFile())
                .start();
        Await.until("the ready line", () -> read(out).contains("worker itnode ready, heads " + head.address()));
        head.next(Register.class);
        return out;
    }

    /** Launches a task of three processes and returns them. */
    private List<ProcessHandle> launchTree() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("job"));
        head.send(new Launch(1, aTask(1, "sleep 1000 & sleep 1000 & wait").in(dir).build()));
        long pid = head.next(TaskStarted.class).pid();
        Await.until("bash and two sleeps", () -> ProcessTree.members(pid).size() >= 3);
        List<ProcessHandle> tree = List.copyOf(ProcessTree.members(pid).values());
        leftovers.addAll(tree);
        return tree;
    }

    @Test
    void sigtermStopsTheAgentAndKillsItsTasks() throws Exception {
        startAgent();
        List<ProcessHandle> tree = launchTree();

        agent.destroy(); // SIGTERM
        assertTrue(agent.waitFor(20, TimeUnit.SECONDS), "the agent did not stop on SIGTERM");

        assertTrue(tree.stream().noneMatch(ProcessTree::alive), "a task process outlived the agent: " + tree);
        assertTrue(read(tmp.resolve("agent.err")).contains("worker itnode stopped"), read(tmp.resolve("agent.err")));
    }

    @Test
    void sigkillOrphansTheTasksAsACrashedNodeWould() throws Exception {
        startAgent();
        List<ProcessHandle> tree = launchTree();

        agent.destroyForcibly(); // SIGKILL
        assertTrue(agent.waitFor(10, TimeUnit.SECONDS));

        assertTrue(tree.stream().allMatch(ProcessTree::alive), "the tasks should be orphaned, not killed");
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
