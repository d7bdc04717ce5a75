package dev.hpc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import org.junit.jupiter.api.Test;

/** Who may run where (issue #8): the policy alone, with the node's real user database; no process starts. */
class RunAsTest {
    private final OwnerDirectory directory = new OwnerDirectory(Clock.systemUTC());

    @Test
    void anAgentOfAnOrdinaryUserRunsOnlyThatUsersJobs() {
        RunAs agent = new RunAs("n2", 1000, "alice", true, directory);
        assertFalse(agent.privileged());
        RunAs.Identity own = agent.identify("alice");
        assertFalse(own.switchUser());
        assertTrue(own.prefix().isEmpty());
        LaunchFailedException e = assertThrows(LaunchFailedException.class, () -> agent.identify("bob"));
        assertEquals("the worker of node n2 runs as alice, not as root, so it runs only alice's jobs, not bob's",
                e.getMessage());
    }

    @Test
    void aRootAgentRefusesUnknownOwnersAndRootUnlessAllowed() {
        RunAs strict = new RunAs("n2", 0, "root", false, directory);
        assertEquals("owner bob-is-not-here does not exist on node n2",
                assertThrows(LaunchFailedException.class, () -> strict.identify("bob-is-not-here")).getMessage());
        assertThrows(LaunchFailedException.class, () -> strict.identify("-rf"), "a name that reads as an option");
        assertThrows(LaunchFailedException.class, () -> strict.identify("0"), "a uid is no user name");
        assertThrows(LaunchFailedException.class, () -> strict.identify(""), "no owner");
        assertTrue(assertThrows(LaunchFailedException.class, () -> strict.identify("root")).getMessage()
                .contains("start its worker with --allow-root-jobs"));

        RunAs.Identity root = new RunAs("n2", 0, "root", true, directory).identify("root");
        assertEquals(0, root.owner().uid());
        assertFalse(root.switchUser(), "root's job on a root agent needs no switch");
        assertEquals("root", root.login().get("USER"));
    }

    @Test
    void aSwitchDropsToTheOwnersUidGidAndGroups() {
        RunAs.Identity who = new RunAs.Identity(new TaskOwner("bob", 1001, 1002, java.util.List.of(1002L, 27L),
                "/home/bob", "/bin/zsh"), true);
        assertEquals(java.util.List.of("--reuid=1001", "--regid=1002", "--groups=1002,27", "--"),
                who.prefix().subList(1, 5));
        assertEquals("/home/bob", who.login().get("HOME"));
        assertEquals("bob", who.login().get("LOGNAME"));
        assertEquals("/bin/zsh", who.login().get("SHELL"));
    }

    /** Issue 18: {@code -W group_list}, with a user and group database of the test's own. */
    @Test
    void groupListSwitchesToAGroupTheOwnerBelongsToAndRefusesOthers() {
        OwnerDirectory db = new OwnerDirectory(Clock.systemUTC(),
                name -> name.equals("alice") ? java.util.Optional.of(new TaskOwner("alice", 1001, 1001,
                        java.util.List.of(1001L, 2000L), "/home/alice", "/bin/sh")) : java.util.Optional.empty(),
                group -> switch (group) {
                    case "proj" -> java.util.Optional.of(2000L);
                    case "secret" -> java.util.Optional.of(3000L);
                    default -> java.util.Optional.empty();
                });
        RunAs root = new RunAs("n2", 0, "root", false, db);
        RunAs.Identity proj = root.identify("alice", "proj");
        assertEquals(2000, proj.owner().gid());
        assertEquals(java.util.List.of("--reuid=1001", "--regid=2000", "--groups=1001,2000", "--"),
                proj.prefix().subList(1, 5));
        assertEquals(1001, root.identify("alice", "").owner().gid(), "no group_list: the primary group");
        assertEquals("user alice is not a member of group secret on node n2 (-W group_list); name a group you "
                + "belong to (id -Gn), or ask an administrator to add you to secret",
                assertThrows(LaunchFailedException.class, () -> root.identify("alice", "secret")).getMessage());
        assertEquals("group nogroup-here (-W group_list) does not exist on node n2; name a group you belong to "
                + "(id -Gn)", assertThrows(LaunchFailedException.class,
                () -> root.identify("alice", "nogroup-here")).getMessage());
    }

    @Test
    void anAgentOfAnOrdinaryUserTakesOnlyItsOwnGroup() {
        long own = RunAs.processGid();
        OwnerDirectory db = new OwnerDirectory(Clock.systemUTC(), name -> java.util.Optional.empty(),
                group -> group.equals("mine") ? java.util.Optional.of(own) : java.util.Optional.of(own + 1));
        RunAs agent = new RunAs("n2", 1000, "alice", true, db);
        assertFalse(agent.identify("alice", "mine").switchUser());
        String why = assertThrows(LaunchFailedException.class, () -> agent.identify("alice", "other")).getMessage();
        assertEquals("the worker of node n2 runs as alice, not as root, so its jobs run with its own group (gid "
                + own + ") and cannot switch to group other (-W group_list); leave group_list out, or run the worker "
                + "as root", why);
    }
}
