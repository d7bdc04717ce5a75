package dev.hpc.api.job;

import dev.hpc.api.json.JsonFields;

/**
 * A token as the head lists it: a short {@code id}, its user and role, when it was made. {@code token}
 * is the token's text, only in the answer to its creation; empty otherwise.
 */
public record TokenInfo(String id, String user, String role, String created, String token) {
    public static TokenInfo read(JsonFields f) {
        return new TokenInfo(f.string("id", ""), f.string("user"), f.string("role"), f.string("created", ""),
                f.string("token", ""));
    }
}
