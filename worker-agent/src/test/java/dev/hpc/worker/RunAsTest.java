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
}
