package dev.hpc.mpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DshTest {
    private static final List<String> NODE_FILE = List.of("n1", "n1", "n2", "n2", "n3", "n3");

    @Test
    void theSlotsAreChosenAsPbsdshChoosesThem() {
        assertEquals(NODE_FILE, Dsh.chosen(Dsh.parse(List.of("hostname")), NODE_FILE));
        assertEquals(List.of("n1", "n1", "n2"), Dsh.chosen(Dsh.parse(List.of("-c", "3", "hostname")), NODE_FILE));
        assertEquals(List.of("n2"), Dsh.chosen(Dsh.parse(List.of("-n", "3", "hostname")), NODE_FILE));
        assertEquals(List.of("n1", "n2", "n3"), Dsh.chosen(Dsh.parse(List.of("-u", "hostname")), NODE_FILE));
    }

    @Test
    void theProgramKeepsItsOwnOptions() {
        Dsh.Options o = Dsh.parse(List.of("-s", "-v", "ls", "-l", "-c", "x"));
        assertTrue(o.serial());
        assertEquals(List.of("ls", "-l", "-c", "x"), o.command());
        assertEquals(List.of("-u"), Dsh.parse(List.of("--", "-u")).command());
    }

    @Test
    void badRequestsAreUsageErrors() {
        assertThrows(IllegalArgumentException.class, () -> Dsh.parse(List.of("-c", "2")));
        assertThrows(IllegalArgumentException.class, () -> Dsh.parse(List.of("-c", "0", "x")));
        assertThrows(IllegalArgumentException.class, () -> Dsh.parse(List.of("-c", "2", "-u", "x")));
        assertThrows(IllegalArgumentException.class, () -> Dsh.chosen(Dsh.parse(List.of("-c", "7", "x")), NODE_FILE));
        assertThrows(IllegalArgumentException.class, () -> Dsh.chosen(Dsh.parse(List.of("-n", "6", "x")), NODE_FILE));
    }

    @Test
    void outsideAJobItExits255() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new Dsh("hpc dsh", new PrintStream(new ByteArrayOutputStream()), new PrintStream(err))
                .run(List.of("hostname"), Map.of());
        assertEquals(255, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("inside a job"), err.toString(StandardCharsets.UTF_8));
    }
}
