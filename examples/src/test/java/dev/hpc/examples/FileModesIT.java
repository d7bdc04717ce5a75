package dev.hpc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, end to end on real processes: {@code -W umask=077} gives the job's own files and its output file
 * that umask, two jobs with {@code --open-mode=append} add to the same output file after what was there, and
 * {@code -W sandbox=PRIVATE} starts a job in a directory of its own that is gone when it has ended. qstat -f
 * keeps showing the three as written.
 */
class FileModesIT {

    @TempDir
    Path work;

    private static String modeOf(Path p) throws java.io.IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static String finished(Cli cli, String id) {
        Poll.until("job " + id + " to end", Poll.TIMEOUT,
                () -> "F".equals(QstatFull.parse(cli.run("qstat", "-f", "-x", id).out())
                        .getOrDefault(id, Map.of()).get("job_state")),
                () -> cli.run("qstat", "-f", "-x", id).describe());
        return id;
    }

    private static Map<String, String> shown(Cli cli, String id) {
        return QstatFull.parse(cli.run("qstat", "-f", "-1", "-x", id).out()).get(id);
    }

    private static String submit(Cli cli, Path dir, String name, String script) throws java.io.IOException {
        Cli.Result r = cli.qsubIn(dir, Files.writeString(dir.resolve(name), script).toString());
        assertEquals(0, r.exitCode(), r.describe());
        return r.line();
    }

    @Test
    void umaskAppendAndPrivateSandboxAreApplied() throws Exception {
        Path dir = Files.createDirectories(work.resolve("submit"));
        try (RealCluster cluster = RealCluster.start(work.resolve("c"), 1, 2)) {
            Cli cli = cluster.cli();
            String masked = submit(cli, dir, "masked.pbs", """
                    #!/bin/bash
                    #PBS -N masked
                    #PBS -o masked.out
                    #PBS -W umask=077
                    umask
                    touch made
                    """);
            Files.writeString(dir.resolve("shared.out"), "before\n");
            String first = submit(cli, dir, "first.sbatch", """
                    #!/bin/bash
                    #SBATCH -o shared.out
                    #SBATCH --open-mode=append
                    echo first
                    """);
            finished(cli, first);
            String second = submit(cli, dir, "second.sbatch", """
                    #!/bin/bash
                    #SBATCH -o shared.out
                    #SBATCH --open-mode=append
                    echo second
                    """);
            String boxed = submit(cli, dir, "boxed.pbs", """
                    #!/bin/bash
                    #PBS -N boxed
                    #PBS -o boxed.out
                    #PBS -W sandbox=PRIVATE
                    pwd
                    echo "$PBS_JOBDIR"
                    stat -c %a .
                    """);
            finished(cli, masked);
            finished(cli, second);
            finished(cli, boxed);

            assertEquals("0077\n", Files.readString(dir.resolve("masked.out")));
            assertEquals("rw-------", modeOf(dir.resolve("made")), "a file the job created");
            assertEquals("rw-------", modeOf(dir.resolve("masked.out")), "the output file the worker created");
            assertEquals("077", shown(cli, masked).get("umask"));

            assertEquals("before\nfirst\nsecond\n", Files.readString(dir.resolve("shared.out")),
                    "two jobs appended to the file, which kept what it held");
            assertEquals("append", shown(cli, second).get("sbatch.open-mode"));

            List<String> where = Files.readAllLines(dir.resolve("boxed.out"));
            assertEquals(3, where.size(), where.toString());
            assertNotEquals(dir.toString(), where.get(0), "the job started in its own directory");
            assertEquals(where.get(0), where.get(1), "PBS_JOBDIR names it");
            assertEquals("700", where.get(2));
            Poll.until("the sandbox " + where.get(0) + " to be removed", Poll.TIMEOUT,
                    () -> !Files.exists(Path.of(where.get(0))));
            assertEquals("PRIVATE", shown(cli, boxed).get("sandbox"));
        }
    }
}
