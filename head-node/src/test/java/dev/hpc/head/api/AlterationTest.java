package dev.hpc.head.api;

import dev.hpc.api.job.JobSpec;
import dev.hpc.api.pbs.SubmitDefaults;
import dev.hpc.api.pbs.SubmitParser;
import dev.hpc.api.pbs.SubmitRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 18: qalter -l of a recorded resource changes what is recorded; procs is a node request. */
class AlterationTest {

    private static JobSpec submitted(String... directives) {
        return SubmitParser.parse(new SubmitRequest("#!/bin/bash\n" + String.join("\n", directives) + "\ntrue\n",
                List.of(), "alice", "login1", "/home/alice", Map.of()), SubmitDefaults.STANDARD);
    }

    private static JobSpec altered(JobSpec job, String... options) {
        return Alteration.parse(List.of(options), "alice", "batch").apply(job);
    }

    @Test
    void qalterChangesTheSignalBeforeTheWalltime() {
        JobSpec job = submitted("#SBATCH --signal=B:USR1@120", "#PBS -l walltime=1:00:00");
        assertEquals(Map.of("Resource_List.signal", "TERM@300"), altered(job, "-l", "signal=TERM@5:00").recorded(),
                "issue 19: the Torque form replaces the Slurm one");
    }

    @Test
    void aRecordedResourceIsReplacedAndTheOthersKept() {
        JobSpec job = submitted("#PBS -l vmem=4gb,cput=10:00 -P climate");
        JobSpec after = altered(job, "-l", "vmem=8gb");
        assertEquals(Map.of("Resource_List.vmem", "8gb", "Resource_List.cput", "00:10:00", "project", "climate"),
                after.recorded());
        assertEquals(job.resources(), after.resources());
    }

    @Test
    void procsChangesTheCoresAndANodeRequestDropsIt() {
        JobSpec job = submitted("#PBS -l procs=2");
        JobSpec more = altered(job, "-l", "procs=6");
        assertEquals(6, more.resources().coresPerNode());
        assertEquals("6", more.recorded().get("Resource_List.procs"));
        JobSpec nodes = altered(more, "-l", "nodes=2:ppn=3");
        assertEquals(3, nodes.resources().coresPerNode());
        assertEquals(Map.of(), nodes.recorded());
    }

    @Test
    void theKindOfNodeChangesOnlyWhereTheOptionsNameIt() {
        JobSpec job = submitted("#PBS -l select=1:ncpus=2:gpu_model=v100:fabric=edr", "#PBS -l feature=ib");
        assertEquals("ib", job.resources().constraint().features());
        JobSpec model = altered(job, "-l", "gpu_model=a100");
        assertEquals(Map.of("gpu_model", "a100", "fabric", "edr"), model.resources().constraint().resources());
        assertEquals("ib", model.resources().constraint().features());
        JobSpec feature = altered(model, "-l", "feature=opa|ib");
        assertEquals("opa|ib", feature.resources().constraint().features());
        assertEquals(model.resources().constraint().resources(), feature.resources().constraint().resources());
        JobSpec nodes = altered(feature, "-l", "nodes=2:ppn=2:bigmem");
        assertEquals("bigmem", nodes.resources().constraint().features());
        assertEquals(Map.of(), nodes.resources().constraint().resources(), "a node request says the whole kind");
    }

    @Test
    void qalterChangesSharingAndTheNamedNodeAsItChangesWhatIsRecorded() {
        JobSpec job = submitted("#SBATCH -N 2", "#SBATCH -w n[1-2]", "#SBATCH -x n9");
        JobSpec excl = altered(job, "-l", "place=scatter:excl");
        assertEquals(dev.hpc.api.job.NodeAccess.Sharing.EXCLUSIVE, excl.resources().access().sharing());
        assertEquals("scatter:excl", excl.recorded().get("Resource_List.place"));
        assertEquals(java.util.Set.of("n1", "n2"), excl.resources().access().required(), "the node list is kept");
        JobSpec shared = altered(excl, "-l", "naccesspolicy=shared");
        assertEquals(dev.hpc.api.job.NodeAccess.Sharing.SHARED, shared.resources().access().sharing());
        JobSpec host = altered(shared, "-l", "select=1:ncpus=1:host=n5");
        assertEquals(1, host.resources().nodes());
        assertEquals(java.util.Set.of("n5"), host.resources().access().required());
        assertEquals(java.util.Set.of("n9"), host.resources().access().excluded());
        String why = org.junit.jupiter.api.Assertions.assertThrows(dev.hpc.api.InvalidRequestException.class,
                () -> altered(job, "-l", "nodes=1")).getMessage();
        assertEquals("the job asks for 1 node but names 2 that must all be among them (n1, n2); ask for at least 2 "
                + "nodes or name fewer", why);
    }
}
