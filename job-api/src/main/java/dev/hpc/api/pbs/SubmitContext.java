package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;

/**
 * What option parsing may look at besides the option itself: the submitter's environment, the
 * directory qsub ran in, and the current time in the submitter's time zone ({@code TZ} when it names
 * a zone Java knows, else the clock's zone).
 */
record SubmitContext(Map<String, String> clientEnvironment, String submitDir, ZonedDateTime now) {

    static SubmitContext of(SubmitRequest request, Clock clock) {
        return new SubmitContext(request.clientEnvironment(), request.submitDir(),
                ZonedDateTime.now(clock).withZoneSameInstant(zone(request.clientEnvironment(), clock)));
    }

    private static ZoneId zone(Map<String, String> environment, Clock clock) {
        String tz = environment.getOrDefault("TZ", "");
        String id = tz.startsWith(":") ? tz.substring(1) : tz;
        if (id.isEmpty()) {
            return clock.getZone();
        }
        try {
            return ZoneId.of(id);
        } catch (DateTimeException e) {
            return clock.getZone();
        }
    }

    Optional<String> variable(String name) {
        return Optional.ofNullable(clientEnvironment.get(name));
    }

    /**
     * An absolute, normalised form of {@code path}: relative paths are taken from the submit
     * directory, {@code ~} and {@code ~/...} from the submitter's {@code HOME}. A trailing {@code /}
     * is kept, since it says the path is a directory.
     */
    String absolutePath(String path) {
        if (path.isEmpty()) {
            throw new InvalidRequestException("path is empty");
        }
        String full;
        if (path.equals("~") || path.startsWith("~/")) {
            String home = variable("HOME").orElseThrow(() -> new InvalidRequestException("cannot expand '~' in '"
                    + path + "': HOME is not set in your environment; write the full path"));
            full = home + path.substring(1);
        } else if (path.startsWith("~")) {
            throw new InvalidRequestException("'~user' paths are not supported, got '" + path + "'; write the full path");
        } else {
            full = path.startsWith("/") ? path : submitDir + "/" + path;
        }
        return normalise(full, path.endsWith("/"));
    }

    private static String normalise(String absolute, boolean directory) {
        Deque<String> parts = new ArrayDeque<>();
        for (String part : absolute.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(part);
            }
        }
        String joined = "/" + String.join("/", parts);
        return directory && !parts.isEmpty() ? joined + "/" : joined;
    }
}
