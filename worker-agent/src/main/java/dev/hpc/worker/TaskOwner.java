package dev.hpc.worker;

import java.util.List;

/**
 * The account a task runs as on this node, as the node's user database ({@code getent passwd},
 * {@code id -G}) tells: its uid, primary gid, supplementary groups, home and login shell.
 */
record TaskOwner(String name, long uid, long gid, List<Long> groups, String home, String shell) {
    TaskOwner {
        groups = List.copyOf(groups);
    }

    /** The same account with another primary group, as {@code -W group_list} asks. */
    TaskOwner withGid(long g) {
        return new TaskOwner(name, uid, g, groups, home, shell);
    }

    boolean root() {
        return uid == 0;
    }
}
