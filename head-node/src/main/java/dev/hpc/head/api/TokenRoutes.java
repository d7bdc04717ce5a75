package dev.hpc.head.api;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.head.access.Caller;
import dev.hpc.head.access.JobAccess;
import dev.hpc.head.access.Role;
import dev.hpc.head.access.TokenRecord;
import dev.hpc.head.access.TokenRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;

import static dev.hpc.head.api.RouteSupport.json;

/**
 * {@code hpc admin token}: create, list and revoke tokens (admins only), and {@code GET /api/v1/whoami}
 * for any caller. A new token's text appears once, in the answer to its creation. The store is
 * written off the event loop. Errors go to the failure handler of {@link ApiRoutes}.
 */
public final class TokenRoutes {
    public static final String PATH = "/api/v1/tokens";
    private static final Set<String> CREATE_FIELDS = Set.of("user", "role");

    private final Vertx vertx;
    private final TokenRegistry tokens;

    public TokenRoutes(Vertx vertx, TokenRegistry tokens) {
        this.vertx = vertx;
        this.tokens = tokens;
    }

    public void mount(Router router) {
        router.get("/api/v1/whoami").handler(this::whoami);
        router.post(PATH).handler(this::create);
        router.get(PATH).handler(this::list);
        router.delete(PATH + "/:who").handler(this::revoke);
    }

    private void whoami(RoutingContext ctx) {
        Caller c = Authenticator.caller(ctx);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("user", c.user());
        m.put("role", c.role().word());
        json(ctx, 200, m);
    }

    private void create(RoutingContext ctx) {
        JobAccess.requireAdmin(Authenticator.caller(ctx), "create tokens");
        if (ctx.body() == null || ctx.body().length() == 0) {
            throw new InvalidRequestException("say whose token to make: a body {\"user\": \"alice\", \"role\": "
                    + "\"user\"} (role user, operator or admin; default user)");
        }
        JsonFields body = Json.readObject(ctx.body().asString("UTF-8")).allowOnly(CREATE_FIELDS);
        String user = body.string("user");
        Role role = Role.parse(body.string("role", "user"));
        blocking(ctx, () -> tokens.create(user, role), issued -> {
            Map<String, Object> m = new LinkedHashMap<>(issued.record().publicMap());
            m.put("token", issued.token());
            return m;
        }, 201);
    }

    private void list(RoutingContext ctx) {
        JobAccess.requireAdmin(Authenticator.caller(ctx), "list tokens");
        List<Object> out = new ArrayList<>();
        for (TokenRecord t : tokens.list()) {
            out.add(t.publicMap());
        }
        json(ctx, 200, Map.of("tokens", out));
    }

    private void revoke(RoutingContext ctx) {
        JobAccess.requireAdmin(Authenticator.caller(ctx), "revoke tokens");
        String who = ctx.pathParam("who");
        blocking(ctx, () -> tokens.revoke(who), gone -> {
            List<Object> out = new ArrayList<>();
            for (TokenRecord t : gone) {
                out.add(t.publicMap());
            }
            return Map.of("revoked", out);
        }, 200);
    }

    private <T> void blocking(RoutingContext ctx, Callable<T> work, Function<T, Object> render,
                              int status) {
        vertx.executeBlocking(work).onComplete(r -> {
            if (r.failed()) {
                ctx.fail(r.cause());
            } else {
                json(ctx, status, render.apply(r.result()));
            }
        });
    }
}
