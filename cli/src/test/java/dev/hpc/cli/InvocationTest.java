package dev.hpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a command served for a caller takes from the caller rather than from the server's process. */
class InvocationTest {
    private static Invocation served(Map<String, String> env) {
        return new Invocation(env, Path.of("/home/alice/work"), InputStream.nullInputStream(), true);
    }

    @Test
    void theCallersTimeZoneNamesTheZoneOfItsTimes() {
        assertEquals(ZoneId.of("Asia/Tokyo"), served(Map.of("TZ", "Asia/Tokyo")).zone());
        assertEquals(ZoneId.of("UTC"), served(Map.of("TZ", ":UTC")).zone());
        assertEquals(ZoneId.systemDefault(), served(Map.of("TZ", "not a zone")).zone());
        assertEquals(ZoneId.systemDefault(), served(Map.of()).zone());
    }

    @Test
    void pathsAreTheCallers() {
        assertEquals(Path.of("/home/alice/work/ca.pem"), served(Map.of()).resolve("ca.pem"));
        assertEquals(Path.of("/etc/hpc/ca.pem"), served(Map.of()).resolve("/etc/hpc/ca.pem"));
    }
}
