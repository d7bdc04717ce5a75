package dev.hpc.head.access;

import dev.hpc.api.InvalidRequestException;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The head's access settings (docs/security.md).
 *
 * @param adminTokenFile   the bootstrap admin token: registered at start, created (mode 0600) when missing
 * @param submitRate       submissions per second a user with role {@code user} may make on average
 * @param submitBurst      how many submissions such a user may make at once before the rate applies
 * @param maxQueuedPerUser the most queued and held tasks one user with role {@code user} may have (array
 *                         tasks count one each); 0 means no limit
 * @param maxQueuedJobsPerUser the most jobs with a queued or held task such a user may have (an array counts
 *                         once); 0 means no limit
 * @param jobVisibility    whether users see other users' jobs ({@code query-other-jobs}, default true);
 *                         never their scripts and environments either way
 */
public record AccessSettings(Path adminTokenFile, double submitRate, int submitBurst, int maxQueuedPerUser,
                             int maxQueuedJobsPerUser, JobVisibility jobVisibility) {
    public static final double DEFAULT_SUBMIT_RATE = 1000;
    public static final int DEFAULT_SUBMIT_BURST = 10_000;
    /**
     * A user's queued tasks: as many as one array may hold, which costs the head little since an array's
     * unstarted tasks are one record (issue 15).
     */
    public static final int DEFAULT_MAX_QUEUED = 1_000_000;
    /** A user's queued jobs: each is a record of its own (script, environment), and a page of qstat output. */
    public static final int DEFAULT_MAX_QUEUED_JOBS = 10_000;

    public AccessSettings {
        if (!(submitRate > 0) || Double.isInfinite(submitRate)) {
            throw new InvalidRequestException("submit-rate must be a positive number of submissions per second, got "
                    + submitRate);
        }
        if (submitBurst < 1) {
            throw new InvalidRequestException("submit-burst must be at least 1, got " + submitBurst);
        }
        if (maxQueuedPerUser < 0) {
            throw new InvalidRequestException("max-queued-per-user must be 0 (no limit) or more, got "
                    + maxQueuedPerUser);
        }
        if (maxQueuedJobsPerUser < 0) {
            throw new InvalidRequestException("max-queued-jobs-per-user must be 0 (no limit) or more, got "
                    + maxQueuedJobsPerUser);
        }
    }

    public static AccessSettings defaults(Path dataDir) {
        return new AccessSettings(dataDir.resolve("admin.token"), DEFAULT_SUBMIT_RATE, DEFAULT_SUBMIT_BURST,
                DEFAULT_MAX_QUEUED, DEFAULT_MAX_QUEUED_JOBS, JobVisibility.DEFAULT);
    }

    /**
     * From flags (null when not given), else the config file's keys of the same names, else the defaults.
     */
    public static AccessSettings from(Properties file, Path dataDir, Path adminTokenFileFlag, String submitRateFlag,
                                      String submitBurstFlag, String maxQueuedFlag, String maxQueuedJobsFlag,
                                      String queryOtherJobsFlag) {
        AccessSettings d = defaults(dataDir);
        Path tokenFile = adminTokenFileFlag != null ? adminTokenFileFlag
                : file.containsKey("admin-token-file") ? Path.of(file.getProperty("admin-token-file").strip())
                : d.adminTokenFile();
        return new AccessSettings(tokenFile,
                number("submit-rate", pick(submitRateFlag, file, "submit-rate", String.valueOf(d.submitRate()))),
                (int) whole("submit-burst", pick(submitBurstFlag, file, "submit-burst",
                        String.valueOf(d.submitBurst()))),
                (int) whole("max-queued-per-user", pick(maxQueuedFlag, file, "max-queued-per-user",
                        String.valueOf(d.maxQueuedPerUser()))),
                (int) whole("max-queued-jobs-per-user", pick(maxQueuedJobsFlag, file, "max-queued-jobs-per-user",
                        String.valueOf(d.maxQueuedJobsPerUser()))),
                JobVisibility.parse(pick(queryOtherJobsFlag, file, "query-other-jobs",
                        String.valueOf(d.jobVisibility().othersListed()))));
    }

    public AccessSettings withSubmitRate(double rate, int burst) {
        return new AccessSettings(adminTokenFile, rate, burst, maxQueuedPerUser, maxQueuedJobsPerUser, jobVisibility);
    }

    public AccessSettings withMaxQueuedPerUser(int max) {
        return new AccessSettings(adminTokenFile, submitRate, submitBurst, max, maxQueuedJobsPerUser, jobVisibility);
    }

    public AccessSettings withMaxQueuedJobsPerUser(int max) {
        return new AccessSettings(adminTokenFile, submitRate, submitBurst, maxQueuedPerUser, max, jobVisibility);
    }

    public AccessSettings withAdminTokenFile(Path file) {
        return new AccessSettings(file, submitRate, submitBurst, maxQueuedPerUser, maxQueuedJobsPerUser,
                jobVisibility);
    }

    public AccessSettings withJobVisibility(JobVisibility visibility) {
        return new AccessSettings(adminTokenFile, submitRate, submitBurst, maxQueuedPerUser, maxQueuedJobsPerUser,
                visibility);
    }

    private static String pick(String flag, Properties file, String key, String fallback) {
        return flag != null ? flag : file.getProperty(key, fallback).strip();
    }

    private static double number(String key, String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(key + " must be a number, got '" + text + "'");
        }
    }

    private static long whole(String key, String text) {
        try {
            long n = Long.parseLong(text.replace("_", "").replace(",", ""));
            if (n > Integer.MAX_VALUE) {
                throw new InvalidRequestException(key + " must be at most " + Integer.MAX_VALUE + ", got " + text);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(key + " must be a whole number, got '" + text + "'");
        }
    }
}
