package dev.hpc.mpi;

import dev.hpc.api.wire.SpawnProtocol;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a process inside a job knows of its job from the environment its worker gave it: the heads,
 * the job and attempt, the spawn token and the node it runs on.
 */
public record JobContext(List<String> servers, String jobId, long attemptId, String token, String node) {

    /** Thrown when the environment is not that of a job; the message says what is missing. */
    public static final class NotInJob extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotInJob(String message) {
            super(message);
        }
    }

    public JobContext {
        servers = List.copyOf(servers);
    }

    /** Reads the variables the worker sets in every task; throws {@link NotInJob} naming those missing. */
    public static JobContext from(Map<String, String> env) {
        List<String> missing = new ArrayList<>();
        String server = value(env, SpawnProtocol.ENV_SERVER, missing);
        String job = value(env, SpawnProtocol.ENV_JOB_ID, missing);
        String attempt = value(env, SpawnProtocol.ENV_ATTEMPT_ID, missing);
        String token = value(env, SpawnProtocol.ENV_SPAWN_TOKEN, missing);
        String node = value(env, SpawnProtocol.ENV_WORKER_NODE, missing);
        if (!missing.isEmpty()) {
            throw new NotInJob("this runs inside a job only: " + String.join(", ", missing)
                    + (missing.size() == 1 ? " is" : " are") + " not set (a worker sets them in every job's "
                    + "environment)");
        }
        long attemptId;
        try {
            attemptId = Long.parseLong(attempt.strip());
        } catch (NumberFormatException e) {
            throw new NotInJob(SpawnProtocol.ENV_ATTEMPT_ID + " must be a number, not '" + attempt + "'");
        }
        List<String> servers = new ArrayList<>();
        for (String s : server.split(",")) {
            if (!s.isBlank()) {
                servers.add(s.strip());
            }
        }
        if (servers.isEmpty()) {
            throw new NotInJob(SpawnProtocol.ENV_SERVER + " names no head");
        }
        return new JobContext(servers, job.strip(), attemptId, token.strip(), node.strip());
    }

    private static String value(Map<String, String> env, String name, List<String> missing) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            missing.add(name);
            return "";
        }
        return v;
    }
}
