package dev.hpc.mpi;

import dev.hpc.api.client.ClientTls;
import dev.hpc.api.wire.SpawnProtocol;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;

/**
 * Runs one spawned command through the head's spawn API and relays its output: the command's
 * standard output and error go to {@code out} and {@code err} as they arrive; notes of the head and
 * the worker go to {@code err} prefixed with the tool's name. Returns the command's exit status, or
 * 255 (as ssh) when it could not be started or its end is unknown.
 *
 * <p>Heads are tried in order until one answers; a standby's redirect (307) is followed, and a head
 * in the middle of a takeover (503) or none reachable is tried again for {@code patienceMillis}. The request
 * carries the caller's spawn id, so sending it again never starts the command twice: when the head dies
 * while the command runs (a takeover), the same request goes to the new active head, which finds the
 * command still running on its node and relays it from there (output written in between may be lost;
 * the exit status is not). Blocking; uses nothing but {@link HttpURLConnection}, for start-up time.
 */
public final class SpawnClient {
    static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    /** Several keepalives of the head (every 15 s) missed in a row: the head is gone. */
    static final int READ_TIMEOUT_MILLIS = 60_000;
    private static final int MAX_REDIRECTS = 4;

    private final String tool;
    private final String user;
    private final long patienceMillis;

    public SpawnClient(String tool, String user, long patienceMillis) {
        this.tool = tool;
        this.user = user;
        this.patienceMillis = patienceMillis;
    }

    /** An error the caller reports as its own: the message says what went wrong. */
    public static final class SpawnFailed extends Exception {
        private static final long serialVersionUID = 1L;

        SpawnFailed(String message) {
            super(message);
        }
    }

    /** How often a running command is followed again through another head before its end counts as unknown. */
    static final int MAX_REATTACHES = 10;

    public int run(SpawnRequest request, OutputStream out, OutputStream err) {
        PrintStream notes = new PrintStream(err, true, StandardCharsets.UTF_8);
        try {
            HttpURLConnection c = open(request);
            for (int reattached = 0; ; reattached++) {
                OptionalInt status = relay(c, out, err, notes);
                if (status.isPresent()) {
                    return status.getAsInt();
                }
                if (reattached >= MAX_REATTACHES) {
                    notes.println(tool + ": lost the head " + MAX_REATTACHES + " times while the command ran; its "
                            + "end is unknown");
                    return SpawnProtocol.LOST;
                }
                notes.println(tool + ": lost the head while the command ran; following it through the active head");
                sleep(Math.min(5_000, 250L << Math.min(reattached, 5))); // a takeover takes seconds; no busy loop
                c = open(request.resuming());
            }
        } catch (SpawnFailed e) {
            notes.println(tool + ": " + e.getMessage());
            return SpawnProtocol.LOST;
        }
    }

    /** The certificates of {@code HPC_TLS_CA}, which the worker sets when it links to the heads over TLS. */
    private static Optional<SSLSocketFactory> trust() {
        String ca = System.getenv(ClientTls.CA_ENV);
        return ca == null || ca.isBlank() ? Optional.empty()
                : Optional.of(ClientTls.trusting(Path.of(ca)).getSocketFactory());
    }

