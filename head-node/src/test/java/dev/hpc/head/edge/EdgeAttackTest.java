package dev.hpc.head.edge;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.head.HeadConfig;
import dev.hpc.head.web.RunningHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue #15, items 5: the attacks on the head's HTTP port, on raw sockets against a real head in this
 * JVM. Every malformed request gets a 2xx or a 4xx whose body names the fault, never a 5xx, and its
 * connection ends: answered and closed after a fault in the framing (nothing after it is answered), or
 * closed by the header or body timeout when the request never ends. Nothing waits a fixed time and
 * nothing is asserted about speed: each socket waits for the head to close it, with a bound only so that
 * a hang fails the test instead of stopping it. The seed is printed; {@code -Dfuzz.seed=N} repeats a run.
 */
class EdgeAttackTest {
    private static final int CASES = 1500;
    private static final int SLOW_HEADS = 300;
    private static final int IDLE = 400;
    private static final int SLOW_BODIES = 50;
    private static final int KEPT_ALIVE = 100;
    /** How long a socket may stay open before the test calls it a hang: far above the head's 1 s timeouts. */
    private static final Duration HANG = Duration.ofSeconds(60);
    private static final Pattern STATUS = Pattern.compile("(?m)^HTTP/\\d\\.\\d (\\d{3}) ");

    @TempDir
    static Path dir;
    private static RunningHead head;
    private static String token;

    @BeforeAll
    static void start() throws Exception {
        HeadConfig d = HeadConfig.defaults("head1", "test", dir).withPort(0);
        // the idle timeout far beyond the test's patience: only the header and body timeouts may close
        head = RunningHead.start(d.withEdge(d.edge().withHeaderTimeout(Duration.ofSeconds(1))
                .withBodyTimeout(Duration.ofSeconds(1)).withIdleTimeout(Duration.ofMinutes(10))));
        token = head.tokenFor("alice");
        head.submit("alice", "seed", List.of("-h"));
    }

    @AfterAll
    static void stop() {
        if (head != null) {
            head.close();
        }
    }

    /** What came back on one socket before the head closed it. */
    record Exchange(String text, List<Integer> statuses) {
        int first() {
            return statuses.isEmpty() ? 0 : statuses.get(0);
        }

        String firstBody() {
            int headEnd = text.indexOf("\r\n\r\n");
            return headEnd < 0 ? "" : text.substring(headEnd + 4);
        }

        boolean closeAfterFirst() {
            int headEnd = text.indexOf("\r\n\r\n");
            return headEnd >= 0 && text.substring(0, headEnd).toLowerCase(java.util.Locale.ROOT)
                    .contains("\r\nconnection: close");
        }
    }

