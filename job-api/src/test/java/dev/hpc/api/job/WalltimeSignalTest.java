package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.pbs.SubmitDefaults;
import dev.hpc.api.pbs.SubmitParser;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.api.wire.WireCodec;
import dev.hpc.api.wire.WireMessage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 19, item 5: Slurm's {@code --signal} and Torque's {@code -l signal}, read, checked and recorded. */
class WalltimeSignalTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-10T12:00:00Z"), ZoneOffset.UTC);

    private static JobSpec submitted(String script, String... options) {
        return SubmitParser.parse(new SubmitRequest(script, List.of(options), "alice", "login1", "/home/alice",
                Map.of()), SubmitDefaults.STANDARD, CLOCK);
    }

    private static JobSpec withDirectives(String... lines) {
        return submitted("#!/bin/bash\n" + String.join("\n", lines) + "\nhostname\n");
    }

    @Test
    void slurmFormsAreRead() {
        assertEquals(new WalltimeSignal("USR1", 120, false), WalltimeSignal.parseSlurm("USR1@120"));
        assertEquals(new WalltimeSignal("TERM", 60, true), WalltimeSignal.parseSlurm("B:TERM@60"));
        assertEquals(new WalltimeSignal("USR2", 60, false), WalltimeSignal.parseSlurm("SIGUSR2"),
                "without SECONDS the lead is Slurm's 60");
        assertEquals(new WalltimeSignal("USR1", 0, false), WalltimeSignal.parseSlurm("R:10@0"),
                "R: is accepted and has no meaning here; a number names the signal");
        assertEquals(new WalltimeSignal("HUP", 65535, true), WalltimeSignal.parseSlurm("rb:hup@65535"));
    }

    @Test
    void torqueFormTakesAClockToo() {
        assertEquals(new WalltimeSignal("USR1", 300, false), WalltimeSignal.parsePbs("USR1@300"));
        assertEquals(new WalltimeSignal("INT", 90, false), WalltimeSignal.parsePbs("SIGINT@1:30"));
        assertEquals(new WalltimeSignal("TERM", 60, true), WalltimeSignal.parsePbs("B:TERM"));
    }

    @Test
    void badValuesSayWhatToWrite() {
        for (String bad : List.of("", "@60", "FOO@60", "USR1@", "USR1@-1", "USR1@65536", "USR1@1:00", "X:USR1@5",
                "USR1@ten", "0@60", "99@60")) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> WalltimeSignal.parseSlurm(bad), bad);
            assertTrue(e.getMessage().contains("[B:]SIGNAL[@SECONDS]"), e.getMessage());
        }
        InvalidRequestException far = assertThrows(InvalidRequestException.class,
                () -> WalltimeSignal.parsePbs("USR1@19:00:00"));
        assertTrue(far.getMessage().contains("at most 65535 seconds"), far.getMessage());
    }

    @Test
    void bothDirectivesRecordOneAttributeTheLaterWins() {
        assertEquals("USR1@120", withDirectives("#SBATCH --signal=USR1@120").recorded()
                .get(WalltimeSignal.RECORDED));
        assertEquals("USR1@300", withDirectives("#PBS -l signal=SIGUSR1@300").recorded()
                .get(WalltimeSignal.RECORDED));
        assertEquals("B:TERM@60", submitted("#!/bin/bash\n#PBS -l signal=USR1@300\nhostname\n", "-l",
                "signal=B:TERM").recorded().get(WalltimeSignal.RECORDED), "the command line wins over the script");
        assertEquals(new WalltimeSignal("USR1", 4, false),
                WalltimeSignal.of(withDirectives("#SBATCH --signal=USR1@4").recorded()));
        assertEquals(WalltimeSignal.NONE, WalltimeSignal.of(withDirectives("#PBS -l walltime=60").recorded()));
    }

    @Test
    void aBadDirectiveIsRefusedNamingItsLine() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> withDirectives("#SBATCH -t 10", "#SBATCH --signal=USR1@2m"));
        assertTrue(e.getMessage().startsWith("line 3: --signal"), e.getMessage());
        InvalidRequestException pbs = assertThrows(InvalidRequestException.class,
                () -> withDirectives("#PBS -l signal=USR3@60"));
        assertTrue(pbs.getMessage().startsWith("line 2: -l signal=USR3@60"), pbs.getMessage());
        assertTrue(pbs.getMessage().contains("is not a signal name"), pbs.getMessage());
    }

    @Test
    void dueLeadSecondsBeforeTheWalltimeAndNeverWithoutOne() {
        WalltimeSignal usr1 = new WalltimeSignal("USR1", 120, false);
        assertEquals(Optional.of(Duration.ofSeconds(480)), usr1.dueAfter(Duration.ofMinutes(10)));
        assertEquals(Optional.of(Duration.ZERO), usr1.dueAfter(Duration.ofSeconds(120)), "lead = walltime: at start");
        assertEquals(Optional.of(Duration.ZERO), usr1.dueAfter(Duration.ofSeconds(30)), "lead > walltime: at start");
        assertEquals(Optional.empty(), usr1.dueAfter(Duration.ZERO), "no walltime, no signal");
        assertEquals(Optional.empty(), WalltimeSignal.NONE.dueAfter(Duration.ofMinutes(10)));
        assertFalse(WalltimeSignal.NONE.any());
    }

    @Test
    void theLaunchOrderCarriesItOverTheWireAndOnlyWhenAsked() {
        WireMessage.LaunchOrder order = aTask(1, "true").signalBeforeWalltime("B:USR1@120").build();
        WireMessage.Launch back = (WireMessage.Launch) WireCodec.decodeFromHead(WireCodec.encode(
                new WireMessage.Launch(3, order)));
        assertEquals(order, back.order());
        assertEquals(order.warning(), order.withEnvironment(Map.of("T", "t")).warning(), "the spawn relay keeps it");
        String plain = WireCodec.encode(new WireMessage.Launch(3, aTask(1, "true").build()));
        assertFalse(plain.contains("warningSignal"), "a worker that predates it reads such an order the same");
        assertEquals(WalltimeSignal.NONE, ((WireMessage.Launch) WireCodec.decodeFromHead(plain)).order().warning());
    }

    @Test
    void textReadsBack() {
        for (WalltimeSignal s : List.of(new WalltimeSignal("USR1", 0, false), new WalltimeSignal("34", 65535, true),
                new WalltimeSignal("TERM", 60, true))) {
            assertEquals(s, WalltimeSignal.parsePbs(s.text()));
        }
    }
}
