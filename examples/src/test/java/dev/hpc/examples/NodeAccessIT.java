package dev.hpc.examples;

import dev.hpc.api.client.ApiToken;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 18 on a real cluster of three workers (node1..node3, two cores each): an exclusive job keeps
 * its node to itself while it runs, jobs go only to the nodes they name and never to those they
 * exclude, an unknown node name is refused at qsub, and {@code -W group_list} sets the group the job
 * runs with, checked by what the job itself printed.
 */
class NodeAccessIT {
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final String USER = "hpctesta";
    private static final String GROUP = "hpctestgrp";

    @TempDir
    static Path dir;
    private static RealCluster cluster;

    @BeforeAll
    static void startCluster() throws IOException {
        // jobs running as their owners must reach their scripts in the workers' spools in here
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        cluster = RealCluster.start(dir.resolve("cluster"), 3, 2);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String submit(Path work, String name, String script) throws IOException {
        Path file = Files.writeString(work.resolve(name + ".sh"), "#!/bin/bash\n" + script);
        Cli.Result r = cluster.cli().qsubIn(work, "-N", name, file.toString());
        assertEquals(0, r.exitCode(), r.describe());
        return r.line();
    }

    private static Task task(String id) {
        return cluster.client().job(id).tasks().get(0);
    }

    private static List<String> nodesOf(String id) {
        return task(id).attempts().get(0).nodes().stream().map(NodeSlot::node).toList();
    }

    private static Map<String, String> qstatF(String id) {
        Cli.Result r = cluster.cli().run("qstat", "-f", id);
        assertEquals(0, r.exitCode(), r.describe());
        return QstatFull.parse(r.out()).get(id);
    }

    @Test
    void anExclusiveJobKeepsItsNodeAndNodeListsChooseWhere() throws Exception {
        Path work = Files.createDirectories(dir.resolve("excl"));
        String excl = submit(work, "excl", "#SBATCH --exclusive\n#SBATCH -w node1\n"
                + "echo started > excl.started\nwhile [ ! -e release ]; do sleep 0.2; done\n");
        Poll.until(excl + " to start", WAIT, () -> Files.exists(work.resolve("excl.started")));
        assertEquals(List.of("node1"), nodesOf(excl));
        assertEquals("excl", qstatF(excl).get("Resource_List.place"));
        Cli.Result nodes = cluster.cli().run("pbsnodes", "node1");
        assertTrue(nodes.out().contains("state = job-exclusive"), "one of two cores used, held whole: "
                + nodes.describe());

        // a one-core job that must run on node1 waits, though node1 has a free core
        String beside = submit(work, "beside", "#PBS -l host=node1\necho ran > beside.ran\n");
        Poll.until(beside + " to be held back by the scheduler", WAIT,
                () -> task(beside).comment().contains("waiting for resources"), () -> task(beside).toString());
        assertEquals(JobState.QUEUED, task(beside).state());
        assertTrue(task(beside).comment().contains("on node node1"), task(beside).comment());

        // node lists: never on an excluded node, always on every named one
        String notOneTwo = submit(work, "notonetwo", "#SBATCH -x node[1-2]\ntrue\n");
        String twoThree = submit(work, "twothree", "#SBATCH -w node[2-3]\ntrue\n");
        for (String id : List.of(notOneTwo, twoThree)) {
            Poll.until(id + " to complete", WAIT, () -> cluster.client().job(id).state() == JobState.COMPLETED,
                    () -> cluster.client().job(id).toString());
        }
        assertEquals(List.of("node3"), nodesOf(notOneTwo));
        assertEquals(List.of("node2", "node3"), nodesOf(twoThree).stream().sorted().toList());
        assertEquals("node[2-3]", qstatF(twoThree).get("sbatch.nodelist"));

        Files.writeString(work.resolve("release"), "");
        Poll.until(beside + " to run on node1 once the exclusive job ended", WAIT,
                () -> Files.exists(work.resolve("beside.ran")));
        assertEquals(List.of("node1"), nodesOf(beside));
        assertEquals(JobState.COMPLETED, cluster.client().job(excl).state());

        // a name no node has is refused at once, naming it and the nodes there are
        Path script = Files.writeString(work.resolve("typo.sh"), "#!/bin/sh\ntrue\n");
        Cli.Result typo = cluster.cli().qsubIn(work, "-l", "host=nod1", script.toString());
        assertNotEquals(0, typo.exitCode(), typo.describe());
        assertTrue(typo.err().contains("the job names node nod1 (--nodelist, --exclude or host=) but the cluster has no "
                + "node of that name; name nodes pbsnodes -a lists: node1, node2, node3"), typo.describe());
    }

    @Test
    void groupListSetsTheJobsGroupWhenItsOwnerBelongsToIt() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "skipped: the workers must run as root to start jobs as another user and group");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/useradd")) && Files.isExecutable(Path.of("/usr/sbin/groupadd"))
                && Files.isExecutable(Path.of("/usr/bin/gpasswd")), "skipped: useradd, groupadd and gpasswd are needed");
        if (run("id", "-u", USER) != 0) {
            assertEquals(0, run("useradd", "-m", "-s", "/bin/sh", USER), "useradd " + USER);
        }
        if (run("getent", "group", GROUP) != 0) {
            assertEquals(0, run("groupadd", GROUP), "groupadd " + GROUP);
        }
        assertEquals(0, run("gpasswd", "-a", USER, GROUP), "gpasswd -a " + USER + " " + GROUP);
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        Path token = tokens.resolve(USER + ".token");
        ApiToken.install(token, cluster.client().createToken(USER, "user").token());
        Cli asUser = cluster.cliWithToken(token);
        // the owner writes the output: a directory anybody may write, as /tmp is
        Path work = Files.createTempDirectory(Path.of("/tmp"), "hpc-group-it");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        try {
            Path script = Files.writeString(work.resolve("grp.sh"), "#!/bin/sh\nid -gn\n");
            Cli.Result member = asUser.qsubIn(work, "-N", "grp", "-W", "group_list=" + GROUP, script.toString());
            assertEquals(0, member.exitCode(), member.describe());
            Cli.Result other = asUser.qsubIn(work, "-N", "grp", "-W", "group_list=daemon", script.toString());
            assertEquals(0, other.exitCode(), other.describe());
            String ok = member.line();
            String refused = other.line();
            Path out = work.resolve("grp.o" + ok.substring(0, ok.indexOf('.')));
            Poll.until(out + " to be written", WAIT, () -> Files.exists(out) && !readQuietly(out).isEmpty());
            assertEquals(GROUP + "\n", Files.readString(out), "the job ran with the group it asked for");
            assertEquals(GROUP, Files.readAttributes(out, java.nio.file.attribute.PosixFileAttributes.class).group()
                    .getName(), "its output file belongs to that group too");
            Poll.until(refused + " to fail", WAIT, () -> cluster.client().job(refused).state() == JobState.FAILED);
            Task t = cluster.client().job(refused).tasks().get(0);
            assertEquals(EndReason.LAUNCH_FAILED, t.reason());
            assertTrue(t.comment().contains("user " + USER + " is not a member of group daemon on node "), t.comment());
        } finally {
            run("rm", "-rf", work.toString());
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        return Procs.exitStatus(command);
    }
}
