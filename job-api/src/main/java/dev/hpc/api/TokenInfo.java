package dev.hpc.api;

/**
 * A token as the head lists it: a short {@code id}, its user and role, when it was made. {@code token}
 * is the token's text, only in the answer to its creation; empty otherwise.
 */
public record TokenInfo(String id, String user, String role, String created, String token) {
    static TokenInfo read(JsonFields f) {
        return new TokenInfo(f.string("id", ""), f.string("user"), f.string("role"), f.string("created", ""),
                f.string("token", ""));
    }
}
