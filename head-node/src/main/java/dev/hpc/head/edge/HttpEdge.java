package dev.hpc.head.edge;

import dev.hpc.api.HpcException;
import dev.hpc.api.json.Json;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Puts {@link EdgeSettings} on one HTTP server and its router, and answers what is not valid HTTP.
 *
 * <p>Timeouts. Netty and Vert.x time out nothing but silence (the idle timeout), so a client that
 * sends a request head, or a body, one byte at a time would hold its connection for ever (slowloris:
 * issue #15 held 300 half-sent requests). Each connection therefore has one timer, on its own event
 * loop: from its opening, or the end of an answer, until the next request head is whole (the header
 * timeout; the connection is closed, there is no request to answer); from the head until the body has
 * arrived (the body timeout; {@code 408} and closed). While an answer is being made (a stream, a read
 * waiting for a worker) only the idle timeout applies. A WebSocket upgrade leaves the timers; the worker
 * link has its own handshake timeout ({@link dev.hpc.head.gateway.WorkerGateway}).
 *
 * <p>Malformed requests. Every one gets a 4xx with {@code {"code", "message"}} naming the fault and
 * {@code Connection: close}, and its connection is closed after the answer: bytes after a request the
 * head could not frame are not read as another request (the shape of request smuggling). That covers
 * Netty's decoder failures (a bad request line or header, a bad chunk of a chunked body, too long a
 * line or too many header bytes), vert.x-web's checks (no {@code Host}), an HTTP version other than 1.0
 * and 1.1, and {@code %} escapes that do not decode. The server speaks HTTP/1.x only: none of the
 * head's clients asks for HTTP/2, and its streams would need timeouts of their own.
 *
 * <p>WebSockets are upgraded by the server, not the router, and only on the paths given to {@link
 * #attach}; the others are refused with {@code 404}. Vert.x checks the HTTP version of a request itself
 * (answering {@code 501}) only when the server has no WebSocket handler: with one, the version comes to
 * {@link #check} and is refused with {@code 400} like every other fault of the client.
 */
public final class HttpEdge {
    private static final Logger LOG = Logger.getLogger(HttpEdge.class.getName());
    private static final int MAX_MESSAGE = 300;

    private final Vertx vertx;
    private final EdgeSettings settings;
    /** Open connections by their two addresses; touched on each connection's own event loop. */
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();

    public HttpEdge(Vertx vertx, EdgeSettings settings) {
        this.vertx = vertx;
        this.settings = settings;
    }

    /** The server options the settings bound, on top of the given ones. */
    public HttpServerOptions options(HttpServerOptions base) {
        return base.setIdleTimeout((int) settings.idleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setMaxInitialLineLength(settings.maxRequestLineBytes()).setMaxHeaderSize(settings.maxHeaderBytes())
                .setHttp2ClearTextEnabled(false).setUseAlpn(false);
    }

    /**
     * The first route and the first failure handler of the router: mount before any other, so that the
     * checks run before any route decodes the path.
     */
    public void mount(Router router) {
        router.route().handler(this::check);
        router.route().failureHandler(this::failure);
        // what no route serves (the API has its own last route): a message, not vert.x-web's bare status
        router.errorHandler(404, ctx -> notServed(ctx, 404, "NOT_FOUND"));
        router.errorHandler(405, ctx -> notServed(ctx, 405, "METHOD_NOT_ALLOWED"));
    }

    private static void notServed(RoutingContext ctx, int status, String code) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed()) {
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", code);
        m.put("message", "nothing is served at " + ctx.request().method() + " " + shortened(ctx.request().path())
                + ": the web view answers GET at /, the REST API is under /api/v1 (docs/rest-api.md)");
        response.setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
                .end(Json.write(m));
    }

    /** Connection timers, malformed-request answers and WebSocket upgrades on these paths only. */
    public void attach(HttpServer server, Map<String, Handler<ServerWebSocket>> webSockets) {
        server.connectionHandler(this::opened);
        server.invalidRequestHandler(this::invalid);
        server.webSocketHandshakeHandler(handshake -> upgrade(handshake, webSockets));
    }

    // ------------------------------------------------------------------ timeouts

    /** One connection's timer and how many requests it has begun. */
    private final class Connection {
        final HttpConnection connection;
        final String key;
        /** The connection's event loop: every field below is read and written there only. */
        final Context loop;
        final Thread loopThread;
        long timer = -1;
        /** What the timer times: the head of the next request, or the body of the current one. */
        boolean timingBody;
        int requests;
        boolean upgraded;
        /** A request on it was refused for its framing: nothing after it is answered. */
        boolean refused;
        boolean closed;

        Connection(HttpConnection connection, String key) {
            this.connection = connection;
            this.key = key;
            this.loop = Vertx.currentContext();
            this.loopThread = Thread.currentThread();
        }

        /**
         * Runs on the connection's own loop. A route may end its answer from another thread (the state
         * thread completes a read): Vert.x then calls the end handlers on that thread, and a timer set
         * there raced the loop's own cancel and left a kept-alive connection with no timer at all.
         */
        void onLoop(Runnable step) {
            if (Thread.currentThread() == loopThread) {
                step.run();
            } else {
                loop.runOnContext(v -> step.run());
            }
        }

        void cancel() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
            timingBody = false;
        }

        void awaitHead() {
            cancel();
            if (!upgraded) {
                timer = vertx.setTimer(settings.headerTimeout().toMillis(), id -> {
                    timer = -1;
                    LOG.fine(() -> "closing the connection from " + connection.remoteAddress() + ": no whole request "
                            + "head within the header timeout of " + settings.headerTimeout());
                    connection.close();
                });
            }
        }

        void begin(RoutingContext ctx) {
            cancel();
            int n = ++requests;
            HttpServerRequest request = ctx.request();
            if (!request.isEnded()) {
                timingBody = true;
                timer = vertx.setTimer(settings.bodyTimeout().toMillis(), id -> {
                    timer = -1;
                    timingBody = false;
                    bodyTooSlow(ctx, this);
                });
                // the answer may have ended first (a GET answered before its end was read): then the timer
                // already times the next head and stays
                request.end().onComplete(done -> onLoop(() -> {
                    if (requests == n && timingBody && done.succeeded()) {
                        cancel();
                    }
                }));
            }
            ctx.addEndHandler(answered -> onLoop(() -> {
                if (requests == n) {
                    awaitHead();
                }
            }));
        }
    }

    private static String key(SocketAddress local, SocketAddress remote) {
        return local + "|" + remote;
    }

    private Connection connectionOf(HttpServerRequest request) {
        return connections.get(key(request.localAddress(), request.remoteAddress()));
    }

    /**
     * Whether a request on a connection whose earlier request was refused must go unanswered: Vert.x
     * hands on a request that was already read behind the refused one before the connection closes.
     */
    private boolean afterRefusal(HttpServerRequest request) {
        Connection c = connectionOf(request);
        if (c != null && c.refused) {
            request.connection().close();
            return true;
        }
        return false;
    }

    private void opened(HttpConnection connection) {
        Connection c = new Connection(connection, key(connection.localAddress(), connection.remoteAddress()));
        connections.put(c.key, c);
        connection.closeHandler(v -> {
            c.closed = true;
            c.cancel();
            connections.remove(c.key, c);
        });
        c.awaitHead();
    }

    private void bodyTooSlow(RoutingContext ctx, Connection c) {
        LOG.fine(() -> "closing the connection from " + c.connection.remoteAddress() + ": the body of "
                + ctx.request().method() + " " + ctx.request().path() + " did not arrive within "
                + settings.bodyTimeout());
        refuse(ctx.request(), 408, "REQUEST_TIMEOUT", "the request's body did not arrive within "
                + settings.bodyTimeout().toMillis() + " ms of its headers; send it at once, and whole");
    }

    /** Open HTTP connections the edge is timing (WebSockets not counted): for tests and the log. */
    public int connections() {
        return connections.size();
    }

    // ------------------------------------------------------------------ malformed requests

    /** The first handler of every request: time it, then refuse what no route should see. */
    private void check(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (afterRefusal(request)) {
            return;
        }
        Connection c = connectionOf(request);
        if (c != null) {
            c.begin(ctx);
        }
        if (request.version() == null) {
            refuse(request, 400, "BAD_REQUEST", "the request's HTTP version is not one the head speaks: send "
                    + "HTTP/1.1 (or HTTP/1.0)");
            return;
        }
        String framing = badFraming(request);
        if (!framing.isEmpty()) {
            // the length of the body is unknown, so what follows could be read as a request of its own
            refuse(request, 400, "BAD_REQUEST", framing);
            return;
        }
        String badEscape = badEscape(request.path());
        if (!badEscape.isEmpty()) {
            refuse(request, 400, "BAD_REQUEST", "the path has " + badEscape + ": write '%' as %25, and every "
                    + "escape as % and two hex digits");
            return;
        }
        try {
            request.params();
        } catch (IllegalArgumentException e) {
            refuse(request, 400, "BAD_REQUEST", "the query string cannot be decoded (" + shortened(e.getMessage())
                    + "): write '%' as %25, and every escape as % and two hex digits");
            return;
        }
        ctx.next();
    }

    /**
     * What is wrong with how a request says where its body ends, as RFC 9112 (6.1, 6.3) requires a server to
     * refuse: a transfer coding whose last one is not {@code chunked}, or one beside a {@code Content-Length};
     * empty when nothing is.
     */
    private static String badFraming(HttpServerRequest request) {
        List<String> codings = request.headers().getAll("Transfer-Encoding");
        if (codings.isEmpty()) {
            return "";
        }
        String[] all = String.join(",", codings).split(",");
        String last = all[all.length - 1].strip();
        if (!last.equalsIgnoreCase("chunked")) {
            return "the request's Transfer-Encoding '" + printable(shortened(String.join(",", codings)))
                    + "' does not end with chunked, so its body's length cannot be known: send chunked last, or a "
                    + "Content-Length instead";
        }
        if (request.headers().contains("Content-Length")) {
            return "the request has both Transfer-Encoding and Content-Length: send one of them";
        }
        return "";
    }

    /** The first bad {@code %} escape of a raw path, described; empty when there is none. */
    private static String badEscape(String path) {
        if (path == null) {
            return "";
        }
        for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
            if (i + 2 >= path.length() || Character.digit(path.charAt(i + 1), 16) < 0
                    || Character.digit(path.charAt(i + 2), 16) < 0) {
                String seen = path.substring(i, Math.min(path.length(), i + 3));
                return "a '%' at character " + (i + 1) + " that is not an escape ('" + printable(seen) + "')";
            }
        }
        return "";
    }

    /**
     * Failures that are the client's fault in the framing of its request, found before any route ran:
     * answered here and closed. Everything else goes on to the routes' own failure handlers.
     */
    private void failure(RoutingContext ctx) {
        Throwable t = ctx.failure();
        if (t instanceof HpcException || ctx.response().headWritten()) {
            ctx.next();
            return;
        }
        HttpServerRequest request = ctx.request();
        if (request.version() == null) {
            refuse(request, 400, "BAD_REQUEST", "the request's HTTP version is not one the head speaks: send "
                    + "HTTP/1.1 (or HTTP/1.0)");
        } else if (t != null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
            // vert.x-web's checks before any route: no Host header, a path that is not absolute
            refuse(request, ctx.statusCode(), "BAD_REQUEST", "the request is malformed: " + shortened(t.getMessage()));
        } else if (t != null && ctx.statusCode() == 200 && !request.isEnded()) {
            // vert.x-web's BodyHandler reports a failure of the body's stream as fail(200, cause); the client's
            // bytes are all that can fail it (a chunk that does not decode), and Vert.x closes the connection
            // right after this returns: the answer must be written now
            refuse(request, 400, "BAD_REQUEST", "the request's body cannot be read: " + shortened(t.getMessage())
                    + "; send it with a valid Content-Length or chunked encoding");
        } else {
            ctx.next();
        }
    }

    /** Requests Netty could not decode: a bad request line or header, or too long a line or header. */
    private void invalid(HttpServerRequest request) {
        if (afterRefusal(request)) {
            return;
        }
        Throwable cause = request.decoderResult().cause();
        if (cause instanceof TooLongHttpLineException) {
            refuse(request, 414, "TOO_LARGE", "the request line is longer than " + settings.maxRequestLineBytes()
                    + " bytes: shorten the address");
        } else if (cause instanceof TooLongHttpHeaderException) {
            refuse(request, 431, "TOO_LARGE", "the request's headers are larger than " + settings.maxHeaderBytes()
                    + " bytes in all: send fewer or shorter headers");
        } else {
            refuse(request, 400, "BAD_REQUEST", "the request is not valid HTTP/1.1"
                    + (cause == null ? "" : " (" + shortened(cause.getMessage()) + ")")
                    + "; nothing more is read on this connection");
        }
    }

    /** A 4xx that names the fault, then the connection closes: nothing after the request is answered. */
    private void refuse(HttpServerRequest request, int status, String code, String message) {
        Connection c = connectionOf(request);
        if (c != null) {
            if (c.refused) {
                // a request decoded behind a refused one can reach here before or after it: one answer only
                request.connection().close();
                return;
            }
            c.refused = true;
        }
        HttpServerResponse response = request.response();
        if (response.ended() || response.closed()) {
            request.connection().close();
            return;
        }
        if (response.headWritten()) {
            response.reset();
            request.connection().close();
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", code);
        m.put("message", message);
        response.setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
                .putHeader("Connection", "close").end(Json.write(m))
                .onComplete(done -> request.connection().close());
    }

    private static String shortened(String message) {
        String m = message == null ? "no detail" : printable(message);
        return m.length() <= MAX_MESSAGE ? m : m.substring(0, MAX_MESSAGE) + "...";
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            b.append(ch < 0x20 || ch == 0x7f ? String.format("\\x%02x", (int) ch) : String.valueOf(ch));
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ WebSockets

    private void upgrade(ServerWebSocketHandshake handshake, Map<String, Handler<ServerWebSocket>> webSockets) {
        Handler<ServerWebSocket> handler = webSockets.get(handshake.path());
        if (handler == null) {
            handshake.reject(404);
            return;
        }
        Connection c = connections.get(key(handshake.localAddress(), handshake.remoteAddress()));
        if (c != null && c.refused) {
            handshake.reject(400);
            return;
        }
        if (c != null) {
            // a WebSocket is timed by its own protocol (the link's handshake timeout), and its connection's
            // close is no longer told to the HTTP connection: it leaves the table now
            c.upgraded = true;
            c.cancel();
            connections.remove(c.key, c);
        }
        handshake.accept().onSuccess(handler).onFailure(e -> {
            LOG.warning("WebSocket upgrade on " + handshake.path() + " from " + handshake.remoteAddress()
                    + " failed: " + e.getMessage());
            if (c != null && !c.closed) {
                c.upgraded = false;
                connections.put(c.key, c);
                c.awaitHead();
            }
        });
    }
}
