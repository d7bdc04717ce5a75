package dev.hpc.head.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A commit's wait for a backup: it ends as soon as a member leaves, not at Hazelcast's backup timeout. */
class BackupWaitTest {
    private final List<CompletableFuture<?>> givenUp = new ArrayList<>();

    @Test
    void aWriteStillWaitingWhenAMemberLeavesFailsWithTheDoubtAndIsKeptUntilDone() throws Exception {
        CompletableFuture<Void> backupNotYet = new CompletableFuture<>();
        AtomicBoolean departed = new AtomicBoolean();
        BackupWait wait = new BackupWait(departed::get, givenUp::add);
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        try {
            later.schedule(() -> departed.set(true), 100, TimeUnit.MILLISECONDS);
            BackupWait.MemberLeft e = assertThrows(BackupWait.MemberLeft.class, () -> wait.await(backupNotYet));
            assertTrue(e.getMessage().contains("left the head cluster"), e.getMessage());
            wait.giveUp(backupNotYet);
            wait.giveUp(CompletableFuture.completedFuture(null));
            assertEquals(List.of(backupNotYet), givenUp, "only a write still under way is kept");
        } finally {
            later.shutdownNow();
        }
    }

    @Test
    void aNewerEntryFoundBeforeTheDepartureStillFailsTheCommitAsStale() {
        CompletableFuture<Boolean> stillUnderWay = new CompletableFuture<>();
        List<Map.Entry<Long, CompletableFuture<Boolean>>> writes = new ArrayList<>(List.of(
                Map.entry(1L, stillUnderWay), Map.entry(2L, CompletableFuture.completedFuture(false))));
        BackupWait departed = new BackupWait(() -> true, givenUp::add);

        StaleWriteException e = assertThrows(StaleWriteException.class,
                () -> HeadCluster.awaitNewer("hpc.jobs", writes, departed));

        assertTrue(e.getMessage().contains("newer version of 2"), e.getMessage());
        assertEquals(List.of(stillUnderWay), givenUp);
    }

    @Test
    void theWritesLeftUnawaitedByAFailedWriteAreKeptUntilDone() {
        CompletableFuture<Boolean> stillUnderWay = new CompletableFuture<>();
        IllegalStateException indeterminate = new IllegalStateException("indeterminate operation state");
        List<Map.Entry<Long, CompletableFuture<Boolean>>> writes = new ArrayList<>(List.of(
                Map.entry(1L, CompletableFuture.failedFuture(indeterminate)), Map.entry(2L, stillUnderWay)));
        BackupWait wait = new BackupWait(() -> false, givenUp::add);

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> HeadCluster.awaitNewer("hpc.jobs", writes, wait));

        assertEquals(indeterminate, e);
        assertEquals(List.of(stillUnderWay), givenUp);
    }

    @Test
    void aWriteThatCompletesGivesItsResultAndItsFailure() throws Exception {
        BackupWait never = BackupWait.WHOLE;
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        try {
            CompletableFuture<Boolean> written = new CompletableFuture<>();
            later.schedule(() -> written.complete(true), 100, TimeUnit.MILLISECONDS);
            assertEquals(true, never.await(written));

            CompletableFuture<Void> refused = CompletableFuture.failedFuture(new StaleWriteException("newer"));
            assertThrows(StaleWriteException.class, () -> never.await(refused));

            // done before the member left: its own outcome counts, not the departure
            BackupWait departed = new BackupWait(() -> true, givenUp::add);
            assertEquals(true, departed.await(CompletableFuture.completedFuture(true)));
        } finally {
            later.shutdownNow();
        }
    }
}
