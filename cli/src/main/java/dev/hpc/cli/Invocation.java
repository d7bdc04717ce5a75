package dev.hpc.cli;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What one command line runs with: its environment, working directory and standard input. A command
 * started as its own JVM has the process's; one that the {@link CommandServer} runs has what the
 * caller's shell sent, so the commands read these here and never the process's directly.
 * {@code served}: the call runs in the command server, which keeps what outlives one call.
 */
public record Invocation(Map<String, String> env, Path cwd, InputStream stdin, boolean served) {
    /** Set only while a {@link CommandServer} call runs on the thread. */
    private static final ThreadLocal<Invocation> CURRENT = new ThreadLocal<>();

    public Invocation {
        env = Map.copyOf(env);
        cwd = cwd.toAbsolutePath();
    }

    static Invocation ofThisProcess() {
        return new Invocation(System.getenv(), Path.of(System.getProperty("user.dir", "/")), System.in, false);
    }

    /**
     * The invocation the calling thread runs for: the server's call, else this process's, read anew
     * (tests that run commands in their own JVM change {@code user.dir} between them).
     */
    public static Invocation current() {
        Invocation call = CURRENT.get();
        return call != null ? call : ofThisProcess();
    }

    /** Runs {@code body} as {@code invocation} on this thread. */
    static <T> T runAs(Invocation invocation, Supplier<T> body) {
        CURRENT.set(invocation);
        try {
            return body.get();
        } finally {
            CURRENT.remove();
        }
    }

    /**
     * The caller's time zone: its {@code TZ} when that names a zone ({@code Europe/Paris}, {@code :UTC}),
     * else the JVM's, which reads the same variable and the system's setting when it starts.
     */
    public ZoneId zone() {
        String tz = env.getOrDefault("TZ", "").strip();
        if (tz.startsWith(":")) {
            tz = tz.substring(1);
        }
        if (served && !tz.isEmpty()) {
            try {
                return ZoneId.of(tz);
            } catch (DateTimeException notAZoneName) {
                // a POSIX rule such as EST5EDT: the server's own zone
            }
        }
        return ZoneId.systemDefault();
    }

    /** A path as the caller typed it, relative to the caller's working directory. */
    public Path resolve(String typed) {
        return cwd.resolve(typed);
    }

    public Path resolve(Path typed) {
        return cwd.resolve(typed);
    }
}
