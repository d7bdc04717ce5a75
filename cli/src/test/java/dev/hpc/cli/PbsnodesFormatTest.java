package dev.hpc.cli;

import dev.hpc.api.job.Health;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import java.util.List;
import org.junit.jupiter.api.Test;

import static dev.hpc.cli.TestJobs.aBusyNode;
import static dev.hpc.cli.TestJobs.aDownNode;
import static dev.hpc.cli.TestJobs.aFreeNode;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PbsnodesFormatTest {
    @Test
    void busyNodeInTorqueForm() {
        assertEquals("""
                node1
                     state = job-exclusive
                     power_state = Running
                     np = 2
                     ntype = cluster
                     resources_available.ncpus = 2
                     resources_assigned.ncpus = 2
                     resources_available.mem = 4194304kb
                     resources_assigned.mem = 1048576kb
                     jobs = 42.cluster, 43[1].cluster
                     status = opsys=linux,uname=Linux node1.example,rectime=1795479272,loadave=1.50,\
                availmem=2097152kb,totmem=4194304kb,ncpus=2,state=job-exclusive
                     mom_service_port = 15002
                     mom_manager_port = 15003

                """, PbsnodesFormat.node(aBusyNode("node1", "42.cluster", "43[1].cluster")));
    }

    @Test
    void nodeNeverHeardFromHasNoStatusButItsNote() {
        assertEquals("""
                node9
                     state = down
                     power_state = Running
                     np = 4
                     ntype = cluster
                     resources_available.ncpus = 4
                     resources_assigned.ncpus = 0
                     resources_available.mem = 8388608kb
                     resources_assigned.mem = 0kb
                     mom_service_port = 15002
                     mom_manager_port = 15003
                     note = no heartbeat for 30 s

                """, PbsnodesFormat.node(aDownNode("node9", "no heartbeat for 30 s")));
    }

    /** Issue 18: Torque's properties line, PBS Pro's custom host resources; in -F json too. */
    @Test
    void declaredPropertiesAndHostResourcesAreShown() {
        NodeInfo n = aDownNode("node9", "").withTraits(dev.hpc.api.job.NodeTraits.parse("ib,bigmem",
                List.of("gpu_model=v100"), "--properties", "--resource"));
        String text = PbsnodesFormat.node(n);
        assertEquals(true, text.contains("""
                     np = 4
                     properties = bigmem,ib
                     ntype = cluster
                     resources_available.gpu_model = v100
                     resources_available.ncpus = 4
                """), text);
        java.util.Map<?, ?> json = (java.util.Map<?, ?>) ((java.util.Map<?, ?>) PbsnodesFormat.json(List.of(n), "c",
                false, false, TestJobs.T0).get("nodes")).get("node9");
        assertEquals("bigmem,ib", json.get("properties"));
        java.util.Map<?, ?> available = (java.util.Map<?, ?>) json.get("resources_available");
        assertEquals("v100", available.get("gpu_model"));
        assertEquals("True", available.get("ib"));
        assertEquals(false, PbsnodesFormat.node(aDownNode("node8", "")).contains("properties"));
    }

    @Test
    void failedHealthCheckShowsItsMessage() {
        NodeInfo sick = new NodeInfo("node3", "", NodeState.OFFLINE, 2, 0, 1 << 20, 0,
                new Health(0, 0, 0, false, "disk full, /scratch"), TestJobs.T0, "health check failed", List.of());

        String text = PbsnodesFormat.node(sick);

        assertEquals(true, text.contains(",message=disk full; /scratch,state=offline\n"), text);
    }

    @Test
    void minusLListsOnlyNodesThatTakeNoWork() {
        NodeInfo offline = new NodeInfo("node4", "", NodeState.OFFLINE, 2, 0, 0, 0, Health.UNKNOWN,
                TestJobs.T0, "", List.of());

        assertEquals("""
                node2                down            no heartbeat
                node4                offline
                """, PbsnodesFormat.unavailableList(List.of(aFreeNode("node1"), aDownNode("node2", "no heartbeat"),
                aBusyNode("node3"), offline)));
    }
}
