package dev.hpc.examples;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.cli.local.LocalCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20: the commands that tools built for PBS call (Open OnDemand, JSON pollers), run through bin/ as
 * processes against a real active head and its standby: {@code qstat -f -F json}, {@code pbsnodes -aSj
 * -F json} and {@code qselect -u}, their output parsed as those tools parse it and naming the submitted
 * job; {@code qrerun}, whose killed attempt is checked in {@code /proc}; {@code tracejob} and {@code qstat -f
 * -F dsv} of the rerun job; and the probes, {@code /readyz} ready on the active head only.
 */
class PbsToolsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String USER = System.getProperty("user.name", "");

    @TempDir
    Path work;

    @Test
    void pbsToolsAndProbesOnARealCluster() throws Exception {
        preload();
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        StandbyCluster cluster = StandbyCluster.start(work.resolve("c"), 1, 2);
        try {
            StandbyCluster.Active active = cluster.awaitRoles("one head ACTIVE and the other STANDBY", WAIT);
            cluster.awaitWorkersUp(WAIT);
            Path script = Files.writeString(submitDir.resolve("tools.sh"),
                    "#!/bin/sh\n#PBS -N tools\n#PBS -l nodes=1:ppn=1\necho $$ >> runs.txt\nsleep 600\n");
            Cli.Result sub = cluster.cli().qsubIn(submitDir, script.toString());
            assertEquals(0, sub.exitCode(), sub.describe());
            String id = sub.line();
            Cli cli = cluster.cli();

            // qselect: the job's id on a line of its own, once it runs
            Poll.until(id + " listed by qselect -u " + USER + " -s R", WAIT, () -> {
                Cli.Result r = cli.process(submitDir, "qselect", "-u", USER, "-s", "R");
                return r.exitCode() == 0 && r.out().lines().toList().equals(List.of(id));
            });
            Cli.Result queued = cli.process(submitDir, "qselect", "-s", "Q", "-N", "tools");
            assertEquals(new Cli.Result(queued.command(), 0, "", ""), queued, queued.describe());

            // qstat -f -F json, OpenPBS's document
            Cli.Result qstat = cli.process(submitDir, "qstat", "-f", "-F", "json", id);
            assertEquals(0, qstat.exitCode(), qstat.describe());
            JsonFields doc = Json.readObject(qstat.out());
            assertTrue(doc.longValue("timestamp") > 0, qstat.out());
            assertEquals(cluster.name(), doc.string("pbs_server"), qstat.out());
            JsonFields job = doc.object("Jobs").object(id);
            assertEquals("tools", job.string("Job_Name"));
            assertTrue(job.string("Job_Owner").matches(java.util.regex.Pattern.quote(USER) + "(@.+)?"),
                    job.string("Job_Owner"));
            assertEquals("R", job.string("job_state"));
            assertEquals(1, job.object("Resource_List").longValue("ncpus"));
            assertTrue(job.string("exec_host").startsWith("node1/"), job.string("exec_host"));
            assertTrue(job.string("stime").matches("[A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}"),
                    job.string("stime"));
            Cli.Result all = cli.process(submitDir, "qstat", "-f", "-F", "json");
            assertTrue(Json.readObject(all.out()).object("Jobs").has(id), all.describe());

            // pbsnodes -aSj -F json, as Open OnDemand calls it
            Cli.Result nodes = cli.process(submitDir, "pbsnodes", "-aSj", "-F", "json");
            assertEquals(0, nodes.exitCode(), nodes.describe());
            JsonFields node1 = Json.readObject(nodes.out()).object("nodes").object("node1");
            assertEquals(List.of(id), node1.strings("jobs"), nodes.out());
            assertEquals("1/2", node1.string("ncpus f/t"), nodes.out());
            Cli.Result full = cli.process(submitDir, "pbsnodes", "-a", "-F", "json");
            JsonFields fullNode = Json.readObject(full.out()).object("nodes").object("node1");
            assertEquals(2, fullNode.longValue("pcpus"), full.out());
            assertEquals(1, fullNode.object("resources_assigned").longValue("ncpus"), full.out());

            // qrerun: the attempt's processes are killed and the job runs again with a new attempt
            Path runs = submitDir.resolve("runs.txt");
            Poll.until("the first attempt's shell wrote its pid", WAIT,
                    () -> lines(runs).size() == 1);
            long firstShell = Long.parseLong(lines(runs).get(0).trim());
            assertTrue(Files.exists(Path.of("/proc/" + firstShell)), "the first attempt runs");
            Cli.Result rerun = cli.process(submitDir, "qrerun", id);
            assertEquals(new Cli.Result(rerun.command(), 0, "", ""), rerun, rerun.describe());
            Poll.until("the first attempt's shell " + firstShell + " is gone", WAIT,
                    () -> !Files.exists(Path.of("/proc/" + firstShell)));
            Poll.until("a second attempt of " + id + " runs", WAIT, () -> lines(runs).size() == 2
                    && fullAttribute(cli, submitDir, id, "run_count").equals("2")
                    && fullAttribute(cli, submitDir, id, "job_state").equals("R"));
            assertTrue(fullAttribute(cli, submitDir, id, "exec_host_history").contains("(rerun, requeued)"),
                    cli.process(submitDir, "qstat", "-f", id).out());
            // tracejob: both attempts from the job's record, the rerun's alert from the event log
            Poll.until("tracejob shows the rerun from the record and the event log", WAIT, () -> {
                String trace = cli.process(submitDir, "tracejob", id).out();
                return trace.startsWith("Job: " + id + "\n\n") && trace.contains("  S    Job Queued at request of ")
                        && trace.contains("  S    Job Run on exec_host node") && trace.contains("(attempt 2)")
                        && trace.contains("  S    Job requeued: its run was killed by qrerun")
                        && trace.contains("  E    TASK_REQUEUED task " + id + " requeued by ")
                        && trace.endsWith("\nNow RUNNING\n");
            });
            Cli.Result noTrace = cli.process(submitDir, "tracejob", "99999");
            assertEquals(new Cli.Result(noTrace.command(), 153, "", "tracejob: Unknown Job Id 99999\n"), noTrace,
                    noTrace.describe());

            // qstat -f -F dsv: one line, the attributes of -f split on the delimiter
            Cli.Result dsv = cli.process(submitDir, "qstat", "-f", "-F", "dsv", id);
            assertEquals(0, dsv.exitCode(), dsv.describe());
            assertEquals(1, dsv.out().lines().count(), dsv.out());
            List<String> fields = List.of(dsv.out().strip().split("(?<!\\\\)\\|"));
            assertEquals("Job Id: " + id, fields.get(0), dsv.out());
            assertTrue(fields.contains("Job_Name=tools") && fields.contains("job_state=R")
                    && fields.contains("run_count=2"), dsv.out());
            Cli.Result semicolons = cli.process(submitDir, "qstat", "-f", "-F", "dsv", "-D", ";", id);
            assertTrue(semicolons.out().startsWith("Job Id: " + id + ";Job_Name=tools;"), semicolons.describe());

            Cli.Result badRerun = cli.process(submitDir, "qrerun", "99999");
            assertEquals(153, badRerun.exitCode(), badRerun.describe());
            assertEquals("qrerun: Unknown Job Id 99999\n", badRerun.err(), badRerun.describe());

            // the probes: no token; ready on the active head only
            HttpClient http = HttpClient.newHttpClient();
            String standby = active.other();
            for (String head : List.of(active.head(), standby)) {
                assertEquals(200, status(http, cluster.server(head), "/livez"), head + " /livez");
                assertEquals(200, status(http, cluster.server(head), "/healthz"), head + " /healthz");
            }
            assertEquals(200, status(http, cluster.server(active.head()), "/readyz"));
            assertEquals(503, status(http, cluster.server(standby), "/readyz"));
        } finally {
            cluster.close();
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** One attribute of {@code qstat -f -1}, or empty. */
    private static String fullAttribute(Cli cli, Path dir, String id, String name) {
        Cli.Result r = cli.process(dir, "qstat", "-f", "-1", id);
        String prefix = "    " + name + " = ";
        return r.out().lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).findFirst()
                .orElse("");
    }

    private static int status(HttpClient http, String server, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + server + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** Loads the clean-up's classes now: a build running meanwhile may rewrite the class files. */
    private static void preload() throws ClassNotFoundException {
        for (Class<?> c : List.of(Procs.class, Procs.Proc.class, Poll.class, Cli.class, Cli.Result.class,
                RealCluster.class, ClusterFixture.class, ClusterFixture.Reaper.class, StandbyCluster.class,
                StandbyCluster.Active.class, LocalCluster.Stopped.class, LocalCluster.Outcome.class)) {
            Class.forName(c.getName(), true, c.getClassLoader());
        }
        Procs.all();
    }
}
