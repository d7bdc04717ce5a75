package dev.hpc.head.state;

import dev.hpc.api.job.ArraySpec;
import dev.hpc.api.job.IndexSet;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.QueueInfo;
import dev.hpc.api.job.Resources;
import dev.hpc.head.RequestRejected;
import dev.hpc.head.sched.QueueSettings;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19: a queue with {@code acl_user_enable} takes jobs only from the users of its {@code acl_users}, on every
 * path that puts a job into it (submit, an array, {@code --qos}, the default queue, qmove, qalter -q); a refusal
 * names the queue and what to ask for, and changes nothing, not even the next job number.
 */
class QueueUserListTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    private ClusterState state;

    @BeforeEach
    void aBatchQueueAndAHighQueueForAliceAndBob() {
        state = new ClusterState("c", 1, 1, 3);
        state.apply(new Command.ChangeQueue("high", Command.QueueChange.CREATE, Map.of("priority", "100",
                "acl-user-enable", "true", "acl-users", "alice,bob"), Set.of(), "root"));
    }

    private static JobSpec aJobOf(String owner, String queue) {
        return aJobOf(owner, queue, Optional.empty());
    }

    private static JobSpec aJobOf(String owner, String queue, Optional<ArraySpec> array) {
        return new JobSpec("job", owner, "login", "#!/bin/bash\ntrue\n", "/home/" + owner, "/home/" + owner,
                Map.of(), queue, Resources.DEFAULT, array, List.of(), false, 0, true, "", "",
                JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
    }

    private Job submitted(JobSpec spec) {
        Job job = state.prepareSubmit(spec, T0);
        state.apply(new Command.Admit(job));
        return job;
    }

    private QueueInfo high() {
        return state.queueInfos(T0).stream().filter(q -> q.name().equals("high")).findFirst().orElseThrow();
    }

    private void refusedToCarol(org.junit.jupiter.api.function.Executable put) {
        Rejection r = assertThrows(Rejection.class, put);
        assertEquals(403, RequestRejected.from(r).status());
        assertTrue(r.getMessage().contains("queue 'high'") && r.getMessage().contains("carol")
                && r.getMessage().contains("ask an administrator to add you to acl_users of queue high"),
                r.getMessage());
    }

    @Test
    void onlyTheListedUsersSubmitAndARefusalTakesNoJobNumber() {
        assertEquals("high", submitted(aJobOf("alice", "high")).spec().queue());
        long next = state.nextJobNumber();
        refusedToCarol(() -> state.prepareSubmit(aJobOf("carol", "high"), T0));
        refusedToCarol(() -> state.prepareSubmit(aJobOf("carol", "high", Optional.of(arrayOf("1-100"))), T0));
        assertEquals(next, state.nextJobNumber(), "a refused job takes no number");
        assertEquals(1, high().total(), "only alice's job is in the queue");
        submitted(aJobOf("carol", "batch"));
    }

    @Test
    void theListBindsAdministratorsToo() {
        // an administrator's qsub -u carol submits carol's job: the owner is who the list is checked against,
        // as OpenPBS checks the job's owner, and root is no exception
        refusedToCarol(() -> state.prepareSubmit(aJobOf("carol", "high"), T0));
        Rejection root = assertThrows(Rejection.class,
                () -> state.prepareSubmit(aJobOf("root", "high"), T0));
        assertTrue(root.getMessage().contains("user root"), root.getMessage());
    }

    @Test
    void qosAndTheDefaultQueueAreCheckedAsWell() {
        refusedToCarol(() -> state.prepareSubmit(aJobOf("carol", "batch").withRecorded("sbatch.qos", "high"), T0));
        assertEquals("high", submitted(aJobOf("bob", "batch").withRecorded("sbatch.qos", "high")).spec().queue());
        state.apply(new Command.ChangeQueue("high", Command.QueueChange.MAKE_DEFAULT, Map.of(), Set.of(), "root"));
        assertEquals("high", state.defaultQueue());
        refusedToCarol(() -> state.prepareSubmit(aJobOf("carol", state.defaultQueue()), T0));
    }

    @Test
    void qmoveAndQalterIntoTheQueueAreRefusedAndLeaveTheJobWhereItWas() {
        Job carol = submitted(aJobOf("carol", "batch"));
        JobId.JobRef ref = JobId.parse(carol.id().toString());
        refusedToCarol(() -> state.apply(new Command.Move(ref, "high", "carol", T0)));
        refusedToCarol(() -> state.apply(new Command.Alter(ref, s -> s.withQueue("high"), "carol", T0)));
        assertEquals("batch", state.job(carol.id().number()).orElseThrow().spec().queue());
        assertEquals(0, high().total());
    }

    @Test
    void aJobAlreadyInTheQueueStaysAndMayBeAlteredAfterItsOwnerLeavesTheList() {
        Job bob = submitted(aJobOf("bob", "high"));
        state.apply(new Command.ChangeQueue("high", Command.QueueChange.SET, Map.of(), Set.of(), "root",
                Map.of(), Map.of("acl-users", "bob")));
        JobId.JobRef ref = JobId.parse(bob.id().toString());
        state.apply(new Command.Alter(ref, s -> s.withRecorded("project", "p1"), "bob", T0));
        assertEquals("p1", state.job(bob.id().number()).orElseThrow().spec().recorded().get("project"));
        assertThrows(Rejection.class, () -> state.prepareSubmit(aJobOf("bob", "high"), T0));
    }

    @Test
    void plusEqualsAndMinusEqualsChangeTheListAsItStandsAndAreCommitted() {
        Outcome added = state.apply(new Command.ChangeQueue("high", Command.QueueChange.SET, Map.of(), Set.of(),
                "root", Map.of("acl-users", "carol,dave"), Map.of()));
        assertTrue(added.changedQueues().isPresent(), "the lists are part of the commit");
        assertEquals(List.of("alice", "bob", "carol", "dave"), high().aclUsers());
        submitted(aJobOf("carol", "high"));
        state.apply(new Command.ChangeQueue("high", Command.QueueChange.SET, Map.of(), Set.of(), "root", Map.of(),
                Map.of("acl-users", "alice,dave")));
        assertEquals(List.of("bob", "carol"), high().aclUsers());
        String before = state.committedQueues().orElseThrow();
        Rejection absent = assertThrows(Rejection.class, () -> state.apply(new Command.ChangeQueue(
                "high", Command.QueueChange.SET, Map.of(), Set.of(), "root", Map.of(), Map.of("acl-users", "zoe"))));
        assertTrue(absent.getMessage().contains("does not list 'zoe'") && absent.getMessage().contains("bob,carol"),
                absent.getMessage());
        assertThrows(Rejection.class, () -> state.apply(new Command.ChangeQueue("high",
                Command.QueueChange.SET, Map.of(), Set.of(), "root", Map.of("priority", "5"), Map.of())));
        assertEquals(before, state.committedQueues().orElseThrow(), "a refused change changes nothing");

        state.apply(new Command.ChangeQueue("high", Command.QueueChange.SET, Map.of(), Set.of("acl-user-enable"),
                "root"));
        assertFalse(high().aclUserEnable(), "unset opens the queue again");
        submitted(aJobOf("erin", "high"));
    }

    @Test
    void aStandbyOrARestartReadsTheListsFromTheCommittedQueues() {
        ClusterState standby = new ClusterState("c", 1, 1, 3);
        standby.restoreQueues(state.committedQueues().orElseThrow());
        QueueInfo high = standby.queueInfos(T0).stream().filter(q -> q.name().equals("high")).findFirst()
                .orElseThrow();
        assertTrue(high.aclUserEnable());
        assertEquals(List.of("alice", "bob"), high.aclUsers());
        assertThrows(Rejection.class, () -> standby.prepareSubmit(aJobOf("carol", "high"), T0));
    }

    @Test
    void aListOfWhatIsNoUserNameIsRefusedSayingWhatToWrite() {
        for (String bad : List.of("+alice", "-bob", "alice@login1", "a b")) {
            Rejection r = assertThrows(Rejection.class, () -> state.apply(new Command.ChangeQueue("high",
                    Command.QueueChange.SET, Map.of("acl-users", bad), Set.of(), "root")));
            assertTrue(r.getMessage().contains("acl-users") && r.getMessage().contains("e.g. alice,bob"),
                    r.getMessage());
        }
        assertEquals(Set.of("alice", "bob"), QueueSettings.users("k", " alice , bob,,"));
        // a stored body of a head from before the lists reads as open queues
        assertFalse(QueueSettings.parse("old", Map.of("priority", "1")).aclUserEnable());
    }

    private static ArraySpec arrayOf(String indices) {
        return new ArraySpec(indices, IndexSet.parse(indices), 0);
    }
}
