package dev.hpc.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Who a task (or a command spawned into it) runs as, and whether this node may run it at all
 * (docs/security.md, "Jobs run as their owner").
 *
 * <ul>
 *   <li>An agent running as root runs each task as its owner: uid, primary gid and supplementary groups
 *       of the owner's account on this node, by {@code setpriv}. An owner this node does not know is
 *       refused, and so is root unless the worker was started with {@code --allow-root-jobs}.</li>
 *   <li>An agent running as an ordinary user cannot change who it is: it runs only its own user's tasks
 *       and refuses the others.</li>
 * </ul>
 * A refusal is a {@link LaunchFailedException} whose message becomes the task's comment.
 */
final class RunAs {
    static final Optional<Path> SETPRIV = Executables.first("/usr/bin/setpriv", "/bin/setpriv");

    /** How one task runs: as {@code owner}, switching to it ({@code setpriv}) when the agent is someone else. */
    record Identity(TaskOwner owner, boolean switchUser) {
        /** {@code setpriv --reuid=U --regid=G --groups=... --} when switching; nothing otherwise. */
        List<String> prefix() {
            if (!switchUser) {
                return List.of();
            }
            List<String> p = new ArrayList<>();
            p.add(SETPRIV.orElseThrow(() -> new LaunchFailedException(
                    "no setpriv on this node (util-linux): a worker running as root cannot start tasks as their owner"))
                    .toString());
            p.add("--reuid=" + owner.uid());
            p.add("--regid=" + owner.gid());
            p.add(owner.groups().isEmpty() ? "--clear-groups"
                    : "--groups=" + owner.groups().stream().map(String::valueOf).collect(Collectors.joining(",")));
            p.add("--");
            return p;
        }

        /** HOME, USER, LOGNAME and SHELL of the owner's account. */
        Map<String, String> login() {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("HOME", owner.home().isBlank() ? "/" : owner.home());
            env.put("USER", owner.name());
            env.put("LOGNAME", owner.name());
            env.put("SHELL", owner.shell().isBlank() ? "/bin/sh" : owner.shell());
            return env;
        }

        /** Hands a file or directory the agent created for the task to its owner (a no-op without a switch). */
        void give(Path path, String permissions) throws IOException {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
            if (switchUser) {
                Files.setAttribute(path, "unix:uid", (int) owner.uid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(path, "unix:gid", (int) owner.gid(), LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    private final String nodeName;
    private final long agentUid;
    private final String agentUser;
    private final boolean allowRootJobs;
    private final OwnerDirectory directory;

    RunAs(String nodeName, long agentUid, String agentUser, boolean allowRootJobs, OwnerDirectory directory) {
        this.nodeName = nodeName;
        this.agentUid = agentUid;
        this.agentUser = agentUser;
        this.allowRootJobs = allowRootJobs;
        this.directory = directory;
    }

    /** The policy of this process: its real uid and user name. */
    static RunAs forThisProcess(String nodeName, boolean allowRootJobs, OwnerDirectory directory) {
        return new RunAs(nodeName, processUid(), System.getProperty("user.name", ""), allowRootJobs, directory);
    }

    /** Whether the agent runs as root and so starts tasks as their owners. */
    boolean privileged() {
        return agentUid == 0;
    }

    /** How a task of {@code owner} runs here; throws {@link LaunchFailedException} saying why it may not. */
    Identity identify(String owner) {
        if (privileged()) {
            if (owner.isBlank()) {
                throw new LaunchFailedException("the head named no owner for it; node " + nodeName
                        + " runs tasks only as their owner");
            }
            TaskOwner account = directory.find(owner).orElseThrow(() -> new LaunchFailedException(
                    "owner " + owner + " does not exist on node " + nodeName));
            if (account.root() && !allowRootJobs) {
                throw new LaunchFailedException("owner " + owner + " is root, and node " + nodeName
                        + " does not run root's jobs: start its worker with --allow-root-jobs to allow them");
            }
            return new Identity(account, account.uid() != agentUid);
        }
        if (!owner.isBlank() && !owner.equals(agentUser)) {
            throw new LaunchFailedException("the worker of node " + nodeName + " runs as " + agentUser
                    + ", not as root, so it runs only " + agentUser + "'s jobs, not " + owner + "'s");
        }
        // the agent's own account, as the agent's environment tells (no look-up needed to run as oneself)
        String home = Optional.ofNullable(System.getenv("HOME")).orElse(System.getProperty("user.home", "/"));
        return new Identity(new TaskOwner(agentUser, agentUid, -1, List.of(), home, "/bin/bash"), false);
    }

    /**
     * How a task of {@code owner} runs here with {@code group} ({@code -W group_list}; "" for the owner's
     * own) as its primary group. As root: the group must exist on this node and the owner belong to it
     * (primary or supplementary, as {@code id -G} says). Without root the agent cannot change its group:
     * only its own primary group is accepted.
     */
    Identity identify(String owner, String group) {
        Identity who = identify(owner);
        if (group.isEmpty()) {
            return who;
        }
        long gid = directory.groupId(group).orElseThrow(() -> new LaunchFailedException("group " + group
                + " (-W group_list) does not exist on node " + nodeName + "; name a group you belong to (id -Gn)"));
        if (privileged()) {
            TaskOwner account = who.owner();
            if (gid != account.gid() && !account.groups().contains(gid)) {
                throw new LaunchFailedException("user " + owner + " is not a member of group " + group
                        + " on node " + nodeName + " (-W group_list); name a group you belong to (id -Gn), or ask "
                        + "an administrator to add you to " + group);
            }
            // root's own job with another group needs the switch too, to change the group
            return new Identity(account.withGid(gid), who.switchUser() || gid != account.gid());
        }
        long own = processGid();
        if (gid != own) {
            throw new LaunchFailedException("the worker of node " + nodeName + " runs as " + agentUser
                    + ", not as root, so its jobs run with its own group (gid " + own + ") and cannot switch to group "
                    + group + " (-W group_list); leave group_list out, or run the worker as root");
        }
        return who;
    }

    /** The real gid of this process, from /proc/self/status; -1 when unknown. */
    static long processGid() {
        return statusId("Gid:");
    }

    /** The real uid of this process, from /proc/self/status; -1 when unknown (never treated as root). */
    static long processUid() {
        return statusId("Uid:");
    }

    private static long statusId(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
