package dev.hpc.examples;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.cli.local.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20: {@code qsig}, {@code qmsg} and {@code qorder} run through bin/ as processes against a real active head
 * and its standby. A signal is checked by what the job's own trap wrote, a message by the job's output files, and
 * a swap by which job the scheduler starts first, after the head that made the swap was killed with SIGKILL: the
 * swap was committed and replicated before qorder returned.
 */
class JobControlIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path work;

    @Test
    void qsigQmsgAndQorderOnARealCluster() throws Exception {
        preload();
        Path dir = Files.createDirectories(work.resolve("submit"));
        StandbyCluster cluster = StandbyCluster.start(work.resolve("c"), 1, 2);
        try {
            StandbyCluster.Active active = cluster.awaitRoles("one head ACTIVE and the other STANDBY", WAIT);
            cluster.awaitWorkersUp(WAIT);
            Cli cli = cluster.cli();

            // a job that takes both cores and answers USR1 in its own output
            Path trapped = Files.writeString(dir.resolve("trap.sh"), "#!/bin/bash\n#PBS -N trap\n"
                    + "#PBS -l nodes=1:ppn=2\ntrap 'echo got-USR1 >> signals.txt' USR1\necho started > started.txt\n"
                    + "while :; do sleep 0.2; done\n");
            String id = submit(cli, dir, trapped);
            Poll.until(id + " started", WAIT, () -> Files.exists(dir.resolve("started.txt")));

            Cli.Result usr1 = cli.process(dir, "qsig", "-s", "SIGUSR1", id);
            assertEquals(new Cli.Result(usr1.command(), 0, "", ""), usr1, usr1.describe());
            Poll.until("the job's trap wrote that USR1 came", WAIT,
                    () -> lines(dir.resolve("signals.txt")).equals(List.of("got-USR1")));
            Cli.Result byNumber = cli.process(dir, "qsig", "-s", "10", id);
            assertEquals(0, byNumber.exitCode(), byNumber.describe());
            Poll.until("a second USR1, given by number", WAIT,
                    () -> lines(dir.resolve("signals.txt")).size() == 2);
            Cli.Result misspelt = cli.process(dir, "qsig", "-s", "SIGUSR3", id);
            assertEquals(2, misspelt.exitCode(), misspelt.describe());
            assertTrue(misspelt.err().contains("'SIGUSR3' is not a signal name"), misspelt.describe());
            Cli.Result suspend = cli.process(dir, "qsig", "-s", "suspend", id);
            assertEquals(2, suspend.exitCode(), suspend.describe());
            assertTrue(suspend.err().contains("-s STOP"), suspend.describe());

            // qmsg: a line into standard error by default, into standard output with -O
            String number = id.substring(0, id.indexOf('.'));
            Cli.Result msg = cli.process(dir, "qmsg", "checkpoint requested by the operator", id);
            assertEquals(new Cli.Result(msg.command(), 0, "", ""), msg, msg.describe());
            Cli.Result msgOut = cli.process(dir, "qmsg", "-O", "to standard output", id);
            assertEquals(0, msgOut.exitCode(), msgOut.describe());
            Poll.until("the messages are in the job's files", WAIT,
                    () -> lines(dir.resolve("trap.e" + number)).contains("checkpoint requested by the operator")
                            && lines(dir.resolve("trap.o" + number)).equals(List.of("to standard output")));
            // USR1 reached the job's sleep too (bash reports it on standard error): the message only appended


            // two jobs wait behind it; the younger one is swapped ahead of the older one
            Path first = Files.writeString(dir.resolve("first.sh"), "#!/bin/sh\n#PBS -N first\n#PBS -l nodes=1:ppn=2\n"
                    + "date +%s%N > first.txt\nsleep 600\n");
            Path second = Files.writeString(dir.resolve("second.sh"), "#!/bin/sh\n#PBS -N second\n"
                    + "#PBS -l nodes=1:ppn=2\ndate +%s%N > second.txt\nsleep 600\n");
            String older = submit(cli, dir, first);
            String younger = submit(cli, dir, second);
            Cli.Result notRunning = cli.process(dir, "qsig", older);
            assertEquals(1, notRunning.exitCode(), notRunning.describe());
            assertTrue(notRunning.err().contains("only running jobs can be signalled (Request invalid for state of "
                    + "job)"), notRunning.describe());
            Cli.Result running = cli.process(dir, "qorder", id, older);
            assertEquals(1, running.exitCode(), running.describe());
            assertTrue(running.err().contains("has state RUNNING"), running.describe());
            Cli.Result swap = cli.process(dir, "qorder", older, younger);
            assertEquals(new Cli.Result(swap.command(), 0, "", ""), swap, swap.describe());

            // the head that committed the swap dies; its standby must know the swap
            cluster.killAndAwaitTakeover(active, WAIT);
            cluster.awaitWorkersUp(WAIT);
            Cli.Result term = cli.process(dir, "qsig", id);
            assertEquals(0, term.exitCode(), term.describe());
            Poll.until("the younger job runs first, in the older one's place", WAIT,
                    () -> Files.exists(dir.resolve("second.txt")));
            assertTrue(!Files.exists(dir.resolve("first.txt")), "the older job started although it was swapped back");
            Cli.Result state = cli.process(dir, "qselect", "-s", "Q");
            assertEquals(List.of(older), state.out().lines().toList(), state.describe());
            Cli.Result del = cli.process(dir, "qdel", older, younger);
            assertEquals(0, del.exitCode(), del.describe());

            // hpc report: the three jobs, from the store of the head that took over
            String user = System.getProperty("user.name", "");
            JsonFields report = Poll.value("the report counts the three jobs as ended", WAIT, () -> {
                Cli.Result r = cli.process(dir, "hpc", "report", "--json");
                JsonFields f = r.exitCode() == 0 ? Json.readObject(r.out()) : null;
                return java.util.Optional.ofNullable(f).filter(x -> x.object("total").longValue("jobs") == 3);
            }, () -> cli.process(dir, "hpc", "report").out());
            JsonFields mine = report.objects("users").stream().filter(r -> r.string("name").equals(user)).findFirst()
                    .orElseThrow(() -> new AssertionError("no row of " + user + ": " + report));
            assertEquals(3, mine.longValue("submitted"));
            assertEquals(2, mine.longValue("cancelled"), "qdel cancelled the swapped jobs");
            assertEquals(1, mine.longValue("completed") + mine.longValue("failed"), "qsig -s TERM ended the first");
            assertEquals(2, mine.longValue("attempts"), "the trap job ran once and the younger job once");
            assertTrue(mine.doubleValue("coreHours", 0) > 0, report.toString());
            assertEquals(mine.doubleValue("coreHours", 0), 2 * mine.doubleValue("wallHours", 0), 1e-3,
                    "both runs held two cores");
            // the same jobs as PBS accounting records, in the lines PBS's tools read
            Poll.until("the records end with the swapped jobs' deletions and ends", WAIT, () -> {
                String out = cli.process(dir, "hpc", "report", "--pbs-records").out();
                return out.lines().filter(l -> l.contains(";E;")).count() == 3;
            });
            Cli.Result records = cli.process(dir, "hpc", "report", "--pbs-records");
            List<String> lines = records.out().lines().toList();
            assertTrue(lines.stream().allMatch(l -> l.matches("\\d\\d/\\d\\d/\\d{4} \\d\\d:\\d\\d:\\d\\d;[QSRDE];"
                    + "\\d+\\.[^;]+;.+")), records.describe());
            assertEquals(List.of("Q", "S", "E"), types(lines, id), records.describe());
            assertEquals(List.of("Q", "D", "E"), types(lines, older), records.describe());
            assertEquals(List.of("Q", "S", "D", "E"), types(lines, younger), records.describe());
            assertTrue(lines.stream().anyMatch(l -> l.contains(";E;" + id + ";user=" + user + " ")
                    && l.contains(" exec_host=node1/0-1 ") && l.contains(" resources_used.ncpus=2 ")
                    && l.contains(" run_count=1")), records.describe());

            Cli.Result text = cli.process(dir, "hpc", "report", "--by", "queue");
            assertEquals(0, text.exitCode(), text.describe());
            assertTrue(text.out().contains("\nBy queue\n") && !text.out().contains("By user"), text.describe());
        } finally {
            cluster.close();
        }
    }

    /** The record types of one job, in the order printed. */
    private static List<String> types(List<String> lines, String id) {
        return lines.stream().filter(l -> l.contains(";" + id + ";")).map(l -> l.split(";")[1]).toList();
    }

    private static String submit(Cli cli, Path dir, Path script) {
        Cli.Result r = cli.qsubIn(dir, script.toString());
        assertEquals(0, r.exitCode(), r.describe());
        return r.line();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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
