package dev.hpc.head.access;

import dev.hpc.api.job.JobSpec;
import dev.hpc.head.RequestRejected;

/**
 * Who may do what to a job, as PBS has it: only the owner, an operator or an admin may cancel, hold,
 * release, alter or read the output of a job; operator holds need an operator. Each check throws
 * {@code 403 FORBIDDEN} before anything changes. What a caller may see of a job, and whether they
 * may know of it at all, is {@link JobVisibility}'s to say, and is checked before these.
 */
public final class JobAccess {
    private JobAccess() {
    }

    /** @param job the job as the caller should read it in the message, e.g. {@code 12.c} */
    public static void check(Caller caller, String owner, String job, String verb) {
        if (!caller.user().equals(owner) && !caller.isOperator()) {
            throw forbidden("job " + job + " belongs to " + owner + "; only its owner or an operator may " + verb
                    + " it");
        }
    }

    /** Operator holds ({@code -h o}) are set and released by operators only. */
    public static void checkHoldTypes(Caller caller, String types, String verb) {
        if (types.indexOf('o') >= 0 && !caller.isOperator()) {
            throw forbidden("only an operator may " + verb + " an operator hold (-h o); " + caller.user()
                    + " has role " + caller.role().word());
        }
    }

    /**
     * A submission must not take its owner past the queued limits (0: none): {@code maxTasks} queued or held
     * tasks, array tasks counting one each, and {@code maxJobs} jobs with such tasks, an array counting once.
     * The refusal names the limit, and how to raise it.
     */
    public static void checkQueuedLimits(JobSpec spec, int tasksNow, int jobsNow, int maxTasks, int maxJobs) {
        int adding = spec.isArray() ? spec.array().orElseThrow().indices().size() : 1;
        String owner = spec.owner();
        if (maxTasks > 0 && (long) tasksNow + adding > maxTasks) {
            throw new RequestRejected(403, "QUEUED_LIMIT", owner + " has " + tasksNow + " queued or held tasks"
                    + (adding > 1 ? " and this array adds " + adding : "") + "; the limit is " + maxTasks
                    + " per user (the head's max-queued-per-user, each task of an array counting one); wait for "
                    + "some to start, cancel some (qdel), or ask an administrator to raise max-queued-per-user");
        }
        if (maxJobs > 0 && (long) jobsNow + 1 > maxJobs) {
            throw new RequestRejected(403, "QUEUED_LIMIT", owner + " has " + jobsNow + " queued or held jobs; the "
                    + "limit is " + maxJobs + " per user (the head's max-queued-jobs-per-user, an array job counting "
                    + "once); wait for some to start, cancel some (qdel), submit many alike tasks as one array job "
                    + "(qsub -J), or ask an administrator to raise max-queued-jobs-per-user");
        }
    }

    /** A request body names a user: it must be the token's own, unless the caller is an admin. */
    public static void checkActAs(Caller caller, String asUser) {
        if (!asUser.isEmpty() && !asUser.equals(caller.user()) && !caller.isAdmin()) {
            throw forbidden("your token is for " + caller.user() + " but the request names user " + asUser
                    + "; leave the user field out (the token says who you are)");
        }
    }

    /**
     * qsub {@code -u}: a job whose script or options name another owner ({@code owner}) than the one submitting
     * ({@code submitting}) is accepted only from an admin, as the REST API's {@code user} field is; PBS runs a job
     * as another user only where the server allows it, and here only an admin may act for a user.
     */
    public static void checkRunAs(Caller caller, String owner, String submitting) {
        if (!owner.equals(submitting) && !caller.isAdmin()) {
            throw forbidden("-u " + owner + ": only an admin may submit a job that runs as another user, and "
                    + caller.user() + " has role " + caller.role().word() + "; leave -u out to run the job as "
                    + submitting + ", or ask an admin to submit it for " + owner);
        }
    }

    /** Routes for operators: node administration. */
    public static void requireOperator(Caller caller, String what) {
        if (!caller.isOperator()) {
            throw forbidden("only an operator or an admin may " + what + "; " + caller.user() + " has role "
                    + caller.role().word());
        }
    }

    /** Routes for admins: tokens. */
    public static void requireAdmin(Caller caller, String what) {
        if (!caller.isAdmin()) {
            throw forbidden("only an admin may " + what + "; " + caller.user() + " has role " + caller.role().word());
        }
    }

    public static RequestRejected forbidden(String message) {
        return new RequestRejected(403, "FORBIDDEN", message);
    }
}
