package dev.hpc.head.access;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Job;
import dev.hpc.api.json.Codec;
import dev.hpc.head.RequestRejected;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What of a job each caller may see (issue #15): the one rule that every path showing a job applies,
 * the REST API's single job and listings, the event stream (and so the web view) and the output route.
 *
 * <p>As PBS and Slurm sites have it: the owner, operators and admins see all of a job. Another user
 * sees its public attributes ({@link #PUBLIC_SPEC_FIELDS}: what {@code qstat} lists, never the script,
 * the environment, the paths or where it was submitted from) when listings of other users' jobs are
 * open ({@code othersListed}, OpenPBS's {@code query_other_jobs=true}, the default), and nothing at
 * all when they are not (Slurm's {@code PrivateData=jobs}): such a job answers as an id that does
 * not exist, so that a user cannot even learn that it does.
 *
 * @param othersListed whether users with role {@code user} see other users' jobs (setting
 *                     {@code query-other-jobs})
 */
public record JobVisibility(boolean othersListed) {
    public static final JobVisibility DEFAULT = new JobVisibility(true);

    /**
     * The spec fields a user sees of another user's job. A field added to the spec later stays its
     * owner's until it is named here.
     */
    public static final List<String> PUBLIC_SPEC_FIELDS = List.of("name", "owner", "queue", "resources", "array",
            "dependencies", "userHold", "priority", "rerunnable", "join", "mailPoints", "account", "notBefore");

    /** How much of a job a caller sees. */
    public enum View {
        /** Everything, the script and environment included: its owner, an operator, an admin. */
        ALL,
        /** Its public attributes: another user, when listings of others' jobs are open. */
        PUBLIC,
        /** Nothing, not even that it exists: another user, when listings are private. */
        NONE
    }

    /** {@code query-other-jobs} as a file or flag gives it: {@code true} or {@code false}. */
    public static JobVisibility parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> new JobVisibility(true);
            case "false" -> new JobVisibility(false);
            default -> throw new InvalidRequestException("query-other-jobs must be true (users see other users' "
                    + "jobs, without their scripts and environments) or false (users see only their own jobs), got '"
                    + text + "'");
        };
    }

    public View view(Caller caller, String owner) {
        if (caller.isOperator() || caller.user().equals(owner)) {
            return View.ALL;
        }
        return othersListed ? View.PUBLIC : View.NONE;
    }

    /**
     * Refuses a caller who may not know that the job exists with the answer an unknown id gets.
     *
     * @param asked the id as the caller wrote it, as an unknown id's answer would repeat it
     */
    public void requireVisible(Caller caller, String owner, String asked) {
        if (view(caller, owner) == View.NONE) {
            throw RequestRejected.unknownJob(asked);
        }
    }

    /** One job asked for by id: all of it, script and environment included, or its public attributes. */
    public Map<String, Object> detail(Caller caller, Job job, String asked) {
        return switch (view(caller, job.spec().owner())) {
            case ALL -> Codec.toMap(job, true);
            case PUBLIC -> publicMap(job);
            case NONE -> throw RequestRejected.unknownJob(asked);
        };
    }

    /**
     * A job in a listing, an event or the answer to a command: without its script and environment
     * even for its owner (they are asked for one job at a time); empty when the caller may not see it.
     */
    public Optional<Map<String, Object>> summary(Caller caller, Job job) {
        return summary(caller, job, false);
    }

    /**
     * As {@link #summary(Caller, Job)}; with {@code sealedCounted}, an array's sealed tasks are counted instead of
     * listed ({@link Codec#toListingMap}).
     */
    public Optional<Map<String, Object>> summary(Caller caller, Job job, boolean sealedCounted) {
        return switch (view(caller, job.spec().owner())) {
            case ALL -> Optional.of(sealedCounted ? Codec.toListingMap(job) : Codec.toMap(job, false));
            case PUBLIC -> Optional.of(publicMap(job, sealedCounted));
            case NONE -> Optional.empty();
        };
    }

    /**
     * The owner a listing is limited to, given the one the caller asked for ({@code ""}: any): as
     * asked, unless listings are private to a user, whose listing holds their own jobs only. Empty
     * when the caller asked for another user's jobs that they may not see: the listing is empty.
     */
    public Optional<String> listedOwner(Caller caller, String asked) {
        if (othersListed || caller.isOperator()) {
            return Optional.of(asked);
        }
        return asked.isEmpty() || asked.equals(caller.user()) ? Optional.of(caller.user()) : Optional.empty();
    }

    /** The public attributes of a job: all but the spec fields that are not {@link #PUBLIC_SPEC_FIELDS}. */
    static Map<String, Object> publicMap(Job job) {
        return publicMap(job, false);
    }

    private static Map<String, Object> publicMap(Job job, boolean sealedCounted) {
        Map<String, Object> m = sealedCounted ? Codec.toListingMap(job) : Codec.toMap(job, false);
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) m.get("spec");
        Map<String, Object> shown = new LinkedHashMap<>();
        for (String field : PUBLIC_SPEC_FIELDS) {
            if (spec.containsKey(field)) {
                shown.put(field, spec.get(field));
            }
        }
        m.put("spec", shown);
        return m;
    }
}
