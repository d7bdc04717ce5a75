package dev.hpc.head.api;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.json.Json;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * What every route class of the API does alike: read a query parameter, answer with JSON, and turn
 * a future of the head into an answer. A failure goes to the router's failure handler, which makes
 * the JSON error body ({@link ApiRoutes}); an answer to a request whose response already ended (the
 * client left, a timeout answered) is dropped.
 */
final class RouteSupport {
    static final String JSON_TYPE = "application/json; charset=utf-8";

    private RouteSupport() {
    }

    /** The query parameter {@code name}, trimmed; "" when absent. */
    static String param(RoutingContext ctx, String name) {
        String v = ctx.request().getParam(name);
        return v == null ? "" : v.trim();
    }

    /** A whole-number query parameter from {@code min} to {@code max}; {@code fallback} when absent. */
    static long longParam(RoutingContext ctx, String name, long fallback, long min, long max) {
        String v = param(ctx, name);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                throw new InvalidRequestException("parameter '" + name + "' must be between " + min + " and " + max
                        + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("parameter '" + name + "' must be a whole number, got '" + v + "'");
        }
    }

    /** As {@link #longParam}, for bounds that fit an {@code int}. */
    static int intParam(RoutingContext ctx, String name, int fallback, int min, int max) {
        return (int) longParam(ctx, name, fallback, min, max);
    }

    static void json(RoutingContext ctx, int status, Object body) {
        if (!ctx.response().ended()) {
            ctx.response().setStatusCode(status).putHeader("Content-Type", JSON_TYPE).end(Json.write(body));
        }
    }

    /** The error body every API answer has: {@code {"code": ..., "message": ...}}. */
    static void error(RoutingContext ctx, int status, String code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", code);
        m.put("message", message);
        json(ctx, status, m);
    }

    /** Answers 200 with {@code render} of the result once it completes. */
    static <T> void reply(RoutingContext ctx, CompletableFuture<T> result, Function<T, Object> render) {
        reply(ctx, result, render, 200);
    }

    static <T> void reply(RoutingContext ctx, CompletableFuture<T> result, Function<T, Object> render, int status) {
        result.whenComplete((value, error) -> {
            if (error != null) {
                ctx.fail(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
                return;
            }
            try {
                json(ctx, status, render.apply(value));
            } catch (RuntimeException e) {
                ctx.fail(e);
            }
        });
    }
}
