package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.pbs.SubmitDefaults;
import dev.hpc.api.pbs.SubmitParser;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.api.wire.WireCodec;
import dev.hpc.api.wire.WireMessage;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 18: -W umask, --open-mode and -W sandbox, from the recorded directives to the worker's launch order. */
class FileModesTest {

    private static JobSpec submitted(String script, String... options) {
        return SubmitParser.parse(new SubmitRequest(script, List.of(options), "alice", "login1", "/home/alice",
                Map.of()), SubmitDefaults.STANDARD, java.time.Clock.systemUTC());
    }

    @Test
    void theRecordedDirectivesGiveTheModes() {
        assertEquals(FileModes.NONE, FileModes.of(Map.of()));
        assertEquals(new FileModes(OptionalInt.of(022), true, true),
                FileModes.of(Map.of("umask", "022", "sbatch.open-mode", "append", "sandbox", "PRIVATE")));
        assertEquals(new FileModes(OptionalInt.of(02), false, false),
                FileModes.of(Map.of("umask", "0002", "sbatch.open-mode", "truncate", "sandbox", "HOME")));
        assertEquals(OptionalInt.of(0777), FileModes.of(Map.of("umask", "7777")).umask(),
                "a umask stored before the check keeps its permission bits");
    }

    @Test
    void qsubAndSbatchRecordThemAsWrittenAndTheyApply() {
        JobSpec pbs = submitted("#!/bin/bash\n#PBS -W umask=0002,sandbox=private\ntrue\n");
        assertEquals("0002", pbs.recorded().get("umask"), "qstat -f shows it as written");
        assertEquals("private", pbs.recorded().get("sandbox"));
        assertEquals(new FileModes(OptionalInt.of(2), false, true), FileModes.of(pbs.recorded()));
        JobSpec slurm = submitted("#!/bin/bash\n#SBATCH --open-mode=APPEND\ntrue\n");
        assertEquals("append", slurm.recorded().get("sbatch.open-mode"));
        assertTrue(FileModes.of(slurm.recorded()).appendOutput());
    }

    @Test
    void aUmaskIsOctalFromZeroTo0777() {
        for (String good : List.of("0", "022", "077", "0777", "0002")) {
            assertEquals(good, FileModes.checkUmask(good));
        }
        for (String bad : List.of("", "8", "1000", "01000", "22a", "-1", "u=rwx", "00000")) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> FileModes.checkUmask(bad));
            assertTrue(e.getMessage().contains("such as umask=022"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new FileModes(OptionalInt.of(01000), false, false));
        assertEquals("0022", new FileModes(OptionalInt.of(022), false, false).umaskText());
        assertEquals("", FileModes.NONE.umaskText());
    }

    private static WireMessage.LaunchOrder order(FileModes files) {
        return aTask(1, "true").files(files).build();
    }

    @Test
    void theLaunchOrderCarriesThemOverTheWireAndOnlyWhenSet() {
        WireMessage.LaunchOrder order = order(new FileModes(OptionalInt.of(077), true, true));
        WireMessage.Launch back = (WireMessage.Launch) WireCodec.decodeFromHead(WireCodec.encode(
                new WireMessage.Launch(3, order)));
        assertEquals(order, back.order());
        assertEquals(order.files(), order.withEnvironment(Map.of("T", "t")).files(), "the spawn relay keeps them");
        assertEquals(OptionalInt.of(0), ((WireMessage.Launch) WireCodec.decodeFromHead(WireCodec.encode(
                new WireMessage.Launch(3, order(new FileModes(OptionalInt.of(0), false, false)))))).order().files()
                .umask(), "umask 0 is a umask, not none");

        String plain = WireCodec.encode(new WireMessage.Launch(3, order(FileModes.NONE)));
        for (String key : List.of("umask", "openMode", "sandbox")) {
            assertFalse(plain.contains("\"" + key + "\""), "a worker that predates " + key + " reads the order the same");
        }
        assertEquals(FileModes.NONE, ((WireMessage.Launch) WireCodec.decodeFromHead(plain)).order().files());
    }
}
