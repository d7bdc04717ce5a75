package dev.hpc.cli;

import dev.hpc.api.client.UserHome;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20: the commands took their home from the password file (the JVM's {@code user.home}), so a tool or test
 * that set {@code HOME} to keep its files apart read and wrote the account's real {@code ~/.hpc} instead.
 */
class HomeFromEnvironmentTest {
    @TempDir
    Path home;

    @Test
    void homeIsTheEnvironmentsWhenItIsAnAbsolutePathAndTheAccountsOtherwise() {
        Path account = Path.of(System.getProperty("user.home", "."));
        assertEquals(home, UserHome.of(Map.of("HOME", home.toString())));
        assertEquals(account, UserHome.of(Map.of("HOME", "relative/dir")));
        assertEquals(account, UserHome.of(Map.of("HOME", " ")));
        assertEquals(account, UserHome.of(Map.of()));
    }

    @Test
    void aCommandReadsTheServerFromTheConfigFileUnderHome() throws Exception {
        Path config = home.resolve(".hpc").resolve("config");
        Files.createDirectories(config.getParent());
        // port 9 (discard) is closed on loopback: the command names the server it was told of, and gives up
        Files.writeString(config, "server=127.0.0.1:9\n");
        Invocation call = new Invocation(Map.of("HOME", home.toString(), "HPC_WAIT", "1"), home,
                new ByteArrayInputStream(new byte[0]), true);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = Invocation.runAs(call, () -> HpcMain.run(new PrintWriter(out), new PrintWriter(err), "qstat"));

        assertEquals(ExitCodes.UNAVAILABLE, code, err.toString());
        assertTrue(err.toString().contains("127.0.0.1:9"), err.toString());
    }
}
