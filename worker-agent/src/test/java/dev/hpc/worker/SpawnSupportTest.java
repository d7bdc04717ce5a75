package dev.hpc.worker;

import dev.hpc.api.wire.WireMessage.LaunchOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 6: what a task gets to spawn commands and run MPI across its allocation. */
class SpawnSupportTest {
    @TempDir
    Path tmp;

    private Path installation() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("hpc"));
        Path agent = Files.createDirectories(home.resolve("bin")).resolve("hpc-rsh");
        Files.writeString(agent, "#!/bin/sh\n");
        agent.toFile().setExecutable(true);
        return home;
    }

    @Test
    void aMultiNodeTaskGetsHostFilesAndTheAgent() throws Exception {
        Path home = installation();
        LaunchOrder order = aTask(9, "true").nodes(2, 1, "node1", "node2", "node3")
                .environment(Map.of("HPC_NODE_HOSTS", "node1=vm,node2=vm,node3=vm")).build();
        Map<String, String> env = new HashMap<>(order.environment());
        env.put("PATH", "/usr/bin:/bin");
        Path dir = Files.createDirectories(tmp.resolve("attempt"));
        Map<String, String> add = new SpawnSupport("h1:1,h2:2", Optional.of(home))
                .prepare(order, dir, TaskEnvironment.nodeFileLines(order, "node1"), env);

        assertEquals("h1:1,h2:2", add.get("HPC_SERVER"));
        assertEquals("9", add.get("HPC_ATTEMPT_ID"));
        assertEquals(order.taskName(), add.get("HPC_JOB_ID"));
        assertEquals("/usr/bin:/bin:" + home.resolve("bin"), add.get("PATH"));
        String agent = home.resolve("bin/hpc-rsh").toString();
        assertEquals(agent, add.get("OMPI_MCA_plm_rsh_agent"));
        assertEquals("1", add.get("OMPI_MCA_plm_rsh_no_tree_spawn"));
        assertEquals("1", add.get("OMPI_MCA_orte_leave_session_attached"));
        assertEquals("rsh", add.get("HYDRA_LAUNCHER"));
        assertEquals(agent, add.get("HYDRA_LAUNCHER_EXEC"));
        assertEquals("none", add.get("HYDRA_ENV"));
        assertEquals("node1 slots=2\nnode2 slots=2\nnode3 slots=2\n", Files.readString(Path.of(add.get("HPC_HOSTFILE"))));
        assertEquals("node1:2\nnode2:2\nnode3:2\n", Files.readString(Path.of(add.get("HPC_MPICH_HOSTFILE"))));
        assertEquals(add.get("HPC_HOSTFILE"), add.get("OMPI_MCA_orte_default_hostfile"));
        assertEquals(add.get("HPC_MPICH_HOSTFILE"), add.get("HYDRA_HOST_FILE"));
        assertEquals("self,tcp", add.get("OMPI_MCA_btl"), "several nodes on one machine: no shared memory between them");
        assertEquals("lo", add.get("HYDRA_IFACE"));
    }

    @Test
    void nodesOnDifferentMachinesKeepMpisOwnTransports() throws Exception {
        LaunchOrder order = aTask(9, "true").nodes(1, 1, "a", "b")
                .environment(Map.of("HPC_NODE_HOSTS", "a=host1,b=host2")).build();
        Map<String, String> add = new SpawnSupport("h:1", Optional.of(installation()))
                .prepare(order, Files.createDirectories(tmp.resolve("x")), TaskEnvironment.nodeFileLines(order, "a"),
                        new HashMap<>(order.environment()));
        assertFalse(add.containsKey("OMPI_MCA_btl"));
        assertFalse(add.containsKey("HYDRA_IFACE"));
        assertTrue(add.containsKey("HPC_HOSTFILE"));
    }

    @Test
    void theJobsOwnSettingsWinAndASingleNodeTaskHasNoHostFile() throws Exception {
        LaunchOrder order = aTask(9, "true").environment(Map.of("OMPI_MCA_plm_rsh_agent", "/my/agent")).build();
        Map<String, String> add = new SpawnSupport("h:1", Optional.of(installation()))
                .prepare(order, Files.createDirectories(tmp.resolve("y")),
                        TaskEnvironment.nodeFileLines(order, "node1"), new HashMap<>(order.environment()));
        assertFalse(add.containsKey("OMPI_MCA_plm_rsh_agent"));
        assertFalse(add.containsKey("HPC_HOSTFILE"));
        assertEquals("rsh", add.get("HYDRA_LAUNCHER"));
    }

    @Test
    void oneMachineNeedsEveryHostKnown() {
        assertTrue(SpawnSupport.oneMachine("a=vm,b=vm", 2));
        assertFalse(SpawnSupport.oneMachine("a=vm,b=", 2));
        assertFalse(SpawnSupport.oneMachine("a=vm", 1));
        assertFalse(SpawnSupport.oneMachine("", 2));
    }

    @Test
    void theInstallationIsFoundByPropertyEnvironmentOrJar() throws Exception {
        Path home = installation();
        assertEquals(Optional.of(home), SpawnSupport.findHome(home.toString(), "", Optional.empty()));
        assertEquals(Optional.of(home), SpawnSupport.findHome("", home.toString(), Optional.empty()));
        Path jar = home.resolve("worker-agent/target/hpc-worker.jar");
        assertEquals(Optional.of(home), SpawnSupport.findHome("", "", Optional.of(jar)));
        assertEquals(Optional.empty(), SpawnSupport.findHome(tmp.toString(), "", Optional.empty()));
    }
}
