package dev.hpc.cli;

import dev.hpc.api.job.Dependency;
import dev.hpc.api.job.DependencyType;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static dev.hpc.cli.TestJobs.T0;
import static dev.hpc.cli.TestJobs.aRunningJob;
import static dev.hpc.cli.TestJobs.anArrayJob;
import static dev.hpc.cli.TestJobs.slot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QstatFullFormatTest {
    private static final Instant NOW = T0.plus(Duration.ofHours(1));
    private static final ZoneId UTC = ZoneOffset.UTC;

    private static Job aFinishedJobWithEverything() {
        TestJobs.Spec s = TestJobs.spec();
        s.resources = new Resources(2, 4, 2L << 30, Duration.ofHours(1), 1, Map.of("gpu", 1L));
        s.stdout = "/home/alice/run/hello.o1";
        s.stderr = "/home/alice/run/hello.e1";
        s.join = JoinMode.STDOUT_STDERR;
        s.rerunnable = false;
        s.priority = 10;
        s.env.put("PBS_O_HOME", "/home/alice");
        s.env.put("PBS_O_WORKDIR", "/home/alice/run");
        Task t = TestJobs.ended(-1, JobState.COMPLETED, T0.plusSeconds(5), Duration.ofSeconds(61), 0,
                EndReason.EXITED, slot("node1", 4), slot("node2", 4));
        return TestJobs.job(1, s.build(), JobState.COMPLETED, List.of(t));
    }

    /**
     * Issue #15: another user's job comes from the head with its public attributes only; qstat -f
     * leaves the withheld ones out rather than make up paths from empty values.
     */
    @Test
    void anotherUsersJobShowsItsPublicAttributesAndInventsNoPaths() {
        Map<String, Object> asShown = dev.hpc.api.json.Codec.toMap(aFinishedJobWithEverything(), false);
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) asShown.get("spec");
        spec.keySet().removeAll(List.of("submitHost", "submitDir", "workDir", "stdoutPath", "stderrPath",
                "mailUsers"));
        Job read = dev.hpc.api.json.Codec.readJob(Json.readObject(Json.write(asShown)));

        String text = QstatFullFormat.text(List.of(JobView.whole(read)), true, false, NOW, UTC);

        assertTrue(text.contains("    Job_Owner = alice\n"), text);
        assertTrue(text.contains("    Resource_List.ncpus = 8\n"), text);
        for (String withheld : List.of("Output_Path", "Error_Path", "Variable_List", "init_work_dir",
                "submit_host", "hello.o1")) {
            assertFalse(text.contains(withheld), withheld + " in\n" + text);
        }
    }

    /** Issue 18: properties after the node count as Torque shows them, host resources as PBS Pro does. */
    @Test
    void nodeKindIsShownUnderTorqueAndPbsProNames() {
        TestJobs.Spec s = TestJobs.spec();
        s.resources = new Resources(2, 8, 0, Duration.ZERO, 8, Map.of(), dev.hpc.api.job.NodeConstraint
                .parseFeatures("ib&bigmem").and(dev.hpc.api.job.NodeConstraint.resource("gpu_model", "v100")));
        String text = QstatFullFormat.text(List.of(JobView.whole(TestJobs.job(2, s.build(), JobState.QUEUED,
                List.of()))), true, false, NOW, UTC);
        assertTrue(text.contains("    Resource_List.nodes = 2:ppn=8:bigmem:ib\n"), text);
        assertTrue(text.contains("    Resource_List.gpu_model = v100\n"), text);
        assertFalse(text.contains("Resource_List.feature"), text);

        s.resources = new Resources(1, 1, 0, Duration.ZERO, 1, Map.of(),
                dev.hpc.api.job.NodeConstraint.parseFeatures("ib|opa"));
        String choice = QstatFullFormat.text(List.of(JobView.whole(TestJobs.job(3, s.build(), JobState.QUEUED,
                List.of()))), true, false, NOW, UTC);
        assertTrue(choice.contains("    Resource_List.nodes = 1:ppn=1\n"), choice);
        assertTrue(choice.contains("    Resource_List.feature = ib|opa\n"), choice);
    }

    /** A launch the node refused shows the node's reason, not only that it could not start. */
    @Test
    void aRefusedLaunchShowsTheNodesReason() {
        Task ended = TestJobs.ended(-1, JobState.FAILED, T0, Duration.ZERO, -1, EndReason.LAUNCH_FAILED,
                slot("node1", 1));
        Task detailed = new Task(ended.index(), ended.state(), ended.attempts(), ended.exitStatus(), ended.reason(),
                EndReason.LAUNCH_FAILED.description() + ": the shell /bin/tcsh that -S names is not an executable "
                        + "file on node node1; name one that exists there, or leave -S out", ended.end());
        String text = QstatFullFormat.text(List.of(JobView.whole(TestJobs.job(4, TestJobs.spec().build(),
                JobState.FAILED, List.of(detailed)))), true, false, NOW, UTC);
        assertTrue(text.contains("    comment = the worker could not start it: the shell /bin/tcsh that -S names"),
                text);
    }

    @Test
    void fullFormOneLinePerAttribute() {
        String text = QstatFullFormat.text(List.of(JobView.whole(aFinishedJobWithEverything())), true, false, NOW,
                UTC);

        assertEquals("""
                Job Id: 1.cluster
                    Job_Name = hello
                    Job_Owner = alice@login1
                    resources_used.walltime = 00:01:01
                    job_state = F
                    queue = batch
                    server = cluster
                    ctime = Tue Nov 24 00:14:32 2026
                    qtime = Tue Nov 24 00:14:32 2026
                    stime = Tue Nov 24 00:14:37 2026
                    mtime = Tue Nov 24 00:15:38 2026
                    exec_host = node1/0*4+node2/0*4
                    exec_vnode = (node1:ncpus=4)+(node2:ncpus=4)
                    Resource_List.nodes = 2:ppn=4:gpu=1
                    Resource_List.ncpus = 8
                    Resource_List.nodect = 2
                    Resource_List.mem = 4gb
                    Resource_List.walltime = 01:00:00
                    Output_Path = login1:/home/alice/run/hello.o1
                    Error_Path = login1:/home/alice/run/hello.e1
                    Join_Path = oe
                    Hold_Types = n
                    Priority = 10
                    Rerunable = False
                    Variable_List = PBS_O_HOME=/home/alice,PBS_O_WORKDIR=/home/alice/run
                    euser = alice
                    init_work_dir = /home/alice/run
                    submit_host = login1
                    exit_status = 0
                    Exit_status = 0
                    run_count = 1

                """, text);
    }

    @Test
    void longValuesWrapAfterCommasAtEightyColumns() {
        TestJobs.Spec s = TestJobs.spec();
        for (int i = 0; i < 12; i++) {
            s.env.put("VARIABLE_" + i, "value-" + i + "-" + "x".repeat(i));
        }
        s.env.put("LONG", "y".repeat(150));
        s.env.put("COMMA", "a,b");
        Job j = TestJobs.job(1, s.build(), JobState.QUEUED, List.of(Task.fresh(-1, false)));

        String wrapped = QstatFullFormat.block(JobView.whole(j), false, false, NOW, UTC);
        String oneLine = QstatFullFormat.block(JobView.whole(j), true, false, NOW, UTC);

        for (String line : wrapped.split("\n")) {
            assertTrue(line.replace("\t", "        ").length() <= 80, line);
        }
        assertTrue(wrapped.contains(",\n\tVARIABLE_"), wrapped);
        assertTrue(oneLine.contains("COMMA=a\\,b,"), oneLine);
        assertEquals(oneLine, wrapped.replace("\n\t", ""));
    }

    @Test
    void runningJobHasNoExitStatusButItsHostsAndStart() {
        Job j = aRunningJob(4, "busy", T0.plusSeconds(60), slot("node1", 1));

        String text = QstatFullFormat.block(JobView.whole(j), true, false, NOW, UTC);

        assertTrue(text.contains("    job_state = R\n"), text);
        assertTrue(text.contains("    resources_used.walltime = 00:59:00\n"), text);
        assertTrue(text.contains("    stime = Tue Nov 24 00:15:32 2026\n"), text);
        assertTrue(text.contains("    exec_host = node1/0\n"), text);
        assertTrue(text.contains("    Output_Path = login1:/home/alice/run/busy.o4\n"), text);
        assertFalse(text.contains("exit_status"), text);
    }

    @Test
    void heldOnADependencyAndCancelledJobsSayWhy() {
        TestJobs.Spec s = TestJobs.spec();
        s.deps = List.of(new Dependency(DependencyType.AFTEROK, List.of(7L, 8L)));
        // a queued job the scheduler found waiting for its dependencies: a system hold (docs/scheduling.md)
        Task waiting = new Task(-1, JobState.QUEUED, List.of(), 0, EndReason.NONE,
                "waiting for dependency: afterok:7.cluster", java.time.Instant.EPOCH, "s", java.time.Instant.EPOCH);
        Job held = TestJobs.job(9, s.build(), JobState.QUEUED, List.of(waiting));
        Task cancelled = TestJobs.ended(-1, JobState.CANCELLED, T0, Duration.ofSeconds(3), 271, EndReason.CANCELLED);
        Job gone = new Job(TestJobs.id(10), TestJobs.spec().build(), JobState.CANCELLED, T0, List.of(cancelled), "bob",
                3);

        String heldText = QstatFullFormat.block(JobView.whole(held), true, false, NOW, UTC);
        String goneText = QstatFullFormat.block(JobView.whole(gone), true, true, NOW, UTC);

        assertTrue(heldText.contains("    Hold_Types = s\n"), heldText);
        assertTrue(heldText.contains("    job_state = H\n"), heldText);
        assertTrue(heldText.contains("    depend = afterok:7.cluster:8.cluster\n"), heldText);
        assertTrue(goneText.contains("    job_state = F\n"), goneText);
        assertTrue(goneText.contains("    exit_status = 271\n"), goneText);
        assertTrue(goneText.contains("    Exit_status = 271\n"), goneText);
        assertTrue(goneText.contains("    comment = cancelled by bob\n"), goneText);
    }

    @Test
    void arrayParentShowsItsRequestAndTasksTheirIndex() {
        Job array = anArrayJob(42, "sweep", 3);

        String parent = QstatFullFormat.block(JobView.whole(array), true, false, NOW, UTC);
        String task = QstatFullFormat.block(JobView.task(array, 2).orElseThrow(), true, false, NOW, UTC);

        assertTrue(parent.startsWith("Job Id: 42[].cluster\n"), parent);
        assertTrue(parent.contains("    job_array_request = 1-3%2\n"), parent);
        assertTrue(task.startsWith("Job Id: 42[2].cluster\n"), task);
        assertTrue(task.contains("    job_state = Q\n"), task);
        assertTrue(task.contains("    job_array_id = 2\n"), task);
    }

    /**
     * Checked field by field against what OpenPBS's qstat writes (src/cmds/qstat.c, prt_attr): the
     * envelope, the nesting of Resource_List and resources_used, ctime-style dates, and values typed
     * from their text (numbers when the whole text is one, strings otherwise; Job_Name always a string).
     */
    @Test
    void jsonIsOpenPbsShape() {
        Map<String, Object> doc = QstatFullFormat.json(List.of(JobView.whole(aFinishedJobWithEverything())),
                "cluster", false, NOW, UTC);

        String printed = PbsJson.print(doc);
        JsonFields f = Json.readObject(printed);
        assertEquals(List.of("timestamp", "pbs_version", "pbs_server", "Jobs"), List.copyOf(f.raw().keySet()));
        assertEquals(NOW.getEpochSecond(), f.longValue("timestamp"));
        assertEquals("cluster", f.string("pbs_server"));
        assertEquals(Version.NUMBER, f.string("pbs_version"));
        JsonFields job = f.object("Jobs").object("1.cluster");
        assertEquals("hello", job.string("Job_Name"));
        assertEquals("alice@login1", job.string("Job_Owner"));
        assertEquals("F", job.string("job_state"), "PBS Pro's letter for a finished job");
        assertEquals("batch", job.string("queue"));
        assertEquals("cluster", job.string("server"));
        assertEquals("Tue Nov 24 00:14:32 2026", job.string("ctime"));
        assertEquals("Tue Nov 24 00:14:32 2026", job.string("qtime"));
        assertEquals("Tue Nov 24 00:14:37 2026", job.string("stime"));
        assertTrue(job.string("mtime").matches("[A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3][0-9] \\d\\d:\\d\\d:\\d\\d \\d{4}"),
                job.string("mtime"));
        assertEquals("node1/0*4+node2/0*4", job.string("exec_host"));
        JsonFields list = job.object("Resource_List");
        assertEquals(8, list.longValue("ncpus"));
        assertEquals("4gb", list.string("mem"));
        assertEquals("01:00:00", list.string("walltime"));
        assertEquals("2:ppn=4:gpu=1", list.string("nodes"));
        assertEquals("00:01:01", job.object("resources_used").string("walltime"));
        assertEquals(0, job.longValue("Exit_status"));
        assertEquals(0, job.longValue("exit_status"));
        assertEquals(10, job.longValue("Priority"));
        assertEquals(1, job.longValue("run_count"));
        assertEquals("False", job.string("Rerunable"));
        assertEquals("oe", job.string("Join_Path"));
        assertEquals("n", job.string("Hold_Types"));
        assertEquals("login1:/home/alice/run/hello.o1", job.string("Output_Path"));
        assertEquals(Map.of("PBS_O_HOME", "/home/alice", "PBS_O_WORKDIR", "/home/alice/run"),
                job.stringMap("Variable_List"));
        // cJSON's layout: a tab per level and after each colon
        assertTrue(printed.startsWith("{\n\t\"timestamp\":\t" + NOW.getEpochSecond() + ",\n\t\"pbs_version\":\t\""),
                printed);
        assertTrue(printed.contains("\n\t\t\"1.cluster\":\t{\n\t\t\t\"Job_Name\":\t\"hello\",\n"), printed);
        assertTrue(printed.endsWith("\n\t}\n}\n"), printed);
    }

    /** As in OpenPBS: a name or account that reads as a number stays a string; a variable's value does not. */
    @Test
    void jsonTypesValuesFromTheirTextButKeepsNamesStrings() {
        TestJobs.Spec s = TestJobs.spec();
        s.name = "123";
        s.env.put("NSTEPS", "500");
        s.env.put("FLAG", "true");
        s.env.put("LABEL", "007x");
        Job job = TestJobs.job(2, s.build(), JobState.QUEUED, List.of(Task.fresh(Task.NO_INDEX, false)));

        JsonFields j = Json.readObject(PbsJson.print(QstatFullFormat.json(List.of(JobView.whole(job)), "cluster",
                false, NOW, UTC))).object("Jobs").object("2.cluster");

        assertEquals("123", j.string("Job_Name"));
        assertEquals("Q", j.string("job_state"));
        JsonFields vars = j.object("Variable_List");
        assertEquals(500, vars.longValue("NSTEPS"));
        assertEquals(Boolean.TRUE, vars.raw().get("FLAG"));
        assertEquals("007x", vars.string("LABEL"));
        assertFalse(j.has("stime"), "a job never started has no stime");
        assertFalse(j.has("exec_host"));
        assertFalse(j.has("Exit_status"));
    }

    /** OpenPBS's -F dsv: one line per job, Job Id first, the same attributes as -f, joined by the delimiter. */
    @Test
    void dsvIsOneLinePerJobWithTheAttributesOfTheFullForm() {
        List<JobView> views = List.of(JobView.whole(aFinishedJobWithEverything()));

        String dsv = QstatFullFormat.dsv(views, "|", false, NOW, UTC);

        assertTrue(dsv.endsWith("\n") && dsv.lines().count() == 1, dsv);
        String line = dsv.strip();
        assertTrue(line.startsWith("Job Id: 1.cluster|Job_Name=hello|Job_Owner=alice@login1|"
                + "resources_used.walltime=00:01:01|job_state=F|queue=batch|server=cluster|"
                + "ctime=Tue Nov 24 00:14:32 2026|"), line);
        assertTrue(line.contains("|Resource_List.ncpus=8|Resource_List.nodect=2|Resource_List.mem=4gb|"), line);
        assertTrue(line.contains("|Variable_List=PBS_O_HOME=/home/alice,PBS_O_WORKDIR=/home/alice/run|"), line);
        assertTrue(line.endsWith("|exit_status=0|Exit_status=0|run_count=1"), line);
        List<String> fields = List.of(line.split("\\|"));
        List<String> names = QstatFullFormat.attributes(views.get(0), false, NOW, UTC).stream()
                .map(QstatFullFormat.Attribute::name).toList();
        assertEquals(names, fields.subList(1, fields.size()).stream().map(f -> f.substring(0, f.indexOf('=')))
                .toList(), "the attributes of -f, in its order");

        String semi = QstatFullFormat.dsv(views, ";;", false, NOW, UTC);
        assertTrue(semi.startsWith("Job Id: 1.cluster;;Job_Name=hello;;Job_Owner=alice@login1;;"), semi);
        assertEquals("", QstatFullFormat.dsv(List.of(), "|", false, NOW, UTC));
    }

    /** As OpenPBS's escape_delimiter, convert_feed_chars and show_nonprint_chars: a reader splits on the delimiter. */
    @Test
    void dsvValuesEscapeTheDelimiterBackslashesAndLineBreaks() {
        assertEquals("a\\|b", QstatFullFormat.dsvValue("a|b", "|"));
        assertEquals("a|b", QstatFullFormat.dsvValue("a|b", ","), "only the delimiter in use");
        assertEquals("x\\::y", QstatFullFormat.dsvValue("x::y", "::"));
        assertEquals("c:\\\\dir", QstatFullFormat.dsvValue("c:\\dir", "|"), "a lone backslash is doubled");
        assertEquals("A=1\\,2", QstatFullFormat.dsvValue("A=1\\,2", "|"), "an escaped comma stays as it is");
        assertEquals("line1\\nline2\\f", QstatFullFormat.dsvValue("line1\nline2\f", "|"));
        assertEquals("bell^G\ttab", QstatFullFormat.dsvValue("bell\u0007\ttab", "|"));

        TestJobs.Spec s = TestJobs.spec();
        s.name = "pipe|name";
        s.env.put("MSG", "a|b,c");
        Job job = TestJobs.job(3, s.build(), JobState.QUEUED, List.of(Task.fresh(Task.NO_INDEX, false)));
        String line = QstatFullFormat.dsv(List.of(JobView.whole(job)), "|", false, NOW, UTC).strip();
        List<String> fields = List.of(line.split("(?<!\\\\)\\|"));
        assertEquals("Job_Name=pipe\\|name", fields.get(1), line);
        assertTrue(fields.contains("Variable_List=MSG=a\\|b\\,c"), line);
    }

    @Test
    void jsonWithoutJobsHasNoJobsObject() {
        Map<String, Object> doc = QstatFullFormat.json(List.of(), "cluster", false, NOW, UTC);

        assertEquals(List.of("timestamp", "pbs_version", "pbs_server"), List.copyOf(doc.keySet()));
    }

    @Test
    void sizesTakeTheLargestExactUnit() {
        assertEquals("4gb", PbsText.size(4L << 30));
        assertEquals("1536mb", PbsText.size(1536L << 20));
        assertEquals("100b", PbsText.size(100));
        assertEquals("Tue Nov  3 00:14:32 2026", PbsText.ctime(Instant.parse("2026-11-03T00:14:32Z"), UTC));
        assertEquals("100:00:00", PbsText.hhmmss(Duration.ofHours(100)));
    }

    /**
     * Issue 18: what a script asked for and this cluster records rather than applies is shown under the
     * names Torque and OpenPBS use, resources with the resources and the rest after Account_Name.
     */
    @Test
    void recordedDirectivesAreShownUnderTheirPbsNames() {
        String script = """
                #!/bin/bash
                #PBS -N recorded
                #PBS -P climate
                #PBS -l procs=4,vmem=8g,cput=10:00:60
                #PBS -W group_list=hpcusers,umask=022
                #SBATCH --qos=debug
                #SBATCH --signal=B:USR1@120
                hostname
                """;
        dev.hpc.api.job.JobSpec spec = dev.hpc.api.pbs.SubmitParser.parse(new dev.hpc.api.pbs.SubmitRequest(script, List.of(),
                "alice", "login1", "/home/alice/run", Map.of()), dev.hpc.api.pbs.SubmitDefaults.STANDARD);
        Job job = TestJobs.job(3, spec, JobState.QUEUED, List.of(Task.fresh(Task.NO_INDEX, false)));

        String text = QstatFullFormat.text(List.of(JobView.whole(job)), true, false, NOW, UTC);

        assertTrue(text.contains("""
                    Resource_List.nodes = 1:ppn=4
                    Resource_List.ncpus = 4
                    Resource_List.nodect = 1
                    Resource_List.cput = 10:01:00
                    Resource_List.procs = 4
                    Resource_List.signal = B:USR1@120
                    Resource_List.vmem = 8gb
                """), text);
        for (String line : List.of("    project = climate\n", "    group_list = hpcusers\n", "    umask = 022\n",
                "    sbatch.qos = debug\n")) {
            assertTrue(text.contains(line), line + " in\n" + text);
        }
        JsonFields j = Json.readObject(PbsJson.print(QstatFullFormat.json(List.of(JobView.whole(job)), "cluster",
                false, NOW, UTC))).object("Jobs").object("3.cluster");
        assertEquals("8gb", j.object("Resource_List").string("vmem"));
        assertEquals("B:USR1@120", j.object("Resource_List").string("signal"), "issue 19: --signal is shown");
        assertEquals("022", j.string("umask"), "a umask keeps its leading zero");
        assertEquals("climate", j.string("project"));
    }

    /** Issue 19: which GPUs of each node an attempt holds, in PBS Pro's exec_vnode with their indices. */
    @Test
    void execVnodeNamesTheCoresMemoryAndGpuIndicesOfEachNode() {
        assertEquals("(g1:ncpus=2:mem=1048576kb:ngpus=2:gpus=1,3)+(g2:ncpus=2)", PbsText.execVnode(java.util.List.of(
                new dev.hpc.api.job.NodeSlot("g1", 2, 1L << 30, java.util.List.of(1, 3)),
                new dev.hpc.api.job.NodeSlot("g2", 2, 0))));
    }
}
