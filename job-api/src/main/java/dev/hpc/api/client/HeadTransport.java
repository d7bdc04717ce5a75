package dev.hpc.api.client;

import dev.hpc.api.HpcException;
import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * How {@link HeadClient} reaches the active head: it knows every head's address and goes to the one that
 * answers, the last head that answered first, then the others in list order. A refused or timed-out
 * connection, or a {@code 503 UNAVAILABLE} (no active head yet), moves on to the next address; when every
 * address failed it waits (100 ms, doubling up to 1 s) and tries them all again, for at most
 * {@link Settings#maxWait()} in total, so that a command issued during a head takeover waits for the new
 * active head instead of failing. Any other error answer is final and becomes an {@link HpcApiException}
 * with the status, code and message of the error body.
 *
 * <p>A head that hangs (frozen, or stuck) still accepts connections and never answers. So while there is another
 * head to try, a request that may be sent again has a head to itself for {@link #HEDGE} only; then the other heads
 * are asked beside it, every {@link #TAKEOVER_POLL} at least, and the first head to accept it answers the call.
 * The request the silent head took is not sent to it again while it is unanswered; it times out after
 * {@link #FIRST_TRY}, doubling for each resend up to {@link Settings#requestTimeout()}. So a client whose active
 * head froze is answered by the standby as soon as the standby has taken over, and a head that is merely slow
 * still answers the request it has.
 *
 * <p>Every request carries the client's {@link ApiToken} as {@code Authorization: Bearer}; the head
 * takes the caller's user and role from it (docs/security.md). Without a token, a {@code 401} becomes
 * an error with the token's advice on how to get one.
 *
 * <p>Uses only {@code java.net.http}, so that the CLI stays small and quick to start. Thread-safe.
 */
public final class HeadTransport {
    private static final String API = "/api/v1";
    /** How long a head has to answer in the first round of a call that may go to another head. */
    static final Duration FIRST_TRY = Duration.ofSeconds(2);
    /** How long a request that may be sent again has a head to itself before the other heads are asked too. */
    static final Duration HEDGE = Duration.ofMillis(500);
    /** How often the other heads are asked while one has a request unanswered, however long the backoff. */
    static final Duration TAKEOVER_POLL = Duration.ofMillis(200);

    /**
     * How long to keep trying. {@code maxWait} bounds the whole call including backoff; with
     * {@link Duration#ZERO} every address is tried exactly once.
     */
    public record Settings(Duration maxWait, Duration connectTimeout, Duration requestTimeout, Duration firstBackoff,
                           Duration maxBackoff) {
        public Settings {
            if (maxWait.isNegative() || connectTimeout.isNegative() || connectTimeout.isZero()
                    || requestTimeout.isNegative() || requestTimeout.isZero() || firstBackoff.isNegative()
                    || maxBackoff.compareTo(firstBackoff) < 0) {
                throw new IllegalArgumentException("invalid client settings " + maxWait + ", " + connectTimeout
                        + ", " + requestTimeout + ", " + firstBackoff + ", " + maxBackoff);
            }
        }

        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(10),
                    Duration.ofMillis(100), Duration.ofSeconds(1));
        }

        public Settings withMaxWait(Duration d) {
            return new Settings(d, connectTimeout, requestTimeout, firstBackoff, maxBackoff);
        }

        public Settings withRequestTimeout(Duration d) {
            return new Settings(maxWait, connectTimeout, d, firstBackoff, maxBackoff);
        }

        public Settings withBackoff(Duration first, Duration max) {
            return new Settings(maxWait, connectTimeout, requestTimeout, first, max);
        }
    }

    /** No head answered within the wait: every address refused, timed out or had no active head. */
    public static final class UnavailableException extends HpcException {
        public UnavailableException(String message) {
            super(message);
        }
    }

    private final List<String> heads;
    private final List<URI> bases;
    private final ApiToken token;
    private final Settings settings;
    private final Optional<SSLContext> tls;
    private final HttpClient http;
    private HttpClient webSocketHttp;
    private volatile int preferred;

    /**
     * @param heads addresses as {@code host:port} (an {@code http://} prefix and a trailing slash are
     *              accepted; {@code https://} makes the client use TLS); at least one
     * @param token sent as {@code Authorization: Bearer} on every request; the head takes the caller's
     *              user and role from it
     * @param tls   what to trust when the addresses say {@code https://} (see {@link ClientTls}); empty:
     *              the JVM's default certificates
     */
    public HeadTransport(List<String> heads, ApiToken token, Settings settings, Optional<SSLContext> tls) {
        if (heads.isEmpty()) {
            throw new InvalidRequestException("no head address given: expected at least one host:port");
        }
        List<String> normalized = new ArrayList<>();
        List<URI> uris = new ArrayList<>();
        boolean https = ClientTls.isHttps(heads.get(0));
        for (String h : heads) {
            if (ClientTls.isHttps(h) != https) {
                throw new InvalidRequestException("the head addresses mix http and https (" + String.join(",", heads)
                        + "): all heads of a cluster serve the same way; write https:// before every one or none");
            }
            String a = normalizeAddress(h);
            normalized.add(a);
            uris.add(URI.create((https ? "https://" : "http://") + a));
        }
        this.heads = List.copyOf(normalized);
        this.bases = List.copyOf(uris);
        this.token = token;
        this.settings = settings;
        this.tls = tls;
        // a call waits for its answer in the caller's thread, so the answer may be completed on the client's own
        // selector thread: a hand-off to a pool thread at each step of each exchange cost more than the work, a
        // tenth of the command server's CPU per qsub (docs/performance.md). But the exchange then starts in the
        // caller's thread, a head's name lookup included, which must not hold a call that would ask the other
        // heads after HEDGE; and TLS would run its handshake's tasks on the one selector. So only plain HTTP to
        // addresses written as numbers goes without the pool.
        this.http = httpClient(!https && uris.stream().allMatch(u -> isAddressLiteral(u.getHost()))
                ? Optional.of(Runnable::run) : Optional.empty());
    }

    /** Whether {@code host} (as {@link URI#getHost()} gives it) is an IPv4 or IPv6 address, which needs no lookup. */
    static boolean isAddressLiteral(String host) {
        return host != null && (host.startsWith("[") || IPV4.matcher(host).matches());
    }

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

    private HttpClient httpClient(Optional<Executor> executor) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER);
        executor.ifPresent(builder::executor);
        if (tls.isPresent()) {
            builder.sslContext(tls.get());
        } else if (!bases.get(0).getScheme().equals("https")) {
            // SSLParameters given here keep the client from asking the context for its defaults, which
            // would set it up at once; empty parameters leave every TLS engine at its own defaults
            builder.sslContext(new DeferredTlsContext()).sslParameters(new SSLParameters());
        }
        return builder.build();
    }

    /**
     * The client for WebSockets, made on first use. Their listeners run on the client's executor and may block
     * (writing to a terminal that is not being read), which must not stall the selector that the calls need.
     */
    private synchronized HttpClient webSocketClient() {
        if (webSocketHttp == null) {
            webSocketHttp = httpClient(Optional.empty());
        }
        return webSocketHttp;
    }

    /**
     * {@code host:port} from what a user typed: trims, drops an {@code http://} prefix and a trailing
     * slash, and checks that a port in 1..65535 is there.
     */
    public static String normalizeAddress(String text) {
        String a = text.trim();
        if (a.startsWith("http://")) {
            a = a.substring("http://".length());
        } else if (ClientTls.isHttps(a)) {
            a = a.substring("https://".length());
        }
        while (a.endsWith("/")) {
            a = a.substring(0, a.length() - 1);
        }
        int colon = a.lastIndexOf(':');
        if (colon <= 0 || colon == a.length() - 1 || a.indexOf('/') >= 0) {
            throw new InvalidRequestException("'" + text + "' is not a head address: expected host:port, "
                    + "for example 127.0.0.1:8640");
        }
        String port = a.substring(colon + 1);
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 1 || p > 65535) {
            throw new InvalidRequestException("'" + text + "' is not a head address: the port must be a number "
                    + "from 1 to 65535");
        }
        return a;
    }

    public List<String> heads() {
        return heads;
    }

    public ApiToken token() {
        return token;
    }

    public Settings settings() {
        return settings;
    }

    /** The address tried first by the next call: the head that answered last. */
    public String preferredHead() {
        return heads.get(preferred);
    }

    /**
     * Opens a WebSocket at {@code pathAndQuery} on the head at {@code head} (one of {@link #heads()}), with
     * the token and TLS settings of every other call; the head that accepts becomes the preferred one.
     */
    public CompletableFuture<WebSocket> webSocket(String head, String pathAndQuery, WebSocket.Listener listener) {
        int i = heads.indexOf(head);
        if (i < 0) {
            throw new IllegalArgumentException("should never happen: " + head + " is not one of " + heads);
        }
        URI base = bases.get(i);
        String scheme = base.getScheme().equals("https") ? "wss" : "ws";
        URI uri = URI.create(scheme + "://" + base.getRawAuthority() + pathAndQuery);
        WebSocket.Builder b = webSocketClient().newWebSocketBuilder().connectTimeout(settings.connectTimeout());
        if (token.isPresent()) {
            b.header("Authorization", "Bearer " + token.value());
        }
        return b.buildAsync(uri, listener).whenComplete((ws, e) -> {
            if (e == null) {
                preferred = i;
            }
        });
    }

    /**
     * Sends one request (its path under {@code /api/v1}) to the head that answers and returns the body of a
     * 2xx answer.
     *
     * @param resendable whether the request may be sent again once it may have reached a head: false only for
     *                   a change that has no idempotency key and must not happen twice (a new token)
     */
    public String call(String method, String path, String body, Map<String, String> headers, boolean resendable) {
        long deadline = System.nanoTime() + settings.maxWait().toNanos();
        Duration backoff = settings.firstBackoff();
        Map<String, String> failures = new LinkedHashMap<>();
        // a standby's redirect may name a head the caller did not list; it is asked in this call only
        List<URI> targets = new ArrayList<>(bases);
        List<String> names = new ArrayList<>(heads);
        Duration firstTry = resendable && targets.size() > 1 && FIRST_TRY.compareTo(settings.requestTimeout()) < 0
                ? FIRST_TRY : settings.requestTimeout();
        // how long a head's next request may take: doubled after each one it let time out
        Map<Integer, Duration> tryTimeouts = new HashMap<>();
        // requests a head has taken and not answered yet. A frozen head accepts connections and never answers,
        // so a request that may be sent again has a head to itself for HEDGE only; then the other heads are asked
        // beside it, and whichever answers first is the answer (issue 21)
        Map<Integer, CompletableFuture<HttpResponse<String>>> unanswered = new HashMap<>();
        // heads that let a request of this call time out: the others answered, and one of them may lead by now
        Set<Integer> silent = new HashSet<>();
        boolean sending = true;
        int jumpTo = -1;
        int redirects = 0;
        try {
            while (true) {
                int first = jumpTo >= 0 ? jumpTo : preferred;
                int jumped = jumpTo;
                jumpTo = -1;
                for (int k = 0; k < targets.size() && jumpTo < 0; k++) {
                    int idx = (first + k) % targets.size();
                    CompletableFuture<HttpResponse<String>> pending = unanswered.get(idx);
                    Duration patience = Duration.ZERO;
                    if (pending == null) {
                        if (!sending && idx != jumped) {
                            continue;
                        }
                        Duration timeout = tryTimeouts.getOrDefault(idx, firstTry);
                        // the request's timeout ends once the headers have come (JDK 17 to 25): a head that
                        // froze in the middle of a body gets as long again, and no wait below is endless
                        pending = http.sendAsync(request(targets.get(idx), method, path, body, headers, timeout),
                                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                                .orTimeout(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
                        unanswered.put(idx, pending);
                        patience = !resendable ? null : silent.contains(idx) ? Duration.ZERO : HEDGE;
                    }
                    HttpResponse<String> response;
                    try {
                        response = answer(pending, patience);
                    } catch (ConnectException | HttpConnectTimeoutException e) {
                        unanswered.remove(idx);
                        failures.put(names.get(idx), describe(e));
                        continue;
                    } catch (SSLException e) {
                        throw ClientTls.failure(names.get(idx), e);
                    } catch (HttpTimeoutException e) {
                        unanswered.remove(idx);
                        if (!resendable) {
                            throw maybeApplied(names.get(idx), "did not answer within "
                                    + seconds(settings.requestTimeout()));
                        }
                        Duration timedOut = tryTimeouts.getOrDefault(idx, firstTry);
                        failures.put(names.get(idx), "no answer within " + seconds(timedOut));
                        silent.add(idx);
                        tryTimeouts.put(idx, timedOut.multipliedBy(2).compareTo(settings.requestTimeout()) > 0
                                ? settings.requestTimeout() : timedOut.multipliedBy(2));
                        continue;
                    } catch (IOException e) {
                        unanswered.remove(idx);
                        if (!resendable) {
                            throw maybeApplied(names.get(idx), "closed the connection (" + describe(e) + ")");
                        }
                        failures.put(names.get(idx), describe(e));
                        continue;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new HpcException("interrupted while waiting for the head at " + names.get(idx));
                    }
                    if (response == null) {
                        continue;
                    }
                    unanswered.remove(idx);
                    silent.remove(idx);
                    int status = response.statusCode();
                    if (status == 503) {
                        HpcApiException unavailable = apiError(status, response.body());
                        failures.put(names.get(idx), "503 " + unavailable.code() + " (" + unavailable.getMessage()
                                + ")");
                        continue;
                    }
                    if (status == 307 || status == 308) {
                        // a standby refused the request unapplied, so sending it to the head it names is safe for
                        // any request; never to another scheme: an https client would send its token in clear to
                        // an http address. A head that has the request already is waited for, not asked again.
                        Optional<URI> to = response.headers().firstValue("Location")
                                .map(l -> targets.get(idx).resolve(l))
                                .filter(u -> targets.get(idx).getScheme().equalsIgnoreCase(u.getScheme()))
                                .filter(u -> !isWildcard(u.getHost()));
                        failures.put(names.get(idx), "a standby; it named "
                                + to.map(URI::getRawAuthority).orElse("no head"));
                        if (to.isPresent() && redirects < targets.size() + 1) {
                            int target = targetIndex(targets, names, to.get());
                            if (!unanswered.containsKey(target)) {
                                redirects++;
                                jumpTo = target;
                            }
                        }
                        continue;
                    }
                    if (idx < bases.size()) {
                        preferred = idx;
                    }
                    if (status >= 200 && status < 300) {
                        return response.body();
                    }
                    if (status == 401 && !token.isPresent()) {
                        throw new HpcApiException(status, "UNAUTHENTICATED", token.advice());
                    }
                    throw apiError(status, response.body());
                }
                if (jumpTo >= 0) {
                    continue;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    sending = false;
                }
                if (!sending) {
                    if (unanswered.isEmpty()) {
                        throw unavailable(failures);
                    }
                    // a head that took the request still gets to answer it, within that request's own timeout
                    awaitAny(unanswered.values(), null);
                    continue;
                }
                Duration pause = Duration.ofNanos(Math.min(backoff.toNanos(), remaining));
                if ((!unanswered.isEmpty() || !silent.isEmpty()) && pause.compareTo(TAKEOVER_POLL) > 0) {
                    // a head that says nothing may be frozen: the others are asked often enough to see a
                    // takeover as it happens
                    pause = TAKEOVER_POLL;
                }
                awaitAny(unanswered.values(), pause.isZero() ? Duration.ofMillis(1) : pause);
                redirects = 0;
                Duration doubled = backoff.isZero() ? Duration.ofMillis(1) : backoff.multipliedBy(2);
                backoff = doubled.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : doubled;
            }
        } finally {
            unanswered.values().forEach(f -> f.cancel(true));
        }
    }

    /**
     * The head's answer if it comes within {@code patience} ({@code null}: however long the request's own timeout
     * lets it take), else {@code null}; a failed request throws what failed it.
     */
    private static HttpResponse<String> answer(CompletableFuture<HttpResponse<String>> pending, Duration patience)
            throws IOException, InterruptedException {
        try {
            return patience == null ? pending.get() : pending.get(patience.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException notYet) {
            return null;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TimeoutException) {
                throw new HttpTimeoutException("the answer did not come in time");
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        }
    }

    /**
     * Returns when one of the requests is answered (or fails), or after {@code atMost} ({@code null}: no limit
     * but the requests' own timeouts); at once when there are none and no pause is asked.
     */
    private static void awaitAny(Collection<CompletableFuture<HttpResponse<String>>> requests, Duration atMost) {
        try {
            if (requests.isEmpty()) {
                if (atMost != null) {
                    Thread.sleep(Math.max(1, atMost.toMillis()));
                }
                return;
            }
            CompletableFuture<Object> any = CompletableFuture.anyOf(requests.toArray(CompletableFuture[]::new));
            if (atMost == null) {
                any.get();
            } else {
                any.get(atMost.toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HpcException("interrupted while waiting for a head to answer");
        } catch (ExecutionException | TimeoutException | CancellationException wokenOrDue) {
            // a request that failed is read as such in the next round
        }
    }

    private HttpRequest request(URI base, String method, String path, String body, Map<String, String> headers,
                                Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(API + path))
                .timeout(timeout)
                .header("Accept", "application/json");
        headers.forEach(b::header);
        if (token.isPresent()) {
            b.header("Authorization", "Bearer " + token.value());
        }
        if (method.equals("GET")) {
            b.GET();
        } else {
            b.header("Content-Type", "application/json; charset=utf-8");
            b.method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        }
        return b.build();
    }

    /**
     * Whether a redirect names no machine at all: a head of an older version may name its wildcard bind address,
     * which on the client's machine is the client's own, where the token must not go.
     */
    private static boolean isWildcard(String host) {
        if (host == null) {
            return true;
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.equals("0.0.0.0") || h.matches("[:0]+");
    }

    /** The index of the head a redirect names among the targets, added to them when it is a new one. */
    private static int targetIndex(List<URI> targets, List<String> names, URI location) {
        String authority = location.getRawAuthority();
        for (int i = 0; i < targets.size(); i++) {
            if (targets.get(i).getRawAuthority().equalsIgnoreCase(authority)) {
                return i;
            }
        }
        targets.add(URI.create(location.getScheme() + "://" + authority));
        names.add(authority);
        return targets.size() - 1;
    }

    static HpcApiException apiError(int status, String body) {
        String fallbackCode = "HTTP_" + status;
        try {
            JsonFields f = Json.readObject(body);
            String code = f.string("code", fallbackCode);
            String message = f.string("message", "");
            if (!message.isEmpty()) {
                return new HpcApiException(status, code, message);
            }
            return new HpcApiException(status, code, "the head answered HTTP " + status + " " + code);
        } catch (HpcException notOurs) {
            String firstLine = body.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
            if (firstLine.length() > 200) {
                firstLine = firstLine.substring(0, 200) + "...";
            }
            return new HpcApiException(status, fallbackCode,
                    "the head answered HTTP " + status + (firstLine.isEmpty() ? "" : ": " + firstLine));
        }
    }

    private static HpcException maybeApplied(String head, String what) {
        return new HpcException("the head at " + head + " " + what + " after the request was sent: it may or may "
                + "not have been carried out; check before sending it again");
    }

    private UnavailableException unavailable(Map<String, String> failures) {
        StringJoiner j = new StringJoiner("; ");
        failures.forEach((head, why) -> j.add(head + ": " + why));
        String waited = settings.maxWait().isZero() ? "" : " within " + seconds(settings.maxWait());
        return new UnavailableException("no head answered" + waited + " (" + j + ")");
    }

    private static String describe(IOException e) {
        if (e instanceof ConnectException) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof UnresolvedAddressException) {
                    return "unknown host";
                }
                if (c.getMessage() != null && !c.getMessage().isEmpty()) {
                    return c.getMessage().toLowerCase(Locale.ROOT).contains("refused")
                            ? "connection refused" : c.getMessage();
                }
            }
            return "connection refused";
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "connection timed out";
        }
        String m = e.getMessage();
        if (m == null || m.isEmpty()) {
            Throwable c = e.getCause();
            m = c != null && c.getMessage() != null ? c.getMessage() : e.getClass().getSimpleName();
        }
        return m.toLowerCase(Locale.ROOT).contains("refused") ? "connection refused" : m;
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A path segment: percent-encodes brackets and everything else outside the unreserved set. */
    static String encodePath(String segment) {
        if (segment.isEmpty()) {
            throw new InvalidRequestException("an empty id names nothing");
        }
        return encode(segment).replace("+", "%20");
    }
}
