package dev.hpc.cli;

import dev.hpc.api.job.QueueInfo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 20: qmgr's directives as PBS writes them, abbreviations included, and what they become for the head. */
class QmgrCommandTest {
    @Test
    void directivesAreReadAsPbsWritesThem() {
        QmgrCommand.Directive c = QmgrCommand.parse("create queue debug queue_type = Execution, "
                + "resources_max.walltime = 00:30:00,Priority=100");
        assertEquals("create", c.verb());
        assertEquals("queue", c.object());
        assertEquals("debug", c.name());
        assertEquals(Map.of("max-walltime", "00:30:00", "priority", "100"), QmgrCommand.settings(c.set()));

        QmgrCommand.Directive s = QmgrCommand.parse("s q debug enabled = False");
        assertEquals("set", s.verb());
        assertEquals(Map.of("enabled", "false"), QmgrCommand.settings(s.set()));

        QmgrCommand.Directive u = QmgrCommand.parse("unset queue debug max_user_run, resources_max.ncpus");
        assertEquals(List.of("max_user_run", "resources_max.ncpus"), u.unset());

        QmgrCommand.Directive d = QmgrCommand.parse("set server default_queue = debug");
        assertEquals("server", d.object());
        assertEquals(Map.of("default_queue", "debug"), d.set());
        assertEquals(Map.of("default_queue", "debug"), QmgrCommand.parse("set server pbs1 default_queue = debug").set());
        assertEquals("list", QmgrCommand.parse("l q").verb());
        assertEquals("", QmgrCommand.parse("print queue").name());
    }

    @Test
    void badDirectivesSayWhatToWrite() {
        UsageException verb = assertThrows(UsageException.class, () -> QmgrCommand.parse("make queue x"));
        assertTrue(verb.getMessage().contains("create, delete, set, unset, list or print"), verb.getMessage());
        UsageException noName = assertThrows(UsageException.class, () -> QmgrCommand.parse("create queue"));
        assertTrue(noName.getMessage().contains("name the queue"), noName.getMessage());
        UsageException noValue = assertThrows(UsageException.class, () -> QmgrCommand.parse("set queue x Priority"));
        assertTrue(noValue.getMessage().contains("ATTR = VALUE"), noValue.getMessage());
        UsageException unknown = assertThrows(UsageException.class,
                () -> QmgrCommand.settings(Map.of("resources_max.mem", "4gb")));
        assertTrue(unknown.getMessage().contains("unknown queue attribute 'resources_max.mem'"), unknown.getMessage());
        assertThrows(UsageException.class, () -> QmgrCommand.settings(Map.of("queue_type", "Route")));
        assertThrows(UsageException.class, () -> QmgrCommand.parse("set node n1 state = offline"));
    }

    @Test
    void printWritesDirectivesThatMakeTheQueueAgain() {
        QueueInfo q = new QueueInfo("debug", false, true, false, 100, Duration.ZERO, Duration.ofMinutes(30), 4, 0,
                List.of("n1"), 0, 0, 0, 0);
        String printed = QmgrCommand.print(q);
        assertTrue(printed.contains("create queue debug\n"), printed);
        assertTrue(printed.contains("set queue debug resources_max.walltime = 00:30:00\n"), printed);
        assertTrue(printed.contains("set queue debug started = False\n"), printed);
        for (String line : printed.split("\n")) {
            if (line.startsWith("set queue")) {
                QmgrCommand.Directive again = QmgrCommand.parse(line);
                QmgrCommand.settings(again.set()); // every printed attribute is one qmgr takes
            }
        }
        assertTrue(QmgrCommand.list(q).startsWith("Queue debug\n    queue_type = Execution\n"), QmgrCommand.list(q));
    }

