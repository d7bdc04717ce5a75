package dev.hpc.head.access;

import dev.hpc.api.json.JsonFields;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A token as the head keeps it: never the token itself, only its SHA-256 {@code hash}.
 *
 * @param id a short name for listing and revoking, derived from the token but not from its hash
 */
public record TokenRecord(String id, String user, Role role, String hash, Instant created) {

    /** Who a request made with this token comes from. */
    public Caller caller() {
        return new Caller(user, role);
    }

    /** The form users see: no hash, no token. */
    public Map<String, Object> publicMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("user", user);
        m.put("role", role.word());
        m.put("created", created.toString());
        return m;
    }

    /** The form replicated to the other heads, hash included. */
    public Map<String, Object> replicaMap() {
        Map<String, Object> m = publicMap();
        m.put("hash", hash);
        return m;
    }

    public static TokenRecord fromReplica(JsonFields f) {
        return new TokenRecord(f.string("id"), f.string("user"), Role.parse(f.string("role")), f.string("hash"),
                Instant.parse(f.string("created")));
    }
}
