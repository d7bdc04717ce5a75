package dev.hpc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class LogLineTest {
    private static final Instant AT = Instant.parse("2026-11-24T09:41:37.123Z");

    @Test
    void oneLineWithTheTimeInTheZoneLevelLoggerAndMessage() {
        LogRecord r = new LogRecord(Level.INFO, "attempt {0} ended");
        r.setParameters(new Object[] {"7"});
        r.setLoggerName("dev.hpc.worker.TaskProcess");
        r.setInstant(AT);
        assertEquals("2026-11-24 15:11:37.123 INFO [dev.hpc.worker.TaskProcess] attempt 7 ended"
                + System.lineSeparator(), new LogLine(ZoneId.of("Asia/Kolkata")).format(r));
    }

    @Test
    void aThrowableFollowsOnTheNextLines() {
        LogRecord r = new LogRecord(Level.WARNING, "failed");
        r.setLoggerName("x");
        r.setInstant(AT);
        r.setThrown(new IllegalStateException("boom"));
        String[] lines = new LogLine().format(r).split(System.lineSeparator());
        assertTrue(lines[0].endsWith(" WARNING [x] failed"), lines[0]);
        assertEquals("java.lang.IllegalStateException: boom", lines[1]);
        assertTrue(lines[2].strip().startsWith("at dev.hpc.worker.LogLineTest."), lines[2]);
    }
}
