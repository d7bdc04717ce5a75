package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression (issue 15 and 16): an owner name an admin gave for another user was held only to the length of a
 * text field (1,024), longer than the database's column: the commit failed with a 500, and now that a failed
 * commit stops the head, such a name would have stopped it. Owners are held to the rule of account names,
 * whoever names them.
 */
class SubmitLimitsTest {
    private static JobSpec ownedBy(String owner) {
        return new JobSpec("job", owner, "h", "true\n", "/tmp", "/tmp", Map.of(), "batch", Resources.DEFAULT,
                Optional.empty(), List.of(), false, 0, true, "", "", JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
    }

    @Test
    void ownersThatNoAccountCanHaveAreRefusedWithTheRule() {
        for (String bad : List.of("x".repeat(65), "$(id)", "../../etc/passwd", "'; DROP TABLE jobs; --", "-rf",
                ".hidden", "a b", "")) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> SubmitLimits.check(ownedBy(bad)), bad);
            assertTrue(e.getMessage().contains("is not a valid user name: letters, digits"), e.getMessage());
        }
    }

    @Test
    void ownersAsSitesNameThemAreAccepted() {
        for (String good : List.of("alice", "Bob.Smith", "svc_backup-2", "x".repeat(64), "u1234")) {
            assertEquals(good, SubmitLimits.check(ownedBy(good)).owner());
        }
    }
}
