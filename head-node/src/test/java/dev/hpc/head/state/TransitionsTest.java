package dev.hpc.head.state;

import dev.hpc.api.job.JobState;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static dev.hpc.api.job.JobState.CANCELLED;
import static dev.hpc.api.job.JobState.COMPLETED;
import static dev.hpc.api.job.JobState.FAILED;
import static dev.hpc.api.job.JobState.HELD;
import static dev.hpc.api.job.JobState.QUEUED;
import static dev.hpc.api.job.JobState.RUNNING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransitionsTest {
    private static final Map<JobState, Set<JobState>> EXPECTED = Map.of(
            HELD, Set.of(QUEUED, CANCELLED),
            QUEUED, Set.of(HELD, RUNNING, CANCELLED),
            RUNNING, Set.of(QUEUED, COMPLETED, FAILED, CANCELLED),
            COMPLETED, Set.of(),
            FAILED, Set.of(),
            CANCELLED, Set.of());

    @Test
    void everyPairOfStatesIsAllowedExactlyAsTheDesignSays() {
        for (JobState from : JobState.values()) {
            for (JobState to : JobState.values()) {
                assertEquals(EXPECTED.get(from).contains(to), Transitions.allowed(from, to), from + " -> " + to);
            }
        }
    }

    @Test
    void aRefusedTransitionNamesBothStates() {
        Transitions.IllegalTransition e = assertThrows(Transitions.IllegalTransition.class,
                () -> Transitions.check("task 1.c", COMPLETED, RUNNING));
        assertTrue(e.getMessage().contains("COMPLETED") && e.getMessage().contains("RUNNING"), e.getMessage());
    }
}
