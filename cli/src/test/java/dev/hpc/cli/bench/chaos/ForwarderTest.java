package dev.hpc.cli.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The suite's links, with real sockets on loopback: an echo server behind a forwarder. */
class ForwarderTest {
    private ServerSocket echo;
    private Forwarder link;

    @BeforeEach
    void startEcho() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread c = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException e) {
                            // the test closed it
                        }
                    });
                    c.setDaemon(true);
                    c.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        link = new Forwarder("node1>head1", freePort(), echo.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        link.close();
        echo.close();
    }

    /**
     * A free port below the ephemeral range: while a reset cut has closed the link's port, an outgoing connection
     * of anyone on the machine may take an ephemeral one, and a connect to it can even meet itself (a TCP
     * self-connect), so "refused while cut" failed now and then on a busy machine.
     */
    private static int freePort() throws IOException {
        for (int i = 0; i < 200; i++) {
            int p = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(10_000);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), p));
                return p;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port between 20000 and 30000 on loopback");
    }

    private Socket connect() throws IOException {
        String[] a = link.address().split(":");
        Socket s = new Socket(a[0], Integer.parseInt(a[1]));
        s.setSoTimeout(5000);
        return s;
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        return new String(s.getInputStream().readNBytes(text.length()), StandardCharsets.UTF_8);
    }

    @Test
    void anOpenLinkForwardsBothWays() throws IOException {
        try (Socket s = connect()) {
            assertEquals("hello", roundTrip(s, "hello"));
        }
    }

    @Test
    void aDroppedLinkHoldsTheBytesAndDeliversThemWhenItHeals() throws IOException {
        try (Socket s = connect()) {
            assertEquals("a", roundTrip(s, "a"));
            link.cut(Forwarder.CutMode.DROP);
            assertTrue(link.isCut());
            s.getOutputStream().write("held".getBytes(StandardCharsets.UTF_8));
            s.setSoTimeout(300);
            assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read(), "silence while cut");

            link.heal();

            s.setSoTimeout(5000);
            assertEquals("held", new String(s.getInputStream().readNBytes(4), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aConnectionOpenedWhileDroppingIsHeldAndJoinedWhenTheLinkHeals() throws IOException {
        link.cut(Forwarder.CutMode.DROP);
        try (Socket s = connect()) {
            s.getOutputStream().write("late".getBytes(StandardCharsets.UTF_8));
            s.setSoTimeout(300);
            assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());

            link.heal();

            s.setSoTimeout(5000);
            assertEquals("late", new String(s.getInputStream().readNBytes(4), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aResetLinkClosesItsConnectionsRefusesNewOnesAndListensAgainWhenItHeals() throws IOException {
        try (Socket s = connect()) {
            assertEquals("a", roundTrip(s, "a"));
            link.cut(Forwarder.CutMode.RESET);
            assertEquals(-1, readOrEnd(s), "the connection was closed");
        }
        assertThrows(IOException.class, this::connect, "refused while cut");

        link.heal();

        try (Socket s = connect()) {
            assertEquals("again", roundTrip(s, "again"));
        }
    }

    private static int readOrEnd(Socket s) {
        try {
            return s.getInputStream().read();
        } catch (IOException e) {
            return -1;
        }
    }
}