    @Test
    void preemptionAttributesTakeListsAndPrintBackOnlyWhenSet() {
        QmgrCommand.Directive c = QmgrCommand.parse("create queue high Priority = 100, preempt_targets = low,batch, "
                + "preempt_grace = 10");
        assertEquals(Map.of("priority", "100", "preempt-targets", "low,batch", "preempt-grace", "10"),
                QmgrCommand.settings(c.set()));
        assertEquals(Map.of("preempt-targets", "low,batch"),
                QmgrCommand.settings(QmgrCommand.parse("s q high preempt_targets = \"low,batch\"").set()));
        assertEquals(Map.of("nodes", "n1,n2", "preempt-mode", "cancel"),
                QmgrCommand.settings(QmgrCommand.parse("set queue low nodes = n1,n2, preempt_mode = cancel").set()));
        QueueInfo q = new QueueInfo("high", false, true, true, 100, Duration.ZERO, Duration.ZERO, 0, 0, List.of(), 0, 0,
                0, 0, List.of("batch", "low"), "cancel", Duration.ofSeconds(10));
        String printed = QmgrCommand.print(q);
        assertTrue(printed.contains("set queue high preempt_targets = batch,low\n")
                && printed.contains("set queue high preempt_mode = cancel\n")
                && printed.contains("set queue high preempt_grace = 10\n"), printed);
        String plain = QmgrCommand.print(new QueueInfo("low", false, true, true, 0, Duration.ZERO, Duration.ZERO, 0, 0,
                List.of(), 0, 0, 0, 0));
        assertTrue(!plain.contains("preempt"), "defaults are not printed: " + plain);
    }

    /** Issue 19: queue user lists, with PBS's += and -=; group lists are refused, saying why. */
    @Test
    void userListsAreSetAddedToAndTakenFromAndPrintBack() {
        QmgrCommand.Directive on = QmgrCommand.parse("set queue high acl_user_enable = true, acl_users = alice,bob");
        assertEquals(Map.of("acl-user-enable", "true", "acl-users", "alice,bob"), QmgrCommand.settings(on.set()));
        QmgrCommand.Directive add = QmgrCommand.parse("s q high acl_users += carol,dave");
        assertEquals(Map.of(), add.set());
        assertEquals(Map.of("acl-users", "carol,dave"), QmgrCommand.settings(add.add()));
        QmgrCommand.Directive remove = QmgrCommand.parse("set queue high acl_users -= bob, Priority = 10");
        assertEquals(Map.of("acl-users", "bob"), QmgrCommand.settings(remove.remove()));
        assertEquals(Map.of("priority", "10"), QmgrCommand.settings(remove.set()));
        UsageException plusOnCreate = assertThrows(UsageException.class,
                () -> QmgrCommand.parse("create queue high acl_users += carol"));
        assertTrue(plusOnCreate.getMessage().contains("set queue high acl_users += carol"),
                plusOnCreate.getMessage());
        UsageException groups = assertThrows(UsageException.class,
                () -> QmgrCommand.settings(QmgrCommand.parse("set queue high acl_groups = proj").set()));
        assertTrue(groups.getMessage().contains("acl_users"), groups.getMessage());
        assertEquals(List.of("acl-users", "acl-user-enable"),
                QmgrCommand.parse("unset queue high acl_users, acl_user_enable").unset().stream()
                        .map(u -> QmgrCommand.settings(Map.of(u, "x")).keySet().iterator().next()).toList());

        QueueInfo q = new QueueInfo("high", false, true, true, 100, Duration.ZERO, Duration.ZERO, 0, 0, List.of(), 0, 0,
                0, 0, List.of(), "requeue", Duration.ofSeconds(30), true, List.of("alice", "bob"));
        String printed = QmgrCommand.print(q);
        assertTrue(printed.contains("set queue high acl_user_enable = True\n")
                && printed.contains("set queue high acl_users = alice,bob\n"), printed);
        for (String line : printed.split("\n")) {
            if (line.startsWith("set queue")) {
                QmgrCommand.settings(QmgrCommand.parse(line).set());
            }
        }
        String full = QstatQueueFormat.full(List.of(q));
        assertTrue(full.startsWith("Queue: high\n") && full.contains("    acl_users = alice,bob\n"), full);
        QueueInfo again = QueueInfo.read(dev.hpc.api.json.Json.readObject(dev.hpc.api.json.Json.write(q.toMap())));
        assertEquals(q, again, "the REST form keeps the lists");
    }
}
