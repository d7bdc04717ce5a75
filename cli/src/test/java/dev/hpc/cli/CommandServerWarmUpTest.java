package dev.hpc.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The command server's warm-up: every call reaches the point of asking a head, and is refused there. */
class CommandServerWarmUpTest {
    @Test
    void everyCallIsMadeAndEndsAsOneThatNoHeadAnswered() {
        // a call that failed earlier (a usage error, a missing token, its standard input not read) would warm
        // up less than the path users take, and would not end with the exit code of an unreachable head
        try (PreparedCommandLines trees = new PreparedCommandLines()) {
            assertEquals(6, CommandServerWarmUp.run(3, java.time.Duration.ofMinutes(1), trees));
        }
    }
}
