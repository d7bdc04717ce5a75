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
    void aSpoolOthersMayWriteIsRefusedWithTheCommandThatFixesIt() throws Exception {
        Path spool = Files.createDirectories(tmp.resolve("spool"));
        Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwxrwxrwx"));

        WorkerConfigException e = assertThrows(WorkerConfigException.class,
                () -> SpoolDir.prepare(spool, RunAs.processUid()));

        assertTrue(e.getMessage().contains("chmod"), e.getMessage());
    }
}
