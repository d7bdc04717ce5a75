package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 20: qsig takes signals as OpenPBS does. */
class SignalsTest {
    @Test
    void namesWithOrWithoutSigInAnyCaseAndNumbersGiveOneCanonicalForm() {
        assertEquals("TERM", Signals.parse("SIGTERM"));
        assertEquals("USR1", Signals.parse("usr1"));
        assertEquals("USR1", Signals.parse("SigUsr1"));
        assertEquals("USR1", Signals.parse("10"));
        assertEquals("KILL", Signals.parse(" 9 "));
        assertEquals("40", Signals.parse("40"), "a real-time signal keeps its number");
        assertEquals(10, Signals.number("USR1"));
        assertEquals(40, Signals.number("40"));
    }

    @Test
    void whatIsNoSignalIsRefusedWithWhatToGiveInstead() {
        InvalidRequestException name = assertThrows(InvalidRequestException.class, () -> Signals.parse("SIGFOO"));
        assertTrue(name.getMessage().contains("'SIGFOO' is not a signal name: give one of HUP, INT"), name.getMessage());
        assertThrows(InvalidRequestException.class, () -> Signals.parse("SIG"));
        assertThrows(InvalidRequestException.class, () -> Signals.parse("0"));
        InvalidRequestException big = assertThrows(InvalidRequestException.class, () -> Signals.parse("65"));
        assertTrue(big.getMessage().contains("give 1 to 64"), big.getMessage());
        assertThrows(InvalidRequestException.class, () -> Signals.parse("99999999999999"));
        assertThrows(InvalidRequestException.class, () -> Signals.parse(""));
    }

    @Test
    void suspendAndResumeAreRefusedWithTheWayAround() {
        for (String s : new String[] {"suspend", "resume", "admin-suspend", "Admin-Resume"}) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> Signals.parse(s));
            assertTrue(e.getMessage().contains("-s STOP") && e.getMessage().contains("-s CONT"), e.getMessage());
        }
    }
}
