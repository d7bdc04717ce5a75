package dev.hpc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolDirTest {
    @TempDir
    Path tmp;

    @Test
    void aSpoolUnderADirectoryOthersMayNotEnterIsFoundClosed() throws Exception {
        Path closed = Files.createDirectories(tmp.resolve("home"));
        Path spool = Files.createDirectories(closed.resolve("spool/n1"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));

        assertEquals(Optional.of(closed), SpoolDir.closedToOthers(spool));

        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(closed.resolve("spool"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwx--x--x"));
        // the temporary directory's own parents (/tmp, /) let others in on any machine the tests run on
        assertEquals(Optional.empty(), SpoolDir.closedToOthers(spool));
    }

    @Test
    void handOverFilesADeadAgentLeftAreRemovedAtStart() throws Exception {
        Path spool = tmp.resolve("spool");
        SpoolDir.prepare(spool, RunAs.processUid());
        Path left = Files.writeString(spool.resolve(OwnerShell.HAND_OVER_PREFIX + "123"), "command export A='secret'\n");
        Path attempt = Files.createDirectories(spool.resolve("42"));

        SpoolDir.prepare(spool, RunAs.processUid());

        assertTrue(Files.notExists(left), "a job's environment stayed in the spool");
        assertTrue(Files.isDirectory(attempt), "an attempt's directory went too");
    }

    @Test
    void aSpoolOthersMayWriteIsRefusedWithTheCommandThatFixesIt() throws Exception {
        Path spool = Files.createDirectories(tmp.resolve("spool"));
        Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwxrwxrwx"));

        WorkerConfigException e = assertThrows(WorkerConfigException.class,
                () -> SpoolDir.prepare(spool, RunAs.processUid()));

        assertTrue(e.getMessage().contains("chmod"), e.getMessage());
    }
}
