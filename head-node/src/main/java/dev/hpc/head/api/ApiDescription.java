package dev.hpc.head.api;

import dev.hpc.api.HpcException;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;

/**
 * {@code GET /api/v1/openapi.json}: the OpenAPI 3.0 description of the REST API, a classpath resource
 * read once at start. {@code OpenApiRoutesTest} keeps it and the router's routes in step.
 */
public final class ApiDescription {
    public static final String PATH = "/api/v1/openapi.json";
    public static final String RESOURCE = "openapi.json";

    private final Buffer document;

    public ApiDescription() {
        this.document = Buffer.buffer(load());
    }

    /** The description as served. */
    public static byte[] load() {
        try (InputStream in = ApiDescription.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new HpcException("the head's jar lacks " + RESOURCE + ": rebuild it");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new HpcException("cannot read " + RESOURCE + " from the head's jar: " + e.getMessage());
        }
    }

    public void mount(Router router) {
        router.get(PATH).handler(this::serve);
    }

    private void serve(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(document);
    }
}
