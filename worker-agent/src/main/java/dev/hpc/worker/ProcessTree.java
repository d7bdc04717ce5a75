package dev.hpc.worker;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The processes of one task on Linux: the task's leader runs in a session and process group of its
 * own ({@code setsid}), so the group id and the session id are the leader's pid. Members that
 * moved to another group keep the session; members that started a session of their own are found
 * as descendants of the leader while it lives. Zombies count as gone. Blocking.
 */
public final class ProcessTree {
    private static final Logger LOG = Logger.getLogger(ProcessTree.class.getName());
    private static final Path PROC = Path.of("/proc");
    private static final Optional<String> KILL = Executables.first("/bin/kill", "/usr/bin/kill").map(Path::toString);

    private ProcessTree() {
    }

    /** One line of {@code /proc/PID/stat}: the fields this class needs. */
    public record Stat(long pid, char state, long parent, long group, long session) {
        boolean zombie() {
            return state == 'Z' || state == 'X';
        }
    }

    /**
     * The stat of one process, empty when it does not exist (any more). It reads only the start of the
     * line, up to the session id, into bytes: a task's end reads the stat of many processes, and reading
     * and splitting whole lines as strings was half of an idle worker's CPU time. A stream, not a
     * channel: a channel's read fails on an interrupted thread, and a kill may run on one.
     */
    public static Optional<Stat> stat(long pid) {
        byte[] b = new byte[STAT_PREFIX];
        int n;
        try (FileInputStream in = new FileInputStream("/proc/" + pid + "/stat")) {
            n = in.readNBytes(b, 0, b.length);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return parseStat(pid, b, n);
    }

    /** The fields of the first {@code n} bytes of a stat line; empty when they are not all there. */
    static Optional<Stat> parseStat(long pid, byte[] b, int n) {
        // the command name is in parentheses and may itself hold spaces and parentheses; no later field does
        int close = n - 1;
        while (close >= 0 && b[close] != ')') {
            close--;
        }
        int at = close + 2;
        if (close < 0 || at >= n) {
            return Optional.empty();
        }
        char state = (char) b[at];
        at += 2;
        long[] fields = new long[3]; // parent, group, session
        for (int k = 0; k < fields.length; k++) {
            boolean negative = at < n && b[at] == '-';
            if (negative) {
                at++;
            }
            int start = at;
            long v = 0;
            while (at < n && b[at] >= '0' && b[at] <= '9') {
                v = v * 10 + (b[at] - '0');
                at++;
            }
            if (at == start || at >= n) {
                return Optional.empty();
            }
            fields[k] = negative ? -v : v;
            at++;
        }
        return Optional.of(new Stat(pid, state, fields[0], fields[1], fields[2]));
    }

    /** Enough of a stat line for its first six fields: a pid, a name of at most 16 bytes, a state and three ids. */
    private static final int STAT_PREFIX = 192;

    /**
     * Every live process that belongs to the task led by {@code leader}: its session, its process
     * group and the leader's descendants, keyed by pid, in pid order.
     */
    public static Map<Long, ProcessHandle> members(long leader) {
        return members(leader, Optional::empty);
    }

    /**
     * As {@link #members(long)}, reading the stat only of the processes in {@code startedSince} when it
     * gives a window that holds the leader: every member of a task is newer than its leader. The window
     * is asked for after /proc is listed, so that a process forked during the scan is either past the
     * listing or inside the window. While the leader lives, its descendants come from the JDK, which
     * reads every process's stat itself.
     */
    public static Map<Long, ProcessHandle> members(long leader, Supplier<Optional<PidWindow>> startedSince) {
        Map<Long, ProcessHandle> found = new TreeMap<>();
        ProcessHandle.of(leader).ifPresent(h -> {
            found.put(leader, h);
            h.descendants().forEach(d -> found.put(d.pid(), d));
        });
        List<Long> listed = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, p -> isNumber(p.getFileName().toString()))) {
            for (Path dir : dirs) {
                listed.add(Long.parseLong(dir.getFileName().toString()));
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "cannot scan /proc for the processes of " + leader, e);
        }
        Optional<PidWindow> window = startedSince.get().filter(w -> w.contains(leader));
        for (long pid : listed) {
            if (found.containsKey(pid) || window.isPresent() && !window.get().contains(pid)) {
                continue;
            }
            stat(pid).filter(s -> !s.zombie() && (s.session() == leader || s.group() == leader))
                    .flatMap(s -> ProcessHandle.of(pid))
                    .ifPresent(h -> found.put(pid, h));
        }
        found.values().removeIf(h -> !alive(h));
        return found;
    }

    /**
     * The pids the kernel gave out after {@code cursor} and up to {@code last}, in the order it gives
     * them: upwards, wrapping past {@code pid_max} to the bottom.
     */
    public record PidWindow(long cursor, long last) {
        boolean contains(long pid) {
            return cursor <= last ? pid > cursor && pid <= last : pid > cursor || pid <= last;
        }
    }

    /**
     * The kernel's pid cursor, the pid it gave out last in this pid namespace
     * ({@code /proc/sys/kernel/ns_last_pid}); empty where the kernel does not show it.
     */
    public static OptionalLong pidCursor() {
        return PROC_IN_OWN_NAMESPACE ? readNumber(PROC.resolve("sys/kernel/ns_last_pid")) : OptionalLong.empty();
    }

    /**
     * Whether /proc shows this process's own pid namespace, the one whose cursor {@code ns_last_pid}
     * is: a /proc mounted from another namespace numbers processes otherwise.
     */
    private static final boolean PROC_IN_OWN_NAMESPACE = procInOwnNamespace();

    private static boolean procInOwnNamespace() {
        try {
            return Files.readSymbolicLink(PROC.resolve("self")).toString()
                    .equals(Long.toString(ProcessHandle.current().pid()));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The highest pid plus one ({@code /proc/sys/kernel/pid_max}): where the cursor wraps. */
    static final OptionalLong PID_MAX = readNumber(PROC.resolve("sys/kernel/pid_max"));

    /**
     * Assumed to be more pids than any node gives out per second (to processes and threads alike). The
     * cursor comes round to where it was only after {@code pid_max} pids, so a window younger than
     * {@code pid_max} divided by this rate is taken not to have wrapped past its start: 0.33 s with the
     * old default of 32,768 pids, 42 s with 4,194,304. A window that does not hold the task's leader
     * has wrapped, and gets the whole scan.
     */
    static final long ASSUMED_MOST_PIDS_PER_SECOND = 100_000;

    /**
     * The window from {@code cursorAtStart} (read right before the leader started, {@code elapsedNanos}
     * ago) to the cursor now, when it is sure to hold every process started since; empty otherwise.
     */
    public static Optional<PidWindow> startedSince(OptionalLong cursorAtStart, long elapsedNanos) {
        if (cursorAtStart.isEmpty() || PID_MAX.isEmpty()
                || elapsedNanos >= PID_MAX.getAsLong() * 1_000_000_000L / ASSUMED_MOST_PIDS_PER_SECOND) {
            return Optional.empty();
        }
        OptionalLong now = pidCursor();
        if (now.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new PidWindow(cursorAtStart.getAsLong(), now.getAsLong()));
    }

    /**
     * A number from a sysctl file, in one read: the kernel answers a read at an offset past 0 with
     * the end of the file, so the small first reads of {@code Files.readString} would cut it short.
     */
    private static OptionalLong readNumber(Path file) {
        byte[] b = new byte[64];
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            int n = in.read(b);
            return OptionalLong.of(Long.parseLong(new String(b, 0, Math.max(n, 0), StandardCharsets.US_ASCII).strip()));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** The resident memory of one process ({@code VmRSS} of /proc/PID/status) in bytes; 0 when unknown or gone. */
    public static long residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(PROC.resolve(Long.toString(pid)).resolve("status"),
                    StandardCharsets.UTF_8)) {
                if (line.startsWith("VmRSS:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** Alive and not a zombie. */
    public static boolean alive(ProcessHandle h) {
        return h.isAlive() && !stat(h.pid()).map(Stat::zombie).orElse(false);
    }

    /** Whether {@code pid} is in process group {@code group} right now. */
    public static boolean inGroup(long pid, long group) {
        return stat(pid).map(s -> s.group() == group).orElse(false);
    }

    /**
     * Sends {@code signal} ({@code TERM} or {@code KILL}) to the whole process group at once with
     * {@code kill(1)}, which no fork can race; without a kill command, to each member found.
     */
    public static void signalGroup(long group, String signal) {
        if (KILL.isPresent()
                && runKill(List.of(KILL.get(), "-s", signal, "--", "-" + group), "signal process group " + group)) {
            return; // a non-zero status means the group is gone already
        }
        for (ProcessHandle h : members(group).values()) {
            if (inGroup(h.pid(), group)) {
                signal(h, signal);
            }
        }
    }

    /**
     * Sends any {@code signal} ({@link dev.hpc.api.job.Signals}' canonical form: a name without SIG, or a number) to
     * process group {@code group} and to each of {@code others}, in one {@code kill(1)} run as root. A target
     * that is gone already is skipped by kill, which still signals the rest. Without a kill command only TERM
     * and KILL can be sent (by the JDK), to each member found.
     */
    public static void signalGroupAndOthers(long group, Collection<Long> others, String signal) {
        if (!signal.matches("[A-Z0-9]+")) {
            throw new IllegalArgumentException("should never happen: signal '" + signal + "' is not canonical");
        }
        if (KILL.isEmpty()) {
            if (!"TERM".equals(signal) && !"KILL".equals(signal)) {
                LOG.warning("no kill command in /bin or /usr/bin: SIG" + signal + " cannot be sent to group " + group);
                return;
            }
            signalGroup(group, signal);
            others.forEach(pid -> ProcessHandle.of(pid).ifPresent(h -> signal(h, signal)));
            return;
        }
        List<String> command = new ArrayList<>(List.of(KILL.get(), "-s", signal, "--", "-" + group));
        others.forEach(pid -> command.add(Long.toString(pid)));
        runKill(command, "send SIG" + signal + " to group " + group);
    }

    /**
     * Sends any canonical {@code signal} to the one process {@code h} alone, not its group (Slurm's
     * {@code --signal=B:}, for the batch shell), with {@code kill(1)} run as root; skipped when it is gone.
     */
    public static void signalOnly(ProcessHandle h, String signal) {
        if (!h.isAlive()) {
            return;
        }
        if (!signal.matches("[A-Z0-9]+")) {
            throw new IllegalArgumentException("should never happen: signal '" + signal + "' is not canonical");
        }
        if (KILL.isEmpty()) {
            if ("TERM".equals(signal) || "KILL".equals(signal)) {
                signal(h, signal);
            } else {
                LOG.warning("no kill command in /bin or /usr/bin: SIG" + signal + " cannot be sent to " + h.pid());
            }
            return;
        }
        runKill(List.of(KILL.get(), "-s", signal, "--", Long.toString(h.pid())),
                "send SIG" + signal + " to " + h.pid());
    }

    /** Sends {@code TERM} or {@code KILL} to one process (checked against its start time by the JDK). */
    public static void signal(ProcessHandle h, String signal) {
        try {
            if ("KILL".equals(signal)) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "cannot signal process " + h.pid(), e);
        }
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs {@code command}, a {@code kill(1)}, as root (the fixed environment, not whatever the agent was started
     * with) and gives it 5 s; whether it ended in time. {@code what} completes the warning when it cannot run.
     */
    private static boolean runKill(List<String> command, String what) {
        try {
            Process p = OwnerShell.asRoot(new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD))
                    .start();
            if (p.waitFor(5, TimeUnit.SECONDS)) {
                return true;
            }
            p.destroyForcibly();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot run " + KILL.get() + " to " + what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }
}
