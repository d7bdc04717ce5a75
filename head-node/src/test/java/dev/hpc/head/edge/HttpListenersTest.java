package dev.hpc.head.edge;

import dev.hpc.head.HeadConfig;
import dev.hpc.head.web.RunningHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21: the head's port is served by several HTTP servers, each on its own event loop, which share one router
 * and one edge: connections are spread over the loops, every one is served alike, and the edge counts the
 * connections of the whole head, not of one server.
 */
class HttpListenersTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void connectionsAreSpreadOverTheLoopsAndCountedForTheWholeHead() throws Exception {
        // a port of its own: servers asked for port 0 would each get another
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        try (RunningHead head = RunningHead.start(HeadConfig.defaults("head1", "test", dir).withPort(port),
                v -> v.listeners(3))) {
            head.verticle().router().get("/which-loop").order(-1)
                    .handler(ctx -> ctx.response().end(Thread.currentThread().getName()));
            Set<String> loops = new TreeSet<>();
            for (int i = 0; i < 9; i++) {
                String answer = exchange(head.port(),
                        "GET /which-loop HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
                loops.add(answer.substring(answer.indexOf("\r\n\r\n") + 4));
            }
            assertTrue(loops.size() > 1, "served on one loop only: " + loops);
            awaitNoConnections(head);

            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    Socket s = connect(head.port());
                    s.getOutputStream().write("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
                            .getBytes(StandardCharsets.UTF_8));
                    assertTrue(readHead(s.getInputStream()).startsWith("HTTP/1.1 200 "), "each server serves the API");
                    open.add(s);
                }
                assertEquals(6, head.verticle().openConnections(), "one table of connections for the head");
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
            awaitNoConnections(head);
        }
    }

    private static void awaitNoConnections(RunningHead head) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (head.verticle().openConnections() > 0) {
            assertTrue(System.nanoTime() < deadline, head.verticle().openConnections() + " connections left");
            Thread.sleep(20);
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) WAIT.toMillis());
        s.setSoTimeout((int) WAIT.toMillis());
        return s;
    }

    private static String exchange(int port, String request) throws IOException {
        try (Socket s = connect(port)) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The status line and headers of one answer (the probes answer with a short body, left unread). */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (!out.toString(StandardCharsets.UTF_8).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            out.write(b);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
