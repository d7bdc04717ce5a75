package dev.hpc.head.api;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.head.access.JobAccess;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Set;

/** The optional JSON body of the action routes (hold, alter, node offline, ...): none is an empty object. */
final class OptionalBody {
    private OptionalBody() {
    }

    /** The body with only the allowed fields; a {@code user} in it other than the token's is refused (admins excepted). */
    static JsonFields read(RoutingContext ctx, Set<String> allowed) {
        JsonFields body = readRaw(ctx, allowed);
        JobAccess.checkActAs(Authenticator.caller(ctx), body.string("user", ""));
        return body;
    }

    private static JsonFields readRaw(RoutingContext ctx, Set<String> allowed) {
        if (ctx.body() == null || ctx.body().buffer() == null || ctx.body().length() == 0) {
            return JsonFields.of(Map.of());
        }
        String text = Json.utf8(ctx.body().buffer().getBytes());
        if (text.isBlank()) {
            return JsonFields.of(Map.of());
        }
        return Json.readObject(text).allowOnly(allowed);
    }
}
