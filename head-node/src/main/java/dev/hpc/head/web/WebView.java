package dev.hpc.head.web;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The live queue view at {@code /}: static files from the classpath folder {@code webroot/} (plain
 * JavaScript, no build step). The page reads the REST API and {@code /api/v1/events}; see docs/web.md.
 */
public final class WebView {
    /** Every path outside the API. */
    private static final String PAGES = "^/(?!api/).*";

    /**
     * One handler per thread: the head's port is served on several event loops, and a static handler's cache of
     * file properties is a map for one thread at a time.
     */
    private final ThreadLocal<StaticHandler> files = ThreadLocal.withInitial(() ->
            StaticHandler.create("webroot").setMaxAgeSeconds(60).setDirectoryListing(false));

    public void mount(Router router) {
        router.routeWithRegex(PAGES).method(HttpMethod.GET).method(HttpMethod.HEAD)
                .handler(ctx -> files.get().handle(ctx));
    }
}
