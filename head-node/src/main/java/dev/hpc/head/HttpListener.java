package dev.hpc.head;

import dev.hpc.head.edge.HttpEdge;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import java.util.Map;

/**
 * One more HTTP server on the head's port, on an event loop of its own. Vert.x hands each new connection on a
 * port to the servers listening there in turn, each on its own loop, so the head's connections (thousands of
 * worker links heartbeating, the API, the web view) are spread over several loops instead of one (issue 21):
 * a qstat no longer waits behind the decoding of 10,000 heartbeats a second. It serves the one router and the
 * one set of WebSocket handlers {@link HeadVerticle} built, whose state is the head's, not the server's: the
 * edge's table of connections, the gateway's sessions, the spawn relay's commands, the event stream's clients,
 * each safe from any loop.
 */
final class HttpListener extends VerticleBase {
    private final HttpServerOptions options;
    private final HttpEdge edge;
    private final Router router;
    private final Map<String, Handler<ServerWebSocket>> webSockets;

    HttpListener(HttpServerOptions options, HttpEdge edge, Router router,
                 Map<String, Handler<ServerWebSocket>> webSockets) {
        this.options = options;
        this.edge = edge;
        this.router = router;
        this.webSockets = webSockets;
    }

    /**
     * How many servers listen on the head's port: one per core, at most four. More loops than cores only
     * take turns on them, and past four the state thread, not the decoding, bounds the head.
     */
    static int count() {
        return Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 4));
    }

    @Override
    public Future<?> start() {
        HttpServer server = vertx.createHttpServer(options);
        edge.attach(server, webSockets);
        return server.requestHandler(router).listen();
    }
}
