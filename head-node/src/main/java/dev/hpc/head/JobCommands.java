package dev.hpc.head;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobOutput;
import dev.hpc.api.job.JobSpec;
import dev.hpc.head.access.Caller;
import dev.hpc.head.access.JobAccess;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.state.Command;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * What a user may do to a job after submitting it ({@code qdel}, {@code qhold}, {@code qrls}, {@code qrerun},
 * {@code qsig}, {@code qmsg}, {@code qorder}, {@code qmove}, {@code qalter}): each is a command, checked for the
 * caller's right on the state thread right before it is applied and answered once it is committed.
 */
public final class JobCommands {
    private final HeadConfig config;
    private final Clock clock;
    private final CommitPipeline commits;
    /** The active state; read on the state thread only. */
    private final Supplier<ClusterState> state;

    JobCommands(HeadConfig config, Clock clock, CommitPipeline commits, Supplier<ClusterState> state) {
        this.config = config;
        this.clock = clock;
        this.commits = commits;
        this.state = state;
    }

    /** Checks on the state thread, right before applying, that the caller may act on the job: nothing half-applied. */
    private CompletableFuture<Job> command(Command command, JobId.JobRef ref, Caller caller, String verb) {
        return commits.applyThenAnswer(() -> {
            checkMayAct(ref, caller, verb);
            return command;
        }, out -> out.answer().orElseThrow());
    }

    private void checkMayAct(JobId.JobRef ref, Caller caller, String verb) {
        state.get().ownerOf(ref.number()).ifPresent(owner -> {
            config.access().jobVisibility().requireVisible(caller, owner, ref.toString());
            JobAccess.check(caller, owner, state.get().idOf(ref.number()).map(Object::toString).orElse(ref.toString()),
                    verb);
        });
    }

    public CompletableFuture<Job> cancel(JobId.JobRef ref, Caller caller) {
        return command(new Command.Cancel(ref, caller.user(), clock.instant()), ref, caller, "cancel");
    }

    /** {@code qhold -h TYPES}: {@code u} user, {@code o} operator hold (operators only). */
    public CompletableFuture<Job> hold(JobId.JobRef ref, Caller caller, String types) {
        JobAccess.checkHoldTypes(caller, types, "set");
        return command(new Command.Hold(ref, caller.user(), types), ref, caller, "hold");
    }

    public CompletableFuture<Job> release(JobId.JobRef ref, Caller caller, String types) {
        JobAccess.checkHoldTypes(caller, types, "release");
        return command(new Command.Release(ref, caller.user(), types), ref, caller, "release");
    }

    /**
     * {@code qrerun}: running tasks go back to the queue, their attempts killed. Operators and admins only, as in
     * PBS: a rerun throws away work the owner's allocation already did.
     */
    public CompletableFuture<Job> rerun(JobId.JobRef ref, Caller caller) {
        JobAccess.requireOperator(caller, "rerun a job (qrerun)");
        return command(new Command.Rerun(ref, caller.user(), clock.instant()), ref, caller, "rerun");
    }

    /** {@code qsig}: the owner, operators and admins may signal a running job's processes. */
    public CompletableFuture<Job> signal(JobId.JobRef ref, String signal, Caller caller) {
        return command(new Command.Signal(ref, caller.user(), signal), ref, caller, "signal");
    }

    /** {@code qmsg}: the owner, operators and admins may write a line into a running job's output. */
    public CompletableFuture<Job> message(JobId.JobRef ref, JobOutput.Stream stream, String text,
                                          Caller caller) {
        return command(new Command.Message(ref, caller.user(), stream, text), ref, caller, "message");
    }

    /**
     * {@code qorder}: swaps two waiting jobs' places. The caller must be allowed to act on both (its own jobs, or
     * any as an operator); both are checked on the state thread right before the swap.
     */
    public CompletableFuture<Job> order(JobId.JobRef ref, JobId.JobRef other, Caller caller) {
        return commits.applyThenAnswer(() -> {
            checkMayAct(ref, caller, "reorder");
            checkMayAct(other, caller, "reorder");
            return new Command.Order(ref, other, caller.user());
        }, out -> out.answer().orElseThrow());
    }

    /** {@code qmove}: the job goes to {@code queue}, checked against it as a submission; whole, or not at all. */
    public CompletableFuture<Job> move(JobId.JobRef ref, String queue, Caller caller) {
        return command(new Command.Move(ref, queue, caller.user(), clock.instant()), ref, caller, "move");
    }

    /** {@code qalter}: the change is checked like a submission and applied whole, or not at all. */
    public CompletableFuture<Job> alter(JobId.JobRef ref, UnaryOperator<JobSpec> change,
                                        Caller caller) {
        return command(new Command.Alter(ref, change, caller.user(), clock.instant()), ref, caller, "alter");
    }
}
