package dev.hpc.cli;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.ApiToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 8: where the CLI finds its token, and that it refuses a token file others may read. */
class ApiTokenTest {
    @TempDir
    Path home;

    private Path file(String name, String token) {
        Path f = home.resolve(name);
        ApiToken.install(f, token);
        return f;
    }

    @Test
    void theOptionWinsThenHpcTokenThenHpcTokenFileThenTheDefaultFile() {
        Path option = file("opt", "from-option");
        Path named = file("named", "from-named-file");
        file(".hpc/token", "from-home");
        Map<String, String> env = Map.of(ApiToken.ENV, "from-env", ApiToken.FILE_ENV, named.toString());
        assertEquals("from-option", ApiToken.find(Optional.of(option), env, home).value());
        assertEquals("from-env", ApiToken.find(Optional.empty(), env, home).value());
        assertEquals("from-named-file", ApiToken.find(Optional.empty(), Map.of(ApiToken.FILE_ENV, named.toString()),
                home).value());
        assertEquals("from-home", ApiToken.find(Optional.empty(), Map.of(), home).value());
    }

    @Test
    void noTokenIsAClearAdviceNotAnError() {
        ApiToken none = ApiToken.find(Optional.empty(), Map.of(), home);
        assertFalse(none.isPresent());
        assertTrue(none.advice().contains("hpc admin token create"), none.advice());
        assertTrue(none.advice().contains("hpc local up"), none.advice());
    }

    @Test
    void aTokenFileOthersMayReadIsRefusedWithTheFix() throws Exception {
        Path f = file(".hpc/token", "secret");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), "installed 0600");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        HpcException e = assertThrows(HpcException.class, () -> ApiToken.find(Optional.empty(), Map.of(), home));
        assertTrue(e.getMessage().contains("chmod 600 " + f), e.getMessage());
        assertEquals("ApiToken[****]", ApiToken.of("secret").toString(), "never printed");
    }
}
