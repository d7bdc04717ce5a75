package dev.hpc.head.replication;

import dev.hpc.api.HpcException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A commit's wait for its writes and their backups. Hazelcast gives a missing backup 5 s before the write fails
 * as indeterminate; a backup awaited from a member that has left the head cluster (a killed standby) never comes,
 * so a wait that sees a member leave gives up at once, with the same doubt. The writes it gives up on are still
 * under way (Hazelcast sends a write whose owner left to the new owner about a second later) and may land after
 * newer ones: they are handed to {@code givenUp}, which keeps them until they are done
 * ({@link HeadCluster#writesInDoubt}).
 */
final class BackupWait {
    /** Waits as long as Hazelcast does: for a head without voters to tell of a missing backup. */
    static final BackupWait WHOLE = new BackupWait(() -> false, w -> { });
    /** How often a write that waits for its backup looks whether a member left meanwhile. */
    private static final Duration DEPARTURE_CHECK = Duration.ofMillis(20);

    private final BooleanSupplier departed;
    private final Consumer<CompletableFuture<?>> givenUp;

    BackupWait(BooleanSupplier departed, Consumer<CompletableFuture<?>> givenUp) {
        this.departed = departed;
        this.givenUp = givenUp;
    }

    /** A member left while a write waited: its backups there may be missing. */
    static final class MemberLeft extends HpcException {
        MemberLeft() {
            super("a member left the head cluster while this commit waited for its backups there: they may be "
                    + "missing");
        }
    }

    /**
     * The write's result once it is done, as {@code join} would give it.
     *
     * @throws MemberLeft when a member has left and the write is still under way; the caller gives the rest of
     *                    its writes up ({@link #giveUp})
     */
    <T> T await(CompletableFuture<T> write) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return write.get(DEPARTURE_CHECK.toNanos(), TimeUnit.NANOSECONDS);
                } catch (TimeoutException stillWaiting) {
                    if (departed.getAsBoolean()) {
                        throw new MemberLeft();
                    }
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new CompletionException(e.getCause());
                } catch (InterruptedException e) {
                    interrupted = true; // as join: the commit's outcome is still to be learnt
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Hands a write this commit no longer waits for to whoever keeps them until they are done. */
    void giveUp(CompletableFuture<?> write) {
        if (!write.isDone()) {
            givenUp.accept(write);
        }
    }
}
