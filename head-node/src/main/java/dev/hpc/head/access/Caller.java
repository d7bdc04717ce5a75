package dev.hpc.head.access;

/** Who made a request, as their token says. */
public record Caller(String user, Role role) {

    /** May act on any job and node: an operator or an admin. */
    public boolean isOperator() {
        return role.atLeast(Role.OPERATOR);
    }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }
}
