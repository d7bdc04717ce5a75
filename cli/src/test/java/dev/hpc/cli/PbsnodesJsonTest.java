package dev.hpc.cli;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static dev.hpc.cli.TestJobs.T0;
import static dev.hpc.cli.TestJobs.aBusyNode;
import static dev.hpc.cli.TestJobs.aDownNode;
import static dev.hpc.cli.TestJobs.aFreeNode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@code pbsnodes -a[S[j]] -F json}, field by field against OpenPBS's src/cmds/pbsnodes.c. */
class PbsnodesJsonTest {
    private static JsonFields read(boolean summary, boolean jobs) {
        return Json.readObject(PbsJson.print(PbsnodesFormat.json(List.of(aFreeNode("node1"),
                aBusyNode("node2", "42.cluster", "42.cluster", "43[2].cluster"), aDownNode("node3", "no heartbeat")),
                "cluster", summary, jobs, T0)));
    }

    @Test
    void everyAttributeAsOpenPbsWritesIt() {
        JsonFields doc = read(false, false);
        assertEquals(List.of("timestamp", "pbs_version", "pbs_server", "nodes"), List.copyOf(doc.raw().keySet()));
        assertEquals(T0.getEpochSecond(), doc.longValue("timestamp"));
        assertEquals("cluster", doc.string("pbs_server"));
        JsonFields busy = doc.object("nodes").object("node2");
        assertEquals("node2.example", busy.string("Mom"));
        assertEquals(15002, busy.longValue("Port"));
        assertEquals("PBS", busy.string("ntype"));
        assertEquals("job-exclusive", busy.string("state"));
        assertEquals(2, busy.longValue("pcpus"));
        assertEquals(List.of("42.cluster", "43[2].cluster"), busy.strings("jobs"));
        JsonFields available = busy.object("resources_available");
        assertEquals(2, available.longValue("ncpus"));
        assertEquals("4194304kb", available.string("mem"));
        assertEquals("node2.example", available.string("host"));
        assertEquals("node2", available.string("vnode"));
        JsonFields assigned = busy.object("resources_assigned");
        assertEquals(2, assigned.longValue("ncpus"));
        assertEquals("1048576kb", assigned.string("mem"));
        assertEquals(T0.getEpochSecond(), busy.longValue("last_state_change_time"));

        JsonFields free = doc.object("nodes").object("node1");
        assertEquals("free", free.string("state"));
        assertFalse(free.has("jobs"), "OpenPBS has no jobs attribute on a node without jobs");
        assertEquals(Map.of(), free.object("resources_assigned").raw(), "zero assignments are left out");

        JsonFields down = doc.object("nodes").object("node3");
        assertEquals("down", down.string("state"));
        assertEquals("no heartbeat", down.string("comment"));
        assertEquals("node3", down.string("Mom"));
    }

    /** What Open OnDemand asks for: pbsnodes -aSj -F json. */
    @Test
    void jobSummaryAsOpenOnDemandReadsIt() {
        JsonFields nodes = read(true, true).object("nodes");
        JsonFields busy = nodes.object("node2");
        assertEquals(List.of("State", "Total Jobs", "Running Jobs", "Suspended Jobs", "mem f/t", "ncpus f/t",
                "nmics f/t", "ngpus f/t", "jobs"), List.copyOf(busy.raw().keySet()));
        assertEquals("job-exclusive", busy.string("State"));
        assertEquals(2, busy.longValue("Total Jobs"));
        assertEquals(2, busy.longValue("Running Jobs"));
        assertEquals(0, busy.longValue("Suspended Jobs"));
        assertEquals("3gb/4gb", busy.string("mem f/t"));
        assertEquals("0/2", busy.string("ncpus f/t"));
        assertEquals("0/0", busy.string("ngpus f/t"));
        assertEquals(List.of("42.cluster", "43[2].cluster"), busy.strings("jobs"));
        JsonFields free = nodes.object("node1");
        assertEquals("2/2", free.string("ncpus f/t"));
        assertEquals(List.of(), free.strings("jobs"));
    }

    @Test
    void summaryWithoutJobs() {
        JsonFields node = read(true, false).object("nodes").object("node3");
        assertEquals(List.of("State", "OS", "hardware", "host", "queue", "Memory", "ncpus", "nmics", "ngpus",
                "comment"), List.copyOf(node.raw().keySet()));
        assertEquals("down", node.string("State"));
        assertEquals("8gb", node.string("Memory"));
        assertEquals(4, node.longValue("ncpus"));
        assertEquals("no heartbeat", node.string("comment"));
    }

    /** OpenPBS divides by 1024 with its own rounding until at most 999 is left. */
    @Test
    void sizesScaleAsOpenPbsSummary() {
        assertEquals("0kb", PbsnodesFormat.scaled(0));
        assertEquals("999kb", PbsnodesFormat.scaled(999));
        assertEquals("1mb", PbsnodesFormat.scaled(1000));
        assertEquals("4gb", PbsnodesFormat.scaled(4L << 20));
        assertEquals("2mb", PbsnodesFormat.scaled(1536));
    }
}