    /** Sends the bytes and reads until the head closes the connection; a socket still open after {@link #HANG} fails. */
    static Exchange exchange(byte[] request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", head.port()), 5000);
            s.setSoTimeout((int) HANG.toMillis());
            try {
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
            } catch (IOException e) {
                // the head may close before it has read everything (a header too large): what it said counts
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the head held the connection for " + HANG + " without closing it; request: "
                        + printable(request));
            } catch (IOException e) {
                // reset after the answer: the answer is what counts
            }
            String text = out.toString(StandardCharsets.ISO_8859_1);
            List<Integer> statuses = new ArrayList<>();
            Matcher m = STATUS.matcher(text);
            while (m.find()) {
                statuses.add(Integer.parseInt(m.group(1)));
            }
            return new Exchange(text, statuses);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String printable(byte[] b) {
        String s = new String(b, 0, Math.min(b.length, 400), StandardCharsets.ISO_8859_1);
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            out.append(c < 0x20 || c >= 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return out + (b.length > 400 ? "... (" + b.length + " bytes)" : "");
    }

    // ------------------------------------------------------------------ the named attacks of the issue

    private static final String TRAILER = "GET /api/v1/cluster HTTP/1.1\r\nHost: x\r\n\r\n";

    /** A 4xx with {"code", "message"}, Connection: close, and nothing answered after it. */
    private static JsonFields refusedAndClosed(String request, int status) throws IOException {
        Exchange e = exchange(bytes(request + TRAILER));
        assertEquals(List.of(status), e.statuses(), "one answer, and the bytes after the request are not read: "
                + e.text());
        assertTrue(e.closeAfterFirst(), "Connection: close\n" + e.text());
        JsonFields body = Json.readObject(e.firstBody());
        assertTrue(!body.string("code").isBlank() && !body.string("message").isBlank(), e.text());
        return body;
    }

    @Test
    void theMalformedRequestsOfTheIssueAre4xxWithAMessageAndCloseTheConnection() throws Exception {
        String auth = "Authorization: Bearer " + token + "\r\n";
        assertTrue(refusedAndClosed("GET /api/v1/jobs?state=%zz HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", 400)
                .string("message").contains("query string"));
        assertTrue(refusedAndClosed("GET /api/v1/jobs/%zz HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", 400)
                .string("message").contains("'%zz'"));
        assertTrue(refusedAndClosed("GET /api/v1/jobs HTTP/1.1\r\n" + auth + "\r\n", 400)
                .string("message").contains("'Host' header"));
        assertTrue(refusedAndClosed("GET / HTTP/1.1\r\n\r\n", 400).string("message").contains("'Host' header"));
        assertTrue(refusedAndClosed("GET /api/v1/jobs HTTP/9.9\r\nHost: x\r\n" + auth + "\r\n", 400)
                .string("message").contains("HTTP version"));
        assertTrue(refusedAndClosed("POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400).string("message").contains("body"));
        assertTrue(refusedAndClosed("GET /api/v1/jobs HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(9000) + "\r\n\r\n",
                431).string("message").contains("headers"));
        assertTrue(refusedAndClosed("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414)
                .string("message").contains("request line"));
        refusedAndClosed("GET /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400);
        // a body whose end cannot be known: what follows must not be read as a request (fuzz seed
        // -3238050569643163402 got 100, 401 for the HEAD and a second answer for its body)
        assertTrue(refusedAndClosed("GET /api/v1/nodes/n1 HTTP/1.1\r\nExpect: 100-continue\r\nTransfer-Encoding: gzip"
                + "\r\nHost: x\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n", 400).string("message").contains("chunked"));
        assertTrue(refusedAndClosed("POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 4\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400).string("message").contains("Content-Length"));
        refusedAndClosed("GARBAGE\r\n\r\n", 400);

        // not a fault of framing: answered by the route, and the connection stays usable
        Exchange index = exchange(bytes("GET /api/v1/jobs/1%5B99999999999%5D HTTP/1.1\r\nHost: x\r\n" + auth
                + "\r\n"));
        assertEquals(List.of(400), index.statuses(), index.text());
        assertTrue(Json.readObject(index.firstBody()).string("message").contains("array index 99999999999"));
    }

    // ------------------------------------------------------------------ generated malformed HTTP

    private static final List<String> METHODS = List.of("GET", "POST", "DELETE", "PUT", "HEAD", "OPTIONS", "get",
            "G ET", "", "PATCH", "TRACE", "CONNECT", "X".repeat(300), "GET\u0000");
    private static final List<String> TARGETS = List.of("/api/v1/jobs", "/api/v1/jobs/1", "/api/v1/jobs/1%5B2%5D",
            "/api/v1/jobs/1%5B99999999999%5D", "/api/v1/jobs/99999999999999999999999", "/api/v1/jobs?state=%zz",
            "/api/v1/jobs?limit=99999999999&after=-1", "/api/v1/jobs?state=QUEUED,%", "/api/v1/jobs/%zz/output",
            "/api/v1/jobs/1/output?offset=%G0", "/api/v1/nodes/%00", "/api/v1/cluster", "/api/v1/events?access_token=%",
            "/api/v1/tokens/%E0%A4%A", "/", "/index.html?%", "/%2e%2e/%2e%2e/etc/passwd", "*", "api/v1/jobs",
            "http://x/api/v1/jobs", "/api/v1/workers/link", "/api/v1/jobs/1/spawn", "/" + "a".repeat(5000),
            "/api/v1/jobs/\u00ff\u00fe", "/api/v1/jobs/1 2", "/api/v1//jobs", "/api/v1/openapi.json");
    private static final List<String> VERSIONS = List.of("HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/9.9", "HTTP/2.0",
            "HTTP/1.1x", "http/1.1", "HTTP/0.9", "", "HTTP/1.1 extra", "HTTP/11", "HTTP/-1.1");
    private static final List<String> HEADERS = List.of("Host: x", "Host: x", "Host:", "Host: x\r\nHost: y",
            "Content-Type: application/json", "Content-Length: 5", "Content-Length: -1", "Content-Length: 99999999999999",
            "Content-Length: 2\r\nContent-Length: 3", "Content-Length: abc", "Transfer-Encoding: chunked",
            "Transfer-Encoding: chunked, identity", "Transfer-Encoding: gzip", "Transfer-Encoding: chunked\r\nContent-Length: 4",
            "NoColon", " leading: space", "Bad Name: x", "X: \u0000", "X: a\r\n folded", "X: " + "b".repeat(9000),
            "Expect: 100-continue", "Expect: something", "Connection: close", "Connection: keep-alive",
            "Upgrade: websocket\r\nConnection: Upgrade", "Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings",
            "Authorization: Bearer %TOKEN%", "Authorization: Bearer wrong", "Authorization: Basic x", "Idempotency-Key: \u00ff");
    private static final List<String> BODIES = List.of("", "{}", "{\"script\":\"#!/bin/bash\\necho hi\\n\"}",
            "5\r\nhello\r\n0\r\n\r\n", "zz\r\nabc\r\n0\r\n\r\n", "5\r\nhel", "3\r\nabcdef\r\n0\r\n\r\n",
            "ffffffffffffffff\r\nx\r\n", "0\r\nTrailer: x\r\n\r\n", "-1\r\nx\r\n0\r\n\r\n", "\u0000\u0001\u0002",
            "{\"a\":" + "[".repeat(3000));

    private static <T> T pick(Random r, List<T> list) {
        return list.get(r.nextInt(list.size()));
    }

    /** A request assembled from odd parts, then perhaps cut short, corrupted, or followed by another. */
    private static byte[] generate(Random r) {
        StringBuilder b = new StringBuilder();
        String line = pick(r, METHODS) + " " + pick(r, TARGETS) + " " + pick(r, VERSIONS);
        if (r.nextInt(10) == 0) {
            line = line.replace(' ', r.nextBoolean() ? '\t' : '\u0000');
        }
        b.append(line).append(r.nextInt(12) == 0 ? "\n" : "\r\n");
        int headers = r.nextInt(5);
        for (int i = 0; i < headers; i++) {
            b.append(pick(r, HEADERS).replace("%TOKEN%", token)).append("\r\n");
        }
        b.append(r.nextInt(15) == 0 ? "\n" : "\r\n");
        b.append(pick(r, BODIES));
        if (r.nextInt(4) == 0) {
            b.append(r.nextBoolean() ? TRAILER : "\r\n\r\nGARBAGE \u0001\u0002 HTTP/1.1\r\n\r\n");
        }
        byte[] bytes = b.toString().getBytes(StandardCharsets.ISO_8859_1);
        switch (r.nextInt(8)) {
            case 0 -> {
                return java.util.Arrays.copyOf(bytes, r.nextInt(bytes.length + 1));
            }
            case 1 -> {
                for (int k = 0; k < 1 + r.nextInt(3); k++) {
                    bytes[r.nextInt(bytes.length)] = (byte) r.nextInt(256);
                }
                return bytes;
            }
            default -> {
                return bytes;
            }
        }
    }

    @Test
    void generatedMalformedRequestsGetA2xxOrA4xxOrAreClosedNeverA5xxOrAHang() throws Exception {
        long seed = Long.getLong("fuzz.seed", new Random().nextLong());
        System.out.println("EdgeAttackTest seed " + seed + " (repeat with -Dfuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        List<byte[]> inputs = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            inputs.add(generate(random));
        }
        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(64);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (byte[] input : inputs) {
                runs.add(pool.submit(() -> {
                    Exchange e = exchange(input);
                    String where = "seed " + seed + ", input " + printable(input) + "\nanswer: " + e.text();
                    String text = new String(input, StandardCharsets.ISO_8859_1);
                    for (int status : e.statuses()) {
                        // 100 Continue is the interim answer to Expect: 100-continue; the final one follows, or
                        // the body never arrives and the body timeout closes the connection
                        if (status >= 500 || status < 200 && status != 100 || status >= 300 && status < 400) {
                            fail("HTTP " + status + ": " + where);
                        }
                    }
                    // Vert.x answers a WebSocket upgrade that is not a GET itself (400 or 405) and reads on: the
                    // bytes behind it are framed and refused by the edge like any others (docs/security.md)
                    boolean vertxRefusedUpgrade = text.toLowerCase(java.util.Locale.ROOT).contains("upgrade: websocket")
                            && !text.startsWith("GET ");
                    if (e.statuses().size() > 1 && e.closeAfterFirst() && !vertxRefusedUpgrade) {
                        fail("answered after 'Connection: close': the bytes after a refused request were read; "
                                + where);
                    }
                    // the answer to HEAD has no body, by definition
                    boolean head = new String(input, StandardCharsets.ISO_8859_1).split("[\\s\\x00]", 2)[0]
                            .equals("HEAD");
                    // Vert.x answers a WebSocket handshake it refuses itself, with a status and no message
                    boolean upgrade = new String(input, StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT)
                            .contains("upgrade: websocket");
                    if (e.first() >= 400 && !head && !upgrade && e.firstBody().isBlank()) {
                        fail("a refusal without a message: " + where);
                    }
                    String outcome = e.statuses().isEmpty() ? "closed with no answer (incomplete request, timed out)"
                            : e.first() / 100 + "xx";
                    outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                try {
                    run.get(10, TimeUnit.MINUTES);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof AssertionError a ? a : new AssertionError(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.println("EdgeAttackTest: " + CASES + " generated requests: " + new TreeMap<>(outcomes));
        assertTrue(outcomes.getOrDefault("4xx", new AtomicInteger()).get() > CASES / 4, outcomes.toString());
        assertEquals(200, exchange(bytes("GET /api/v1/cluster HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                .first(), "the head still serves");
    }

    // ------------------------------------------------------------------ slowloris

    @Test
    void halfSentRequestsIdleConnectionsSlowBodiesAndIdleKeptAliveConnectionsAreClosed() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < SLOW_HEADS; i++) {
                sockets.add(open("GET /api/v1/jobs HTTP/1.1\r\nHost: x\r\nX-Slow: " + i));
            }
            for (int i = 0; i < IDLE; i++) {
                sockets.add(open(""));
            }
            List<Socket> keptAlive = new ArrayList<>();
            for (int i = 0; i < KEPT_ALIVE; i++) {
                keptAlive.add(open("GET /api/v1/cluster HTTP/1.1\r\nHost: x\r\n\r\n"));
            }
            List<Socket> bodies = new ArrayList<>();
            for (int i = 0; i < SLOW_BODIES; i++) {
                bodies.add(open("POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"scr"));
            }
            for (Socket s : sockets) {
                assertEquals("", readToClose(s), "a connection that sent no whole request head is closed unanswered");
            }
            for (Socket s : bodies) {
                String answer = readToClose(s);
                assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
                assertTrue(answer.contains("REQUEST_TIMEOUT") && answer.contains("body"), answer);
            }
            for (Socket s : keptAlive) {
                String answer = readToClose(s);
                assertTrue(answer.startsWith("HTTP/1.1 200 ") && !answer.contains("Connection: close"), answer);
            }
            sockets.addAll(bodies);
            sockets.addAll(keptAlive);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertEquals(200, exchange(bytes("GET /api/v1/cluster HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                .first(), "the head still serves");
        long deadline = System.nanoTime() + HANG.toNanos();
        while (head.verticle().openConnections() > 0) {
            assertTrue(System.nanoTime() < deadline, "the closed connections leave the edge's table: "
                    + head.verticle().openConnections() + " left");
            Thread.sleep(20);
        }
    }

    private static Socket open(String partial) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", head.port()), 5000);
        s.setSoTimeout((int) HANG.toMillis());
        if (!partial.isEmpty()) {
            s.getOutputStream().write(bytes(partial));
            s.getOutputStream().flush();
        }
        return s;
    }

    private static String readToClose(Socket s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = s.getInputStream().read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the head held a slow connection open for " + HANG + " after sending: '"
                    + out.toString(StandardCharsets.ISO_8859_1) + "'");
        } catch (IOException e) {
            // reset by the head: closed all the same
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
