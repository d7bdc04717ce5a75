package dev.hpc.head.api;

import dev.hpc.api.json.Json;
import dev.hpc.api.wire.WireCodec;
import dev.hpc.head.access.Caller;
import dev.hpc.head.access.TokenRecord;
import dev.hpc.head.access.TokenRegistry;
import dev.hpc.head.access.Tokens;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * In front of every API route: finds the caller from the {@code Authorization: Bearer} token, or
 * answers {@code 401}. The event stream alone may take the token as {@code ?access_token=}, since a
 * browser's EventSource cannot set headers. Not for: the cluster status and the API description
 * (health checks and documentation), the worker link and the spawn route, which have their own
 * credentials (the worker's, and the per-attempt HMAC of docs/mpi.md).
 */
public final class Authenticator {
    private static final String CALLER = "hpc.caller";
    private static final String TOKEN = "hpc.token";
    private static final Pattern SPAWN = Pattern.compile("/api/v1/jobs/[^/]+/spawn/?");
    private static final String HOW_TO_GET_ONE = "ask an admin for a token (hpc admin token create YOUR-USER), "
            + "then save it in ~/.hpc/token with mode 0600 or set HPC_TOKEN";

    private final TokenRegistry tokens;
    private final String cluster;

    public Authenticator(TokenRegistry tokens, String cluster) {
        this.tokens = tokens;
        this.cluster = cluster;
    }

    public void mount(Router router) {
        router.route("/api/v1/*").handler(this::authenticate);
    }

    /** The caller of a request that passed this handler. */
    public static Caller caller(RoutingContext ctx) {
        Caller c = ctx.get(CALLER);
        if (c == null) {
            throw new IllegalStateException("should never happen: no caller on " + ctx.request().path());
        }
        return c;
    }

    /**
     * The token a request that passed this handler was made with, for answers that stay open: they hold
     * it with {@link TokenRegistry#whileValid} and end when it is revoked.
     */
    public static TokenRecord token(RoutingContext ctx) {
        TokenRecord t = ctx.get(TOKEN);
        if (t == null) {
            throw new IllegalStateException("should never happen: no token on " + ctx.request().path());
        }
        return t;
    }

    static boolean open(String path) {
        return path.equals("/api/v1/cluster") || path.equals(ApiDescription.PATH)
                || path.startsWith(WireCodec.LINK_PATH.substring(0, WireCodec.LINK_PATH.lastIndexOf('/') + 1))
                || SPAWN.matcher(path).matches();
    }

    private void authenticate(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        if (open(path)) {
            ctx.next();
            return;
        }
        String token = bearer(ctx);
        if (token.isEmpty() && path.equals(EventStream.PATH)) {
            String q = ctx.request().getParam("access_token");
            token = q == null ? "" : q.strip();
        }
        if (token.isEmpty()) {
            refuse(ctx, "this request needs a token: send 'Authorization: Bearer TOKEN'; " + HOW_TO_GET_ONE);
            return;
        }
        TokenRecord record = tokens.find(token).orElse(null);
        if (record == null) {
            refuse(ctx, "the token is not valid on cluster " + cluster + " (unknown or revoked); " + HOW_TO_GET_ONE);
            return;
        }
        ctx.put(CALLER, record.caller());
        ctx.put(TOKEN, record);
        ctx.next();
    }

    /** The token of an {@code Authorization: Bearer TOKEN} header, "" without one; /metrics reads it too. */
    public static String bearer(RoutingContext ctx) {
        return Tokens.fromBearerHeader(ctx.request().getHeader("Authorization"));
    }

    private static void refuse(RoutingContext ctx, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", "UNAUTHENTICATED");
        m.put("message", message);
        ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer realm=\"hpc\"")
                .putHeader("Content-Type", "application/json; charset=utf-8").end(Json.write(m));
    }
}
