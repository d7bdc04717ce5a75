package dev.hpc.mpi;

import dev.hpc.api.json.JsonText;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One command to start on a node of the allocation: the body of {@code POST /api/v1/jobs/{id}/spawn}.
 * {@code argv} is joined by blanks and run by {@code sh -c} on the node, as ssh does. {@code spawnId} is the
 * caller's own name for this one command: sent again (to a head that took over), the same request finds the
 * same command instead of starting a second one. {@code resume} marks a request sent again to follow a
 * command already started: the worker never starts it anew.
 */
public record SpawnRequest(JobContext job, String host, List<String> argv, Map<String, String> environment,
                           String workDir, String spawnId, boolean resume) {
    public SpawnRequest {
        argv = List.copyOf(argv);
        environment = new TreeMap<>(environment);
    }

    /** A request for a new command, with a fresh spawn id. */
    public SpawnRequest(JobContext job, String host, List<String> argv, Map<String, String> environment,
                        String workDir) {
        this(job, host, argv, environment, workDir, UUID.randomUUID().toString(), false);
    }

    /** The same request, to follow the command it started through another head. */
    public SpawnRequest resuming() {
        return new SpawnRequest(job, host, argv, environment, workDir, spawnId, true);
    }

    /** The JSON body, written by hand: this runs at every MPI launch and loads no JSON library. */
    String json() {
        StringBuilder b = new StringBuilder(256);
        b.append("{\"attemptId\":").append(job.attemptId());
        b.append(",\"token\":");
        JsonText.quote(b, job.token());
        b.append(",\"host\":");
        JsonText.quote(b, host);
        b.append(",\"argv\":[");
        for (int i = 0; i < argv.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            JsonText.quote(b, argv.get(i));
        }
        b.append("],\"environment\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : environment.entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            JsonText.quote(b, e.getKey());
            b.append(':');
            JsonText.quote(b, e.getValue());
        }
        b.append("},\"workDir\":");
        JsonText.quote(b, workDir);
        b.append(",\"spawnId\":");
        JsonText.quote(b, spawnId);
        if (resume) {
            b.append(",\"resume\":true");
        }
        return b.append('}').toString();
    }
}
