package dev.hpc.cli;

import dev.hpc.api.job.Job;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static dev.hpc.cli.TestJobs.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QselectTest {
    private static final List<Job> JOBS = jobs();

    private static List<Job> jobs() {
        TestJobs.Spec bobs = TestJobs.spec();
        bobs.owner = "bob";
        bobs.name = "sweep";
        bobs.queue = "long";
        return List.of(TestJobs.aQueuedJob(1, "hello"), TestJobs.aHeldJob(2, "hello"),
                TestJobs.aRunningJob(3, "work", T0, TestJobs.slot("node1", 1)),
                TestJobs.aCompletedJob(4, "hello", Duration.ofSeconds(5), 0),
                TestJobs.job(5, bobs.build(), dev.hpc.api.job.JobState.QUEUED,
                        List.of(dev.hpc.api.job.Task.fresh(dev.hpc.api.job.Task.NO_INDEX, false))));
    }

    private static List<String> select(String... args) {
        QselectCommand c = new QselectCommand();
        new CommandLine(c).parseArgs(args);
        return QselectCommand.select(JOBS, c.criteria(), T0.plusSeconds(60));
    }

    @Test
    void withoutOptionsEveryUnfinishedJob() {
        assertEquals(List.of("1.cluster", "2.cluster", "3.cluster", "5.cluster"), select());
    }

    @Test
    void finishedJobsOnlyWithX() {
        assertEquals(List.of("1.cluster", "2.cluster", "3.cluster", "4.cluster", "5.cluster"), select("-x"));
        assertEquals(List.of("4.cluster"), select("-x", "-s", "F"));
        assertEquals(List.of(), select("-s", "F"));
    }

    @Test
    void filtersCombine() {
        assertEquals(List.of("1.cluster", "2.cluster", "3.cluster"), select("-u", "alice"));
        assertEquals(List.of("1.cluster", "3.cluster", "5.cluster"), select("-s", "QR"));
        assertEquals(List.of("1.cluster", "3.cluster"), select("-s", "QR", "-u", "alice@login1"));
        assertEquals(List.of("5.cluster"), select("-q", "long"));
        assertEquals(List.of("5.cluster"), select("-u", "carol,bob"));
        assertEquals(List.of("1.cluster", "2.cluster"), select("-N", "hello"));
        assertEquals(List.of("2.cluster"), select("-N", "hello", "-s", "H"));
        assertEquals(List.of(), select("-N", "nothing"));
    }

    @Test
    void badOptionsSayWhatToFix() {
        QselectCommand c = new QselectCommand();
        new CommandLine(c).parseArgs("-s", "QZ");
        UsageException e = assertThrows(UsageException.class, c::criteria);
        assertTrue(e.getMessage().contains("'Z' is not a PBS job state"), e.getMessage());
        QselectCommand d = new QselectCommand();
        new CommandLine(d).parseArgs("-u", "alice,");
        assertThrows(UsageException.class, d::criteria);
        assertEquals(Set.of("alice", "bob"), criteria("-u", "alice@h1,bob").users());
    }

    private static QselectCommand.Criteria criteria(String... args) {
        QselectCommand c = new QselectCommand();
        new CommandLine(c).parseArgs(args);
        return c.criteria();
    }
}
