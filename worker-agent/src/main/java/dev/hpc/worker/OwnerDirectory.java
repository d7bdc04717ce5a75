package dev.hpc.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Looks accounts up in the node's user database with {@code getent passwd} and {@code id -G}, so that
 * LDAP, SSSD and NIS accounts count as well as {@code /etc/passwd}. An answer is kept for
 * {@link #KEEP}, so that a burst of array tasks costs one look-up and a new account shows up soon;
 * tasks that start together wait for the one look-up under way rather than each starting its own
 * (two commands each, ~10 ms of a core on a 2-core node). Thread-safe; blocking.
 */
final class OwnerDirectory {
    static final Duration KEEP = Duration.ofSeconds(30);
    /** User names as the head accepts them; a leading '-' would read as an option, digits alone as a uid. */
    private static final Pattern NAME = Pattern.compile("(?![0-9]+\\$?$)[A-Za-z0-9_][A-Za-z0-9._-]{0,63}\\$?");
    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(10);

    private record Known(Optional<TaskOwner> owner, Instant until) {
    }

    private static final String GETENT = firstExecutable("getent");
    private static final String ID = firstExecutable("id");
    private final Clock clock;
    private final ConcurrentMap<String, CompletableFuture<Optional<TaskOwner>>>
            underWay = new ConcurrentHashMap<>();
    private final Map<String, Known> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Known> eldest) {
            return size() > 1000;
        }
    };

    private final Function<String, Optional<TaskOwner>> lookUp;
    private final Function<String, Optional<Long>> groupLookUp;

    OwnerDirectory(Clock clock) {
        this(clock, OwnerDirectory::lookUp, OwnerDirectory::lookUpGroup);
    }

    /** @param lookUp asks the node's user database for one account (tests give their own) */
    OwnerDirectory(Clock clock, Function<String, Optional<TaskOwner>> lookUp) {
        this(clock, lookUp, OwnerDirectory::lookUpGroup);
    }

    /** @param groupLookUp asks the node's group database for a group's number */
    OwnerDirectory(Clock clock, Function<String, Optional<TaskOwner>> lookUp,
                   Function<String, Optional<Long>> groupLookUp) {
        this.clock = clock;
        this.lookUp = lookUp;
        this.groupLookUp = groupLookUp;
    }

    /**
     * The number of the group named {@code name} ({@code getent group}, so LDAP and SSSD groups count);
     * empty when the node does not know it. Asked once per task that names a group, not kept.
     */
    Optional<Long> groupId(String name) {
        if (!NAME.matcher(name).matches() && !name.matches("[0-9]{1,10}")) {
            return Optional.empty();
        }
        return groupLookUp.apply(name);
    }

    private static Optional<Long> lookUpGroup(String name) {
        // name:password:gid:members
        return run(GETENT, "group", "--", name).flatMap(line -> {
            String[] f = line.strip().split(":", -1);
            if (f.length < 3 || !(f[0].equals(name) || f[2].equals(name))) {
                return Optional.empty();
            }
            try {
                return Optional.of(Long.parseLong(f[2]));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    /** The account named {@code name}; empty when the node does not know it (or the name is no user name). */
    Optional<TaskOwner> find(String name) {
        if (!NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        synchronized (cache) {
            Known k = cache.get(name);
            if (k != null && now.isBefore(k.until())) {
                return k.owner();
            }
        }
        CompletableFuture<Optional<TaskOwner>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<TaskOwner>> running = underWay.putIfAbsent(name, mine);
        if (running != null) {
            return running.join();
        }
        try {
            Optional<TaskOwner> found = lookUp.apply(name);
            synchronized (cache) {
                cache.put(name, new Known(found, now.plus(KEEP)));
            }
            mine.complete(found);
            return found;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            underWay.remove(name, mine);
        }
    }

    /** The command's full path in the system's directories, so that starting it searches no PATH. */
    private static String firstExecutable(String command) {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return command;
    }

    private static Optional<TaskOwner> lookUp(String name) {
        Optional<String> line = run(GETENT, "passwd", name);
        if (line.isEmpty()) {
            return Optional.empty();
        }
        // name:password:uid:gid:gecos:home:shell
        String[] f = line.get().strip().split(":", -1);
        if (f.length < 7 || !f[0].equals(name)) {
            return Optional.empty();
        }
        try {
            long uid = Long.parseLong(f[2]);
            long gid = Long.parseLong(f[3]);
            List<Long> groups = new ArrayList<>();
            for (String g : run(ID, "-G", "--", name).orElse(f[3]).strip().split("\\s+")) {
                if (!g.isEmpty()) {
                    groups.add(Long.parseLong(g));
                }
            }
            return Optional.of(new TaskOwner(name, uid, gid, groups, f[5], f[6]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The first line a command prints when it exits 0; empty when it fails or is missing. */
    private static Optional<String> run(String... command) {
        try {
            // run as root on a real node: the fixed environment, whatever the agent's own holds
            BoundedRun.Ran ran = BoundedRun.run(OwnerShell.asRoot(new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)), LOOKUP_TIMEOUT, 64 * 1024);
            if (ran.timedOut() || ran.exit() != 0) {
                return Optional.empty();
            }
            String text = ran.output();
            int nl = text.indexOf('\n');
            return Optional.of(nl < 0 ? text : text.substring(0, nl));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
