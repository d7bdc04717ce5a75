package dev.hpc.head.access;

import dev.hpc.api.JobSpec;
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

    /** A submission must not take its owner past the queued limit; array tasks count one each. */
    public static void checkQueuedLimit(JobSpec spec, int waitingNow, int limit) {
        int adding = spec.isArray() ? spec.array().orElseThrow().indices().size() : 1;
        if ((long) waitingNow + adding > limit) {
            throw new RequestRejected(403, "QUEUED_LIMIT", "you have " + waitingNow + " queued jobs; the limit is "
                    + limit + (adding > 1 ? " and this array adds " + adding : "")
                    + "; wait for some to start or cancel some (qdel) and submit again");
        }
    }

    /** A request body names a user: it must be the token's own, unless the caller is an admin. */
    public static void checkActAs(Caller caller, String asUser) {
        if (!asUser.isEmpty() && !asUser.equals(caller.user()) && !caller.isAdmin()) {
            throw forbidden("your token is for " + caller.user() + " but the request names user " + asUser
                    + "; leave the user field out (the token says who you are)");
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
