package dev.hpc.head.access;

import dev.hpc.api.InvalidRequestException;
import java.util.Locale;

/** What a token's holder may do, PBS style: each role may do all that the roles before it may. */
public enum Role {
    /** Submits jobs and acts on their own jobs. */
    USER,
    /** Also acts on any job, sets and releases operator holds and takes nodes offline. */
    OPERATOR,
    /** Also creates, lists and revokes tokens. */
    ADMIN;

    public static Role parse(String text) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("role '" + text + "' is not one of user, operator, admin");
        }
    }

    public boolean atLeast(Role other) {
        return compareTo(other) >= 0;
    }

    /** The name as users write it. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
