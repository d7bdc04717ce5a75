package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.api.pbs.SubmitDefaults;
import dev.hpc.api.pbs.SubmitParser;
import dev.hpc.api.pbs.SubmitRequest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: exclusive nodes ({@code place=excl}, {@code naccesspolicy}, {@code --exclusive}), node
 * lists ({@code --nodelist}, {@code --exclude}, {@code host=}) and {@code -W group_list} are read into
 * what the head and the worker apply; wrong values are refused saying what to write.
 */
class NodeAccessTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-10T12:00:00Z"), ZoneOffset.UTC);

    private static JobSpec spec(String script, String... options) {
        return SubmitParser.parse(new SubmitRequest("#!/bin/bash\n" + script + "\nhostname\n", List.of(options),
                "alice", "login1", "/home/alice", Map.of()), SubmitDefaults.STANDARD, CLOCK);
    }

    private static Resources parsed(String script, String... options) {
        return spec(script, options).resources();
    }

    private static String refusal(String script, String... options) {
        return assertThrows(InvalidRequestException.class, () -> parsed(script, options)).getMessage();
    }

    @Test
    void slurmHostListsExpandRangesAndKeepLeadingZeros() {
        assertEquals(Set.of("node1", "node2", "node3", "node5"), NodeAccess.parseHostList("node[1-3],node5", "-w"));
        assertEquals(List.of("gpu01", "gpu02", "gpu09", "gpu10", "n7"),
                List.copyOf(NodeAccess.parseHostList("gpu[01-02,09-10],n7", "-w")));
        assertEquals(Set.of("a1-ib", "a2-ib"), NodeAccess.parseHostList("a[1-2]-ib", "-w"));
        assertEquals("--nodelist=node[3-1] has the range 3-1 going down; write names and ranges like "
                + "node[1-3,5],gpu01", assertThrows(InvalidRequestException.class,
                () -> NodeAccess.parseHostList("node[3-1]", "--nodelist")).getMessage());
        for (String bad : List.of("node[1-", "node]1", "a,,b", "a,", "node[x]", "n[1-2][3]", "n[[1]]", " ")) {
            assertThrows(InvalidRequestException.class, () -> NodeAccess.parseHostList(bad, "-w"), bad);
        }
        assertTrue(assertThrows(InvalidRequestException.class, () -> NodeAccess.parseHostList("./hosts", "-w"))
                .getMessage().contains("reading node names from a file is not supported"));
        assertTrue(assertThrows(InvalidRequestException.class, () -> NodeAccess.parseHostList("n[1-999999]", "-w"))
                .getMessage().contains("naming more than"));
    }

    @Test
    void everyWayOfAskingForExclusiveNodes() {
        assertEquals(NodeAccess.Sharing.SHARED, parsed("").access().sharing());
        for (String d : List.of("#PBS -l place=excl", "#PBS -l place=scatter:excl", "#PBS -l place=pack:excl",
                "#PBS -l place=exclhost", "#PBS -l naccesspolicy=singlejob", "#SBATCH --exclusive",
                "#SBATCH --exclusive=mcs")) {
            assertEquals(NodeAccess.Sharing.EXCLUSIVE, parsed(d).access().sharing(), d);
        }
        assertEquals(NodeAccess.Sharing.USER, parsed("#SBATCH --exclusive=user").access().sharing());
        assertEquals(NodeAccess.Sharing.USER, parsed("#PBS -l naccesspolicy=singleuser").access().sharing());
        assertEquals(NodeAccess.Sharing.SHARED, parsed("#PBS -l place=scatter").access().sharing());
        // the last one written wins, the command line last of all
        assertEquals(NodeAccess.Sharing.SHARED, parsed("#PBS -l place=excl", "-l", "place=shared").access().sharing());
        assertEquals("excl", spec("#PBS -l place=excl").recorded().get("Resource_List.place"));
        assertEquals("True", spec("#SBATCH --exclusive").recorded().get("sbatch.exclusive"));
    }

    @Test
    void wrongSharingValuesAreRefusedWithWhatToWrite() {
        assertEquals("line 2: -l place=excl:bogus: place=excl:bogus: 'bogus' is not a placement; write "
                + "[free|pack|scatter|vscatter][:excl|exclhost|shared], e.g. place=scatter:excl",
                refusal("#PBS -l place=excl:bogus"));
        assertTrue(refusal("#PBS -l naccesspolicy=lonely").contains("write singlejob (nodes of the job's own), "
                + "singleuser (shared only with your jobs) or shared"));
        assertTrue(refusal("#SBATCH --exclusive=group").contains("write --exclusive, --exclusive=user or "
                + "--exclusive=mcs"));
    }

    @Test
    void nodeListsNameRequiredAndExcludedNodes() {
        Resources r = parsed("#SBATCH -w node[1-3]");
        assertEquals(Set.of("node1", "node2", "node3"), r.access().required());
        assertEquals(3, r.nodes(), "a node list without a node count asks for as many nodes as it names");
        Resources more = parsed("#SBATCH -N 4\n#SBATCH --nodelist=node[1-2]\n#SBATCH -x node9");
        assertEquals(4, more.nodes());
        assertEquals(Set.of("node1", "node2"), more.access().required());
        assertEquals(Set.of("node9"), more.access().excluded());
        assertTrue(more.access().allows("node5"));
        assertEquals(false, more.access().allows("node9"));
        Resources tasks = parsed("#SBATCH -n 6\n#SBATCH -w n[1-3]");
        assertEquals(3, tasks.nodes());
        assertEquals(2, tasks.coresPerNode(), "six tasks spread over the three nodes named");
        assertEquals("line 2: -N 1: the job has 1 node but line 3: -w n[1-2] names 2 that must all "
                + "be among them (n1, n2); ask for at least 2 nodes or name fewer",
                refusal("#SBATCH -N 1\n#SBATCH -w n[1-2]"));
        assertTrue(refusal("#SBATCH -w n[1-2]\n#SBATCH -x n2").contains("node n2 is both required (--nodelist, "
                + "host=) and excluded (--exclude); name it in one of them"));
    }

    @Test
    void pbsHostNamesTheNodeAndSelectChunksEachTheirs() {
        assertEquals(Set.of("node07"), parsed("#PBS -l host=node07").access().required());
        Resources r = parsed("#PBS -l select=1:ncpus=2:host=a1+1:ncpus=2:host=a2+1:ncpus=2");
        assertEquals(3, r.nodes());
        assertEquals(Set.of("a1", "a2"), r.access().required());
        assertTrue(refusal("#PBS -l select=1:ncpus=2:host=a1+1:ncpus=2:host=a1").contains("names host a1 in two "
                + "chunks"));
        assertTrue(refusal("#PBS -l host=no/such").contains("is not a node name"));
        assertTrue(refusal("#PBS -l nodes=1\n#PBS -l host=a\n#SBATCH -w b").contains("names 2 that must all be "
                + "among them"));
    }

    @Test
    void theRestApiFormCarriesTheAccessAndOmitsItWhenDefault() {
        Resources r = parsed("#SBATCH -N 3\n#SBATCH --exclusive=user\n#SBATCH -w n1\n#SBATCH -x n[8-9]");
        Map<String, Object> m = Codec.toMap(r);
        assertEquals("user", m.get("exclusive"));
        assertEquals(List.of("n1"), m.get("nodeList"));
        assertEquals(List.of("n8", "n9"), m.get("excludeNodes"));
        assertEquals(r, Codec.readResources(Json.readObject(Json.write(m))));
        Map<String, Object> plain = Codec.toMap(parsed(""));
        assertTrue(!plain.containsKey("exclusive") && !plain.containsKey("nodeList")
                && !plain.containsKey("excludeNodes"), plain.toString());
        assertTrue(assertThrows(InvalidRequestException.class, () -> Codec.readResources(Json.readObject(
                "{\"nodes\":1,\"exclusive\":\"yes\"}"))).getMessage().contains("field 'exclusive' must be"));
    }

    @Test
    void groupListIsCheckedAndSentToTheWorker() {
        assertEquals("proj", spec("#PBS -W group_list=proj").recorded().get(JobSpec.GROUP_LIST));
        assertEquals("proj", JobSpec.shellFor("other@n2,proj", "n1"));
        assertEquals("other", JobSpec.shellFor("other@n2,proj", "n2"));
        assertTrue(assertThrows(InvalidRequestException.class, () -> spec("#PBS -W group_list=-x"))
                .getMessage().contains("'-x' is not a group name"));
    }
}
