package dev.hpc.head;

import dev.hpc.head.api.ApiRoutes;
import dev.hpc.head.gateway.WorkerGateway;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

/** The head's network edge: one HTTP server for the REST API and the worker link. */
public final class HeadVerticle extends VerticleBase {
    private final HeadService head;
    private HttpServer server;

    public HeadVerticle(HeadService head) {
        this.head = head;
    }

    @Override
    public Future<?> start() {
        Router router = Router.router(vertx);
        WorkerGateway gateway = new WorkerGateway(head);
        head.effectSink(gateway);
        gateway.mount(router);
        new ApiRoutes(vertx, head).mount(router);
        server = vertx.createHttpServer(new HttpServerOptions().setHost(head.config().bindHost())
                .setPort(head.config().port()).setMaxWebSocketMessageSize(16 * 1024 * 1024)
                .setMaxWebSocketFrameSize(1024 * 1024));
        return server.requestHandler(router).listen();
    }

    public int port() {
        return server.actualPort();
    }
}
