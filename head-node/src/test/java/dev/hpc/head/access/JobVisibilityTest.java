package dev.hpc.head.access;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.Task;
import dev.hpc.api.json.Json;
import dev.hpc.api.pbs.SubmitDefaults;
import dev.hpc.api.pbs.SubmitParser;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.head.RequestRejected;
import dev.hpc.head.access.JobVisibility.View;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #15 ("Security II"): the one rule of who sees what of a job, for every role, on their own
 * job and on another's, with listings of other users' jobs open (the default, OpenPBS's
 * query_other_jobs=true) and private (Slurm's PrivateData=jobs); and the head setting that chooses.
 */
class JobVisibilityTest {
    private static final JobVisibility OPEN = new JobVisibility(true);
    private static final JobVisibility PRIVATE = new JobVisibility(false);

    private static Caller aUser(String name) {
        return new Caller(name, Role.USER);
    }

    /** A job of alice's with a secret in its script, its environment and its paths. */
    private static Job alicesJob() {
        JobSpec spec = SubmitParser.parse(new SubmitRequest("#!/bin/sh\n#PBS -N sim\necho SECRET_IN_SCRIPT\n",
                List.of("-v", "MY_SECRET=alice-secret-value", "-M", "alice@example.org", "-l", "nodes=2:ppn=4"),
                "alice", "alice-laptop", "/home/alice/run", Map.of("HOME", "/home/alice")),
                new SubmitDefaults("batch", true));
        return new Job(new JobId(7, "c", false), spec, JobState.QUEUED, Instant.parse("2025-03-10T12:00:00Z"),
                List.of(Task.fresh(Task.NO_INDEX, false)), "", 1);
    }

    @ParameterizedTest(name = "{0} on {1}''s job, listings open={2}: {3}")
    @CsvSource({
        // role,    owner,   open,  view
        "user,      alice,   true,  ALL",
        "user,      bob,     true,  PUBLIC",
        "user,      alice,   false, ALL",
        "user,      bob,     false, NONE",
        "operator,  olga,    true,  ALL",
        "operator,  bob,     true,  ALL",
        "operator,  olga,    false, ALL",
        "operator,  bob,     false, ALL",
        "admin,     adam,    true,  ALL",
        "admin,     bob,     true,  ALL",
        "admin,     adam,    false, ALL",
        "admin,     bob,     false, ALL",
    })
    void everyRoleOnItsOwnAndAnothersJobWithListingsOpenOrPrivate(String role, String owner, boolean open,
                                                                  View expected) {
        String me = switch (role) {
            case "operator" -> "olga";
            case "admin" -> "adam";
            default -> "alice";
        };
        Caller caller = new Caller(me, Role.parse(role));
        JobVisibility rule = new JobVisibility(open);
        assertEquals(expected, rule.view(caller, owner));
    }

    @Test
    void allOfAJobIsItsScriptEnvironmentAndPaths() {
        Job job = alicesJob();
        for (Caller who : List.of(aUser("alice"), new Caller("olga", Role.OPERATOR), new Caller("adam", Role.ADMIN))) {
            for (JobVisibility rule : List.of(OPEN, PRIVATE)) {
                String shown = Json.write(rule.detail(who, job, "7"));
                for (String secret : List.of("SECRET_IN_SCRIPT", "alice-secret-value", "/home/alice/run",
                        "alice-laptop", "alice@example.org")) {
                    assertTrue(shown.contains(secret), who + " should see " + secret);
                }
            }
        }
    }

    @Test
    void thePublicAttributesAreWhatQstatListsAndNothingOfTheOwnersOwn() {
        Map<String, Object> shown = OPEN.detail(aUser("mallory"), alicesJob(), "7");
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) shown.get("spec");
        Set<String> expected = new java.util.TreeSet<>(JobVisibility.PUBLIC_SPEC_FIELDS);
        expected.remove("array");
        assertEquals(expected, new java.util.TreeSet<>(spec.keySet()), "exactly the public fields (not an array)");
        assertEquals("sim", spec.get("name"));
        assertEquals("alice", spec.get("owner"));
        assertEquals("7.c", shown.get("id"));
        assertEquals("QUEUED", shown.get("state"));
        String text = Json.write(shown);
        for (String secret : List.of("SECRET_IN_SCRIPT", "alice-secret-value", "/home/alice", "alice-laptop",
                "alice@example.org", "PBS_O_")) {
            assertFalse(text.contains(secret), secret + " shown to another user: " + text);
        }
        assertEquals(shown, OPEN.summary(aUser("mallory"), alicesJob()).orElseThrow(),
                "a listing shows another's job as a lookup does");
    }

    @Test
    void aListingOrEventOfOnesOwnJobLeavesOutTheScriptAndEnvironmentButKeepsThePaths() {
        Map<String, Object> own = PRIVATE.summary(aUser("alice"), alicesJob()).orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) own.get("spec");
        assertFalse(spec.containsKey("script"));
        assertFalse(spec.containsKey("environment"));
        assertEquals("/home/alice/run", spec.get("submitDir"));
    }

    @Test
    void aHiddenJobIsAnUnknownIdAndIsInNoListingOrEvent() {
        RequestRejected lookUp = assertThrows(RequestRejected.class, () -> PRIVATE.detail(aUser("mallory"),
                alicesJob(), "7.c"));
        RequestRejected unknown = RequestRejected.unknownJob("7.c");
        assertEquals(List.of(unknown.status(), unknown.code(), unknown.getMessage()),
                List.of(lookUp.status(), lookUp.code(), lookUp.getMessage()), "the same answer as an unknown id");
        RequestRejected act = assertThrows(RequestRejected.class, () -> PRIVATE.requireVisible(aUser("mallory"),
                "alice", "7"));
        assertEquals("Unknown Job Id 7", act.getMessage());
        assertEquals(Optional.empty(), PRIVATE.summary(aUser("mallory"), alicesJob()));
        PRIVATE.requireVisible(aUser("alice"), "alice", "7");
        OPEN.requireVisible(aUser("mallory"), "alice", "7");
        PRIVATE.requireVisible(new Caller("olga", Role.OPERATOR), "alice", "7");
    }

    @Test
    void aPrivateListingHoldsTheCallersOwnJobsAndAnotherUsersAreNone() {
        assertEquals(Optional.of(""), OPEN.listedOwner(aUser("mallory"), ""));
        assertEquals(Optional.of("alice"), OPEN.listedOwner(aUser("mallory"), "alice"));
        assertEquals(Optional.of("mallory"), PRIVATE.listedOwner(aUser("mallory"), ""));
        assertEquals(Optional.of("mallory"), PRIVATE.listedOwner(aUser("mallory"), "mallory"));
        assertEquals(Optional.empty(), PRIVATE.listedOwner(aUser("mallory"), "alice"));
        assertEquals(Optional.of(""), PRIVATE.listedOwner(new Caller("olga", Role.OPERATOR), ""));
        assertEquals(Optional.of("alice"), PRIVATE.listedOwner(new Caller("adam", Role.ADMIN), "alice"));
    }

    @Test
    void theSettingDefaultsToOpenAndComesFromTheFileThenTheFlag() {
        Path dir = Path.of("/tmp/head");
        assertEquals(OPEN, AccessSettings.defaults(dir).jobVisibility());
        Properties file = new Properties();
        assertEquals(OPEN, AccessSettings.from(file, dir, null, null, null, null, null, null).jobVisibility());
        file.setProperty("query-other-jobs", " false ");
        assertEquals(PRIVATE, AccessSettings.from(file, dir, null, null, null, null, null, null).jobVisibility());
        assertEquals(OPEN, AccessSettings.from(file, dir, null, null, null, null, null, "TRUE").jobVisibility(),
                "the flag wins over the file");
    }

    @Test
    void aValueOtherThanTrueOrFalseStopsTheStartWithWhatToWrite() {
        Properties file = new Properties();
        file.setProperty("query-other-jobs", "no");
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> AccessSettings.from(file,
                Path.of("/tmp/head"), null, null, null, null, null, null));
        assertEquals("query-other-jobs must be true (users see other users' jobs, without their scripts and "
                + "environments) or false (users see only their own jobs), got 'no'", e.getMessage());
    }
}
