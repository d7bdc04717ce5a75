package dev.hpc.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpc.api.HpcException;
import dev.hpc.head.edge.EdgeSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The limits of the head's HTTP port as configuration: defaults, then the file, then flags, checked at start. */
class EdgeSettingsConfigTest {
    @TempDir
    Path dir;

    private HeadConfig configOf(String... args) throws Exception {
        HeadMain main = new HeadMain();
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = "--insecure-no-secret";
        new CommandLine(main).parseArgs(all);
        return main.config();
    }

    @Test
    void defaultsThenTheFileThenFlags() throws Exception {
        assertEquals(EdgeSettings.DEFAULTS, configOf("--data-dir", dir.toString(), "--cluster", "c").edge());

        Path file = Files.writeString(dir.resolve("head.properties"), "header-timeout=5s\nbody-timeout=2m\n"
                + "idle-timeout=90s\nlink-handshake-timeout=3s\nmax-request-line=2048\nmax-header-size=16384\n");
        EdgeSettings fromFile = configOf("--config", file.toString(), "--data-dir", dir.toString(), "--cluster", "c")
                .edge();
        assertEquals(new EdgeSettings(Duration.ofSeconds(5), Duration.ofMinutes(2), Duration.ofSeconds(90),
                Duration.ofSeconds(3), 2048, 16384), fromFile);

        EdgeSettings flagsWin = configOf("--config", file.toString(), "--data-dir", dir.toString(), "--cluster", "c",
                "--header-timeout", "7s", "--max-header-size", "4096").edge();
        assertEquals(Duration.ofSeconds(7), flagsWin.headerTimeout());
        assertEquals(4096, flagsWin.maxHeaderBytes());
        assertEquals(Duration.ofMinutes(2), flagsWin.bodyTimeout());
    }

    @Test
    void aBadSettingIsRefusedAtStartWithWhatToFix() throws Exception {
        HpcException idle = assertThrows(HpcException.class, () -> configOf("--data-dir", dir.toString(),
                "--cluster", "c", "--idle-timeout", "10s"));
        assertTrue(idle.getMessage().contains("idle-timeout") && idle.getMessage().contains("keepalive"),
                idle.getMessage());
        assertEquals(Duration.ofMinutes(2), configOf("--data-dir", dir.toString(), "--cluster", "c", "--heartbeat",
                "40s", "--node-timeout", "2m").edge().idleTimeout(), "by default three heartbeats when that is longer");
        HpcException beat = assertThrows(HpcException.class, () -> configOf("--data-dir", dir.toString(),
                "--cluster", "c", "--heartbeat", "40s", "--node-timeout", "2m", "--idle-timeout", "60s"));
        assertTrue(beat.getMessage().contains("two heartbeat intervals"), beat.getMessage());
        HpcException size = assertThrows(HpcException.class, () -> configOf("--data-dir", dir.toString(),
                "--cluster", "c", "--max-header-size", "8k"));
        assertTrue(size.getMessage().contains("--max-header-size must be a whole number of bytes"), size.getMessage());
        HpcException small = assertThrows(HpcException.class, () -> configOf("--data-dir", dir.toString(),
                "--cluster", "c", "--header-timeout", "0s"));
        assertTrue(small.getMessage().contains("header-timeout must be at least 100ms"), small.getMessage());
    }
}