    /** Sends the request to the heads in turn; returns the connection that answered 200. */
    HttpURLConnection open(SpawnRequest request) throws SpawnFailed {
        byte[] body = request.json().getBytes(StandardCharsets.UTF_8);
        String path = SpawnProtocol.path(request.job().jobId());
        List<String> heads = request.job().servers();
        long deadline = System.nanoTime() + patienceMillis * 1_000_000L;
        long pause = 100;
        String last = "";
        while (true) {
            for (String head : heads) {
                String url = (ClientTls.isHttps(head) ? head.strip().replaceAll("/+$", "") : "http://" + head) + path;
                for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
                    HttpURLConnection c;
                    int status;
                    try {
                        c = (HttpURLConnection) new URL(url).openConnection();
                        if (c instanceof HttpsURLConnection https) {
                            trust().ifPresent(https::setSSLSocketFactory);
                        }
                        c.setRequestMethod("POST");
                        c.setInstanceFollowRedirects(false);
                        c.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
                        c.setReadTimeout(READ_TIMEOUT_MILLIS);
                        c.setUseCaches(false);
                        c.setDoOutput(true);
                        c.setFixedLengthStreamingMode(body.length);
                        c.setRequestProperty("Content-Type", "application/json; charset=utf-8");
                        c.setRequestProperty("Accept", SpawnProtocol.MEDIA_TYPE);
                        c.connect();
                    } catch (ConnectException | NoRouteToHostException | UnknownHostException
                             | SocketTimeoutException e) {
                        last = "head " + head + " does not answer (" + e.getMessage() + ")";
                        break;
                    } catch (IOException e) {
                        last = "head " + head + ": " + e.getMessage();
                        break;
                    }
                    try {
                        try (OutputStream o = c.getOutputStream()) {
                            o.write(body);
                        }
                        status = c.getResponseCode();
                    } catch (IOException e) {
                        // the spawn id makes a resend safe: a head that has the command already only follows it
                        c.disconnect();
                        last = "no answer from head " + head + " (" + e.getMessage() + ")";
                        break;
                    }
                    if (status == 200) {
                        return c;
                    }
                    if (status == 307 || status == 308) {
                        String location = c.getHeaderField("Location");
                        c.disconnect();
                        if (location == null || location.isBlank()) {
                            last = "head " + head + " redirected without a Location";
                            break;
                        }
                        url = location;
                        continue;
                    }
                    String message = errorMessage(c);
                    c.disconnect();
                    if (status == 503) {
                        last = "head " + head + " is not ready: " + message;
                        break;
                    }
                    throw new SpawnFailed("cannot start the command on " + request.host() + ": " + message
                            + " (HTTP " + status + ")");
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new SpawnFailed("no active head among " + heads + " (" + last + ")");
            }
            sleep(pause);
            pause = Math.min(pause * 2, 1_000);
        }
    }

    /** Copies the frames to the streams until the exit frame; empty when the stream breaks first. */
    OptionalInt relay(HttpURLConnection c, OutputStream out, OutputStream err, PrintStream notes) {
        try (InputStream raw = c.getInputStream();
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 65536))) {
            while (true) {
                Optional<SpawnProtocol.Frame> next = SpawnProtocol.read(in);
                if (next.isEmpty()) {
                    return OptionalInt.empty(); // the head ended the stream before the exit status
                }
                SpawnProtocol.Frame f = next.get();
                switch (f.kind()) {
                    case SpawnProtocol.STDOUT -> {
                        out.write(f.payload());
                        out.flush();
                    }
                    case SpawnProtocol.STDERR -> {
                        err.write(f.payload());
                        err.flush();
                    }
                    case SpawnProtocol.NOTE -> notes.println(tool + ": " + f.text());
                    case SpawnProtocol.EXIT -> {
                        return OptionalInt.of(f.exitStatus());
                    }
                    default -> {
                        // keepalive, or a kind from a newer head: nothing to show
                    }
                }
            }
        } catch (IOException e) {
            return OptionalInt.empty();
        } finally {
            c.disconnect();
        }
    }

    /** The {@code message} of the API's error body, or the body itself. */
    private static String errorMessage(HttpURLConnection c) {
        try (InputStream in = c.getErrorStream()) {
            if (in == null) {
                return "no explanation";
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int at = text.indexOf("\"message\"");
            if (at < 0) {
                return text.strip();
            }
            int start = text.indexOf('"', text.indexOf(':', at) + 1);
            StringBuilder b = new StringBuilder();
            for (int i = start + 1; start >= 0 && i < text.length(); i++) {
                char ch = text.charAt(i);
                if (ch == '\\' && i + 1 < text.length()) {
                    char esc = text.charAt(++i);
                    b.append(esc == 'n' ? '\n' : esc == 't' ? '\t' : esc);
                } else if (ch == '"') {
                    break;
                } else {
                    b.append(ch);
                }
            }
            return b.toString();
        } catch (IOException e) {
            return "no explanation (" + e.getMessage() + ")";
        }
    }

    private static void sleep(long millis) throws SpawnFailed {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpawnFailed("interrupted");
        }
    }
}
