package dev.hpc.api.client;

import java.nio.file.Path;
import java.util.Map;

/**
 * The home directory the commands and daemons keep their files under ({@code ~/.hpc}): {@code $HOME} when it
 * is set to an absolute path, as every shell tool reads it, else the JVM's {@code user.home}. The JVM takes
 * {@code user.home} from the password file, so a test or a tool that sets {@code HOME} to keep its files apart
 * was written into the account's real home instead, beside every other run's (issue 20).
 */
public final class UserHome {
    private UserHome() {
    }

    /** The home for a command that runs with {@code env}. */
    public static Path of(Map<String, String> env) {
        String home = env.getOrDefault("HOME", "").strip();
        if (!home.isEmpty() && Path.of(home).isAbsolute()) {
            return Path.of(home);
        }
        return Path.of(System.getProperty("user.home", "."));
    }

    /** The home of this process. */
    public static Path ofThisProcess() {
        return of(System.getenv());
    }
}
